"""How pytest-xdist hands tests to the workers (`tasks.py test`: `--dist loadscope`).

Each module is one unit, so module-scoped fixtures (sandboxes, projects) are built once. The
modules marked `root_project` run `meltano` in the repository's own project, whose plugin
virtualenvs and Meltano system database they share, so together they are one unit: one worker,
one at a time. (xdist's own `loadgroup` cannot be used: it marks groups by rewriting node ids,
which pytest 9 no longer reads back; pytest-xdist issue 1386.)

Units go out in collection order (`--no-loadscope-reorder`), which tests/conftest.py sorts so
the longest units start first.
"""

from __future__ import annotations

import functools
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

ROOT = Path(__file__).resolve().parents[1]
ROOT_PROJECT = "meltano-root-project"
MARKER = "pytest.mark.root_project"


@functools.cache
def runs_in_root_project(path: str) -> bool:
    """Whether the test module at ``path`` (relative to the repository) carries the marker.

    The controller schedules by node id without collecting, so it reads the module's text."""
    module = ROOT / path
    return module.is_file() and MARKER in module.read_text()


class ModuleScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist ships no types for it
    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return ROOT_PROJECT if runs_in_root_project(path) else path
