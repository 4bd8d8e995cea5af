"""Shared fixtures: a fresh PostgreSQL database per test session and a secret key.

By default the database lives on the embedded server (started by ledgerlink's own code under
`.ledgerlink/test-project/`); `LEDGERLINK_TEST_DATABASE_URL` points the suite at a server instead.
Either way each session gets its own database, dropped at the end.

`LEDGERLINK_TEST_STORE_SERVER_URL` (set by `tasks.py test` when PostgreSQL 15 is on the machine)
sends the store and token modules (marked `store`) to that server over TCP, each module with a
database of its own, while the rest of the suite stays on the embedded server: both kinds of
server are exercised in one pass.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import settings
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ledgerlink import crypto, db, redact
from ledgerlink.db import embedded
from tests.scheduling import ModuleScheduling

ROOT = Path(__file__).resolve().parents[1]
pytest_plugins = ["tests.leakcheck"]

# Local runs explore new examples every time; CI replays a fixed set so a red build always means
# a regression (an example found locally is kept in .hypothesis/ and replayed first).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow", action="store_true", help="also run the large-data tests (marked slow)"
    )


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> ModuleScheduling | None:
    """Modules as units, the root-project ones as one (tests/scheduling.py)."""
    return ModuleScheduling(config, log) if config.getvalue("dist") == "loadscope" else None


def _order(item: pytest.Item) -> int:
    """The root-project unit first (the main job is the longest test), then the modules that
    install a project copy (`world`), then the rest."""
    if item.get_closest_marker("root_project"):
        return 0
    return 1 if "world" in getattr(item, "fixturenames", ()) else 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_order)  # stable: file order otherwise
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="large data: run with `python3 tasks.py test --slow`")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def _server_url() -> str:
    explicit = os.environ.get("LEDGERLINK_TEST_DATABASE_URL")
    if explicit:
        return explicit
    os.environ["LEDGERLINK_PROJECT_DIR"] = str(ROOT / ".ledgerlink" / "test-project")
    os.environ.pop("LEDGERLINK_DATABASE_URL", None)
    return embedded.ensure_started()


@contextlib.contextmanager
def _database_on(server: str) -> Iterator[str]:
    """A database of its own on ``server``, used by this process and the ones it starts."""
    name = f"ll_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(server, dbname=name)
    before = os.environ.get("LEDGERLINK_DATABASE_URL")
    os.environ["LEDGERLINK_DATABASE_URL"] = url
    try:
        yield url
    finally:
        db.close()
        if before is not None:
            os.environ["LEDGERLINK_DATABASE_URL"] = before
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def database_url() -> Iterator[str]:
    """Every test and every subprocess it starts uses this database and key."""
    redact.install()
    os.environ["LEDGERLINK_SECRET_KEY"] = crypto.generate_key()
    with _database_on(_server_url()) as url:
        yield url


@pytest.fixture(scope="module", autouse=True)
def store_server(request: pytest.FixtureRequest, database_url: str) -> Iterator[None]:
    """A `store` module on the PostgreSQL server, when the suite was given one."""
    server = os.environ.get("LEDGERLINK_TEST_STORE_SERVER_URL")
    if not server or request.node.get_closest_marker("store") is None:
        yield
        return
    with _database_on(server):
        yield


@pytest.fixture
def clean_db(store_server: None) -> Iterator[str]:
    """The test's database (the session's, or its `store` module's) with every ledgerlink table
    emptied before the test."""
    database_url = os.environ["LEDGERLINK_DATABASE_URL"]
    db.pool()  # applies migrations on first use
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'ledgerlink_migrations'"
            )
        ]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
    yield database_url


def database_name(url: str) -> str:
    return conninfo_to_dict(url)["dbname"]  # type: ignore[return-value]
