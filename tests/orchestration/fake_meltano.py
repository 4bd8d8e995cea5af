"""A stand-in `meltano` that replays recorded runs (fixtures/) and records how it was called."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ledgerlink_orchestration.meltano import MeltanoResource
from tests.orchestration.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
# The recorded runs that end with a non-zero exit status.
FAILING = ("plugin-failure", "already-running", "budget-stop")
# Variables a call records: the tenant, Meltano's run flags, the taps' settings.
RECORDED_ENV = ("TAP_", "TARGET_", "MELTANO_RUN_", "LEDGERLINK_TENANT")

FAKE = """\
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
env = {{k: v for k, v in os.environ.items() if k.startswith({prefixes!r})}}
with open({calls!r}, "a") as log:
    tenant = os.environ.get("TAP_QUICKBOOKS_TENANT")
    log.write(json.dumps({{"args": args, "tenant": tenant, "env": env}}) + "\\n")
script = {script!r}
name = script[min(sum(1 for _ in open({calls!r})), len(script)) - 1]
sys.stderr.write((Path({fixtures!r}) / ("meltano-run-" + name + ".jsonl")).read_text())
sys.exit(1 if name in {failing!r} else 0)
"""


class FakeMeltano:
    """A `meltano` that answers call N with the recorded run script[N] (the last one repeats)."""

    def __init__(self, tmp: Path, *script: str) -> None:
        self.calls_file = tmp / "calls.jsonl"
        self.calls_file.write_text("")
        self.path = tmp / "meltano"
        body = FAKE.format(
            calls=str(self.calls_file),
            script=list(script),
            fixtures=str(FIXTURES),
            prefixes=RECORDED_ENV,
            failing=FAILING,
        )
        self.path.write_text(f"#!{sys.executable}\n{body}")
        self.path.chmod(0o755)

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]

    def resource(self) -> MeltanoResource:
        return MeltanoResource(executable=str(self.path), project_dir=str(ROOT))
