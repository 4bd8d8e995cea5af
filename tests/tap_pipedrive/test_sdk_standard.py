"""singer-sdk's standard tap tests against the Pipedrive sandbox.

The SDK builds the test class, and discovers the streams and their properties (custom fields
included), when this module is imported, before any fixture runs. So the sandbox starts here and
a throwaway database holds the tenant's connection for that import-time discovery; the tests
themselves run on the session database, where ``_connected`` stores the connection again.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from ledgerlink import crypto, db
from tap_pipedrive.tap import TapPipedrive
from tests.conftest import _server_url
from tests.tap_pipedrive.conftest import PipedriveSandbox, connect

_SANDBOX = PipedriveSandbox(seed="tap-pipedrive-standard", size="demo")
_SANDBOX.no_burst_limit()


def _build_test_class() -> type:
    saved = {k: os.environ.get(k) for k in ("LEDGERLINK_DATABASE_URL", "LEDGERLINK_SECRET_KEY")}
    server = _server_url()
    name = f"ll_test_std_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["LEDGERLINK_DATABASE_URL"] = make_conninfo(server, dbname=name)
    os.environ["LEDGERLINK_SECRET_KEY"] = crypto.generate_key()
    try:
        connect(_SANDBOX)
        return get_tap_test_class(
            tap_class=TapPipedrive,
            config={"tenant": "acme"},
            parse_env_config=False,
            suite_config=SuiteConfig(max_records_limit=40),
        )
    finally:
        db.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_StandardTests = _build_test_class()


class TestTapPipedrive(_StandardTests):  # type: ignore[misc, valid-type]
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _connected(cls, database_url: str) -> Iterator[None]:
        db.pool()  # migrations on the session database
        connect(_SANDBOX)
        yield
        _SANDBOX.close()
