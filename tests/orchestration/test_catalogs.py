"""Catalogs kept between runs: only for tap-quickbooks and its children, discovered again when
the tap's code or its definition in meltano.yml changes."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from ledgerlink_orchestration.meltano import MeltanoProject
from ledgerlink_orchestration.meltano.catalogs import CatalogCache


def _write_manifest(root: Path, select: str = "a.*") -> None:
    extractors = [
        {"name": "tap-quickbooks", "pip_url": "-e . -e ./tap-quickbooks"},
        {"name": "tap-quickbooks--money", "inherit_from": "tap-quickbooks", "select": [select]},
        {"name": "tap-pipedrive", "pip_url": "-e . -e ./tap-pipedrive"},
    ]
    (root / "meltano.yml").write_text(yaml.safe_dump({"plugins": {"extractors": extractors}}))


def _project(root: Path) -> MeltanoProject:
    _write_manifest(root)
    for package in ("src/ledgerlink", "tap-quickbooks/tap_quickbooks", "tap-pipedrive/tap_pd"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("VERSION = 1\n")
    return MeltanoProject(root)


def _discovered(root: Path, plugin: str, text: str) -> None:
    """What Meltano leaves after a run: the plugin's catalog, selection applied."""
    folder = root / ".meltano" / "run" / plugin
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tap.properties.json").write_text(text)


def test_a_kept_catalog_is_used_until_the_code_or_the_definition_changes(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cache = CatalogCache(project)
    plugins = ["tap-quickbooks--money", "tap-pipedrive"]
    assert cache.variables(plugins) == {}  # nothing kept yet: Meltano discovers

    started = time.time() - 1
    _discovered(tmp_path, "tap-quickbooks--money", '{"streams": ["money"]}')
    _discovered(tmp_path, "tap-pipedrive", '{"streams": ["deals"]}')
    cache.keep(plugins, used={}, since=started)
    variables = cache.variables(plugins)
    assert list(variables) == ["TAP_QUICKBOOKS__MONEY__CATALOG"]  # never tap-pipedrive
    assert Path(variables["TAP_QUICKBOOKS__MONEY__CATALOG"]).read_text() == '{"streams": ["money"]}'

    # The tap's code changes: discovered again.
    (tmp_path / "tap-quickbooks" / "tap_quickbooks" / "__init__.py").write_text("VERSION = 2\n")
    assert cache.variables(plugins) == {}
    # A run that did not discover (a file from before it started) leaves nothing to keep.
    cache.keep(plugins, used={}, since=time.time() + 60)
    assert cache.variables(plugins) == {}
    cache.keep(plugins, used={}, since=started)
    assert list(cache.variables(plugins)) == ["TAP_QUICKBOOKS__MONEY__CATALOG"]

    # So does the plugin's definition in meltano.yml (another selection).
    _write_manifest(tmp_path, select="b.*")
    assert CatalogCache(MeltanoProject(tmp_path)).variables(plugins) == {}
