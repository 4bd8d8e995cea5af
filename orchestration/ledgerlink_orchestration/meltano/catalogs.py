"""Catalogs kept between runs for the taps whose catalog depends on their code alone.

Meltano runs `<tap> --discover` before every run of a tap installed in editable mode (our
`pip_url: -e ...`): it cannot know whether the code changed. That is one more Python process per
`meltano run` (seconds of CPU on a small machine). tap-quickbooks' streams and schemas are fixed
in its code, so its catalog, once Meltano has discovered it and applied meltano.yml's selection
for a plugin, is kept here under a key made of that code (the editable packages' sources) and the
plugin's definition in meltano.yml (and its parents'). A run whose key matches gets it as the
plugin's custom catalog (`<PLUGIN>__CATALOG`), which Meltano uses as it is; any change to the code
or the definition discovers again. tap-pipedrive is not listed: its catalog carries each company's
custom fields, so it is discovered every time.
"""

import hashlib
import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ledgerlink_orchestration.meltano.project import MeltanoProject, setting_variable

# Taps (and every plugin inheriting from them) whose discovery reads no API and no config.
STATIC_CATALOG_TAPS = ("tap-quickbooks",)
_SKIPPED_DIRS = {"tests", "__pycache__", ".venv", ".meltano", "node_modules"}


class CatalogCache:
    def __init__(self, project: MeltanoProject) -> None:
        self.project = project
        self.folder = project.root / ".meltano" / "run" / "ledgerlink-catalogs"

    def applies_to(self, plugin: str) -> bool:
        return any(a in STATIC_CATALOG_TAPS for a in self.project.lineage(plugin))

    def key(self, plugin: str) -> str:
        digest = hashlib.sha256()
        definitions = [self.project.definition(p) for p in self.project.lineage(plugin)]
        digest.update(json.dumps(definitions, sort_keys=True, default=str).encode())
        for path in sorted(self._sources(definitions)):
            digest.update(str(path.relative_to(self.project.root)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:20]

    def _sources(self, definitions: list[dict[str, Any]]) -> set[Path]:
        found: set[Path] = set()
        for definition in definitions:
            words = str(definition.get("pip_url") or "").split()
            for flag, target in itertools.pairwise(words):
                if flag == "-e":
                    found |= set(_code_files(self.project.root / target))
        return found

    def _cached(self, plugin: str) -> Path:
        return self.folder / f"{plugin}-{self.key(plugin)}.json"

    def variables(self, plugins: list[str]) -> dict[str, str]:
        """`<PLUGIN>__CATALOG` for each plugin of the run whose catalog is kept and current."""
        env = {}
        for plugin in plugins:
            if self.applies_to(plugin) and self._cached(plugin).is_file():
                env[setting_variable(plugin, "_catalog")] = str(self._cached(plugin))
        return env

    def keep(self, plugins: list[str], used: dict[str, str], since: float) -> None:
        """After a successful run: the catalog Meltano discovered and selected for a plugin
        during this run (written after `since`, a `time.time()`; an older file may come from
        other code)."""
        for plugin in plugins:
            if not self.applies_to(plugin) or setting_variable(plugin, "_catalog") in used:
                continue
            discovered = self.project.root / ".meltano" / "run" / plugin / "tap.properties.json"
            if discovered.is_file() and discovered.stat().st_mtime >= since:
                self.folder.mkdir(parents=True, exist_ok=True)
                target = self._cached(plugin)
                partial = target.with_suffix(".tmp")
                shutil.copyfile(discovered, partial)
                partial.replace(target)  # whole or absent, for a run starting meanwhile


def _code_files(root: Path) -> Iterator[Path]:
    base = root / "src" if (root / "src").is_dir() else root
    for path in base.rglob("*"):
        inside = set(path.relative_to(base).parts)
        if path.suffix in (".py", ".json") and not _SKIPPED_DIRS & inside:
            yield path
