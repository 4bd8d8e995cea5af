"""The README's demo command on a fresh project directory: embedded PostgreSQL, no server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests import leakcheck


def test_demo_runs_on_the_embedded_defaults(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    env["LEDGERLINK_PROJECT_DIR"] = str(tmp_path)
    cli = [sys.executable, "-m", "ledgerlink.cli"]
    try:
        done = subprocess.run([*cli, "demo"], env=env, capture_output=True, text=True, timeout=180)
        leakcheck.record_output(done.stdout + done.stderr)
        assert done.returncode == 0, done.stderr
        assert "4/4 connection status" in done.stdout
        assert "demo    quickbooks" in done.stdout and "active" in done.stdout
        assert (tmp_path / ".ledgerlink" / "pgdata" / "PG_VERSION").exists()
        assert (tmp_path / ".ledgerlink" / "secret.key").stat().st_mode & 0o777 == 0o600
    finally:
        subprocess.run([*cli, "db", "stop"], env=env, capture_output=True, check=False)
