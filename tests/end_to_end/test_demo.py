"""The README's demo command: embedded PostgreSQL, the sandbox, real `meltano run` processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg

from tests import leakcheck

ROOT = Path(__file__).resolve().parents[2]


def test_demo_syncs_both_taps_into_raw_tables_on_the_embedded_defaults(tmp_path: Path) -> None:
    # A fresh project state folder (no database, no key file) but the repository's Meltano project.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    env["LEDGERLINK_PROJECT_DIR"] = str(tmp_path)
    cli = [sys.executable, "-m", "ledgerlink.cli"]
    try:
        done = subprocess.run(
            [*cli, "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        log = tmp_path / ".ledgerlink" / "logs" / "demo-meltano.log"
        leakcheck.record_output(
            done.stdout + done.stderr + (log.read_text() if log.exists() else "")
        )
        assert done.returncode == 0, done.stderr[-3000:]
        out = done.stdout
        assert "customers 40, invoices 116, items 20, payments 102, terms 5 rows" in out
        assert re.search(r"tap-quickbooks full sync: .* 5 API calls", out), out
        assert "tap-quickbooks incremental run with nothing changed: 1 API call(s)" in out
        assert re.search(r"tap-pipedrive full sync: .*deals \d+.*organizations \d+", out), out
        assert re.search(r"demo\s+quickbooks\s+\d+\s+active", out), out
        assert re.search(r"demo\s+pipedrive\s+\S+\s+active", out), out
        assert (tmp_path / ".ledgerlink" / "secret.key").stat().st_mode & 0o777 == 0o600
        url = subprocess.run(
            [*cli, "db", "url"], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        with psycopg.connect(url) as conn:
            invoices = conn.execute("SELECT count(*) FROM raw_quickbooks.invoices").fetchone()
            organizations = conn.execute("SELECT count(*) FROM raw_pipedrive.organizations")
            assert organizations.fetchone() != (0,)
        assert invoices == (116,)
    finally:
        subprocess.run([*cli, "db", "stop"], env=env, capture_output=True, check=False)
