"""Records what tap-quickbooks sends for the sandbox's `demo` company into
``tests/target_shipstation/recorded/demo.singer``: the input the target's replay tests feed it.

    .venv/bin/python -m tests.target_shipstation.record_singer

Runs the tap in this process against a fresh sandbox and a throwaway database (on the test
server: the embedded one, or LEDGERLINK_TEST_DATABASE_URL), dropped afterwards. The sandbox's
data is deterministic per seed, so a re-recording differs only where the emulator changed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import uuid
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from ledgerlink import crypto, db
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.sandbox import Sandbox
from tap_quickbooks.tap import TapQuickBooks
from tests.conftest import _server_url
from tests.core.conftest import QboSandbox

OUT = Path(__file__).with_name("recorded") / "demo.singer"
TENANT = "recorder"


def record(out: Path = OUT) -> int:
    server = _server_url()
    name = f"ll_record_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["LEDGERLINK_DATABASE_URL"] = make_conninfo(server, dbname=name)
    os.environ.setdefault("LEDGERLINK_SECRET_KEY", crypto.generate_key())
    try:
        with Sandbox(seed="demo").start() as box:
            QboSandbox(box).connect(TokenStore(), TENANT)
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                TapQuickBooks(config={"tenant": TENANT, "settle_seconds": 0}).sync_all()
    finally:
        db.close()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    # Keep SCHEMA, RECORD and STATE messages, one per line, in the order the tap sent them.
    kept = [line for line in stdout.getvalue().splitlines()
            if json.loads(line).get("type") in ("SCHEMA", "RECORD", "STATE")]  # fmt: skip
    out.write_text("\n".join(kept) + "\n")
    return len(kept)


if __name__ == "__main__":
    print(f"{record()} messages written to {OUT}")
