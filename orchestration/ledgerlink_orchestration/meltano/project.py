"""The Meltano project on disk: where it is and which plugins a job runs."""

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_ENV = "LEDGERLINK_MELTANO_PROJECT"


def setting_variable(plugin: str, setting: str) -> str:
    """Meltano's variable for a plugin setting (`tap-quickbooks--customers`, `start_date` →
    `TAP_QUICKBOOKS__CUSTOMERS_START_DATE`)."""
    return f"{plugin}_{setting}".upper().replace("-", "_")


@dataclass(frozen=True)
class MeltanoProject:
    root: Path

    @classmethod
    def find(cls, explicit: str = "") -> "MeltanoProject":
        """`explicit`, else LEDGERLINK_MELTANO_PROJECT, else the nearest meltano.yml upwards."""
        chosen = explicit or os.environ.get(PROJECT_ENV, "")
        if chosen:
            return cls(Path(chosen).resolve())
        cwd = Path.cwd().resolve()
        for candidate in (cwd, *cwd.parents):
            if (candidate / "meltano.yml").is_file():
                return cls(candidate)
        msg = f"No meltano.yml in {cwd} or above: set {PROJECT_ENV} to the ledgerlink project"
        raise FileNotFoundError(msg)

    def _manifest(self) -> dict[str, Any]:
        return _read_manifest(self.root / "meltano.yml")

    def plugins(self, job_or_blocks: str) -> list[str]:
        """The plugin names a `meltano run` argument runs: a job's tasks, or the blocks as given."""
        for job in self.jobs():
            if job.get("name") == job_or_blocks:
                tasks = job.get("tasks") or []
                return [word for task in tasks for word in str(task).split()]
        return job_or_blocks.split()

    def jobs(self) -> list[dict[str, Any]]:
        return list(self._manifest().get("jobs") or [])

    def setting(self, plugin: str, name: str) -> Any:
        """A plugin setting's value as Meltano resolves the common cases: its variable
        (`TARGET_SHIPSTATION_HISTORY_CUTOFF`), else the active environment's config
        (MELTANO_ENVIRONMENT, else `default_environment`), else the plugin's config; None when
        unset. Values that reference other variables (`${...}`) are not expanded."""
        variable = setting_variable(plugin, name)
        if os.environ.get(variable):
            return os.environ[variable]
        manifest = self._manifest()
        active = os.environ.get("MELTANO_ENVIRONMENT") or manifest.get("default_environment")
        for environment in manifest.get("environments") or []:
            if environment.get("name") == active:
                found = _plugin_config(((environment.get("config") or {}).get("plugins")), plugin)
                if name in found:
                    return found[name]
        return _plugin_config(manifest.get("plugins"), plugin).get(name)

    def definition(self, plugin: str) -> dict[str, Any]:
        """The plugin's entry in meltano.yml (any kind), empty when there is none."""
        for kind in (self._manifest().get("plugins") or {}).values():
            for entry in kind or []:
                if isinstance(entry, dict) and entry.get("name") == plugin:
                    return entry
        return {}

    def lineage(self, plugin: str) -> list[str]:
        """The plugin and those it inherits from (`tap-quickbooks--money`, `tap-quickbooks`)."""
        found: list[str] = []
        while plugin and plugin not in found:
            found.append(plugin)
            plugin = str(self.definition(plugin).get("inherit_from") or "")
        return found

    def load_schema(self, plugin: str) -> str | None:
        """The extractor's `load_schema` in meltano.yml (inherited from its parent), or None for
        a plugin that is no extractor or names none."""
        for name in self.lineage(plugin):
            found = self.definition(name).get("load_schema")
            if found:
                return str(found)
        return None


def _plugin_config(plugins: Any, plugin: str) -> dict[str, Any]:
    for kind in (plugins or {}).values():
        for entry in kind or []:
            if isinstance(entry, dict) and entry.get("name") == plugin:
                config = entry.get("config")
                return config if isinstance(config, dict) else {}
    return {}


def _read_manifest(path: Path) -> dict[str, Any]:
    # Parsed again when the file changes (a long-running code server sees edits).
    stat = path.stat()
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _parsed(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    return loaded if isinstance(loaded, dict) else {}
