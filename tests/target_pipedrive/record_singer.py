"""Record what the two taps emit against the sandbox (``demo`` seed) into ``recorded/``: the
input ``test_singer_replay.py`` replays through target-pipedrive.

    .venv/bin/python -m tests.target_pipedrive.record_singer

tap-quickbooks with only ``customers`` selected (``customers.singer``) and tap-pipedrive with
only ``deals`` (``deals.singer``), each run in this process against one sandbox, with a tenant
connected in a throw-away database of the test server (``tests/conftest.py``'s, dropped after).
"""

from __future__ import annotations

import io
import os
import uuid
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from ledgerlink import crypto, db
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from ledgerlink_sandbox.sandbox import Sandbox
from tap_pipedrive.tap import TapPipedrive
from tap_quickbooks.tap import TapQuickBooks
from tests.conftest import _server_url
from tests.core.conftest import QboSandbox

HERE = Path(__file__).resolve().parent / "recorded"
SEED = "demo"
TENANT = "recorder"


def _selected(catalog: dict[str, Any], stream: str) -> dict[str, Any]:
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] == stream
    return catalog


def _sync(tap: TapQuickBooks | TapPipedrive) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        tap.sync_all()
    return out.getvalue()


def record(box: Sandbox) -> None:
    store = TokenStore()
    QboSandbox(box).connect(store, TENANT)
    company = box.services["pipedrive"].state.store.company  # type: ignore[attr-defined]
    store.save(
        TENANT,
        "pipedrive",
        auth_kind="api_token",
        api_url=box.url("pipedrive"),
        account_id=company.domain,
        secrets={"api_token": DEFAULT_API_TOKEN},
    )
    qbo = {"tenant": TENANT, "start_date": "2000-01-01T00:00:00Z"}
    catalog = TapQuickBooks(config=qbo, parse_env_config=False).catalog_dict
    tap = TapQuickBooks(config=qbo, catalog=_selected(catalog, "customers"), parse_env_config=False)
    (HERE / "customers.singer").write_text(_sync(tap))
    pipedrive = {"tenant": TENANT}
    catalog = TapPipedrive(config=pipedrive, parse_env_config=False).catalog_dict
    deals = TapPipedrive(
        config=pipedrive, catalog=_selected(catalog, "deals"), parse_env_config=False
    )
    (HERE / "deals.singer").write_text(_sync(deals))


def main() -> None:
    server = _server_url()
    name = f"ll_record_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["LEDGERLINK_DATABASE_URL"] = make_conninfo(server, dbname=name)
    os.environ["LEDGERLINK_SECRET_KEY"] = crypto.generate_key()
    try:
        with Sandbox(seed=SEED).start() as box:
            record(box)
    finally:
        db.close()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
