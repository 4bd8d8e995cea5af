"""The Meltano project on disk: where it is and which plugins a job runs."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_ENV = "LEDGERLINK_MELTANO_PROJECT"


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
        loaded = yaml.safe_load((self.root / "meltano.yml").read_text())
        return loaded if isinstance(loaded, dict) else {}

    def plugins(self, job_or_blocks: str) -> list[str]:
        """The plugin names a `meltano run` argument runs: a job's tasks, or the blocks as given."""
        for job in self.jobs():
            if job.get("name") == job_or_blocks:
                tasks = job.get("tasks") or []
                return [word for task in tasks for word in str(task).split()]
        return job_or_blocks.split()

    def jobs(self) -> list[dict[str, Any]]:
        return list(self._manifest().get("jobs") or [])
