"""meltano.yml agrees with the plugins: for each of the four, ``<exe> --about --format=json``
(the schema the plugin validates its config against) and its meltano.yml block name the same
settings, of matching kinds, with the same required ones, a description on each, and
``sensitive`` on none (no plugin setting holds a secret)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ("tap-quickbooks", "tap-pipedrive", "target-pipedrive", "target-shipstation")
KINDS = {"integer": "integer", "number": "decimal", "boolean": "boolean", "object": "object"}
KINDS |= {"array": "array"}


def _kind(schema: dict[str, Any]) -> str:
    (json_type,) = [t for t in schema["type"] if t != "null"]
    if json_type == "string":
        if schema.get("format") == "date-time":
            return "date_iso8601"
        return "options" if "enum" in schema else "string"
    return KINDS[json_type]


def _block(name: str) -> dict[str, Any]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    for kind in ("extractors", "loaders"):
        for plugin in project["plugins"][kind]:
            if plugin["name"] == name:
                return dict(plugin)
    raise AssertionError(f"{name} is not in meltano.yml")


@pytest.mark.parametrize("name", PLUGINS)
def test_meltano_yml_declares_every_setting_of_the_plugin_as_its_schema_does(name: str) -> None:
    exe = Path(sys.executable).with_name(name)
    about = json.loads(subprocess.check_output([str(exe), "--about", "--format=json"]))
    schema = about["settings"]
    declared = {s["name"]: s for s in _block(name)["settings"]}
    assert list(declared) == list(schema["properties"])
    for setting, prop in schema["properties"].items():
        entry = declared[setting]
        assert entry.get("kind", "string") == _kind(prop), setting
        assert entry.get("description"), setting
        assert not entry.get("sensitive"), f"{setting}: no plugin setting holds a secret"
        if "enum" in prop:
            assert [o["value"] for o in entry["options"]] == prop["enum"], setting
    required = set(schema.get("required", []))
    assert required == {"tenant"}
    assert set(_block(name).get("config", {})) >= required  # given a value in the project


def test_no_secret_is_passed_to_any_plugin() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    names: list[str] = []
    for environment in project["environments"]:
        for kind in ("extractors", "loaders"):
            for plugin in ((environment.get("config") or {}).get("plugins") or {}).get(kind, []):
                names += list(plugin.get("config", {}))
    for name in PLUGINS:
        names += [s["name"] for s in _block(name)["settings"]] + list(_block(name)["config"])
    for word in ("secret", "client_id", "database_url", "api_token", "password", "oauth_url"):
        assert not [n for n in names if word in n and n != "database_url_env"], word
