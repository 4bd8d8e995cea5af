"""`ledgerlink status` and `refresh` as the keep-alive job and the alerting hook run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests import leakcheck
from tests.core.conftest import QboSandbox
from tests.core.oauth_targets import expire_access_token

pytestmark = pytest.mark.store
CLI = [sys.executable, "-m", "ledgerlink.cli"]


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    done = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env or os.environ.copy(), cwd=cwd
    )
    leakcheck.record_output(done.stdout + done.stderr)
    return done


def _revoke(qbo: QboSandbox, token: str | None) -> None:
    """The user disconnects the app in QuickBooks."""
    assert token
    answer = qbo.http.post(
        "/v2/oauth2/tokens/revoke",
        json={"token": token},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert answer.status_code == 200


def _set(url: str, tenant: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"UPDATE connections SET {sql} WHERE tenant = %s", (tenant,))  # noqa: S608


def test_refresh_serves_every_tenant_and_fails_at_the_end(qbo: QboSandbox, clean_db: str) -> None:
    store = TokenStore()
    qbo.connect(store, "acme")
    dead = qbo.connect(store, "globex")
    _revoke(qbo, dead.refresh_token)
    # "globex" sorts after "acme"; a third tenant after the dead one must still be served.
    qbo.connect(store, "initech")
    for tenant in ("acme", "globex", "initech"):
        expire_access_token(clean_db, tenant)
    before = qbo.token_requests()
    done = run("refresh")
    assert done.returncode == 1
    assert "acme/quickbooks: refreshed" in done.stdout
    assert "initech/quickbooks: refreshed" in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("globex/quickbooks"))
    assert "failed" in line and "revoked by the user" in line
    assert "ledgerlink connect quickbooks --tenant globex" in line
    assert qbo.token_requests() - before == 3
    states = {c.tenant: c.status for c in store.connections()}
    assert states == {"acme": "active", "globex": "needs_reauth", "initech": "active"}
    # A second run: the healthy ones are still valid, the dead one fails without a token call.
    again = run("refresh")
    assert again.returncode == 1
    assert "acme/quickbooks: still valid" in again.stdout
    assert qbo.token_requests() - before == 3


@pytest.mark.parametrize("column", ["refresh_expires_at", "refresh_hard_expires_at"])
def test_status_warns_before_a_forced_reconnect(
    qbo: QboSandbox, clean_db: str, column: str
) -> None:
    store = TokenStore()
    qbo.connect(store, "acme")
    qbo.connect(store, "globex")
    far = "now() + interval '1000 days'"
    _set(clean_db, "acme", f"refresh_expires_at = {far}, refresh_hard_expires_at = {far}")
    _set(clean_db, "globex", f"refresh_expires_at = {far}, refresh_hard_expires_at = {far}")

    _set(clean_db, "globex", f"{column} = now() + interval '29 days 1 hour'")
    soon = run("status", "--warn-days", "30")
    assert soon.returncode == 3, soon.stderr
    kind = "hard expiry" if column == "refresh_hard_expires_at" else "rolling refresh window"
    assert "globex/quickbooks: needs a reconnect by" in soon.stderr
    assert f"({kind}, 29 days left)" in soon.stderr
    assert "ledgerlink connect quickbooks --tenant globex" in soon.stderr
    assert "acme" not in soon.stderr

    _set(clean_db, "globex", f"{column} = now() + interval '31 days 1 hour'")
    fine = run("status", "--warn-days", "30")
    assert fine.returncode == 0, fine.stderr
    assert fine.stderr == ""


def test_status_of_a_dead_connection_shows_cause_and_command_but_no_days_left(
    qbo: QboSandbox, clean_db: str
) -> None:
    store = TokenStore()
    dead = qbo.connect(store, "globex")
    _revoke(qbo, dead.refresh_token)
    expire_access_token(clean_db, "globex")
    assert run("refresh").returncode == 1
    done = run("status")
    assert done.returncode == 1
    row = next(x for x in done.stdout.splitlines() if x.startswith("globex"))
    assert "needs_reauth" in row
    assert row.split()[-3] == "-"  # DAYS LEFT, before LAST REFRESH's date and time
    assert "revoked by the user" in done.stderr
    assert "Reconnect with: ledgerlink connect quickbooks --tenant globex" in done.stderr
    as_json = run("status", "--json")
    assert '"days_left": null' in as_json.stdout
    assert '"reauth_cause": "revoked"' in as_json.stdout


def test_a_tenant_matching_nothing_is_an_error(qbo: QboSandbox) -> None:
    qbo.connect(TokenStore(), "acme")
    for command in ("status", "refresh"):
        done = run(command, "--tenant", "nobody")
        assert done.returncode == 1
        assert done.stderr.strip() == (
            "error: No connection for tenant 'nobody': see `ledgerlink status`"
        )


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["refresh"],
        ["connect", "quickbooks", "--no-browser", "--client-id", "x", "--client-secret", "y"],
        ["connect", "pipedrive", "--api-token", "0" * 40],
        ["disconnect", "quickbooks"],
    ],
)
def test_a_malformed_tenant_is_refused_before_anything_happens(
    qbo: QboSandbox, args: list[str]
) -> None:
    before = qbo.token_requests()
    done = run(*args, "--tenant", "Acme Corp")
    assert done.returncode == 2
    assert "'Acme Corp' is not a tenant name" in done.stderr
    assert "Traceback" not in done.stderr
    assert "http" not in done.stdout  # no authorization URL was printed
    assert qbo.token_requests() == before


def test_a_database_failure_is_one_line(tmp_path: Path) -> None:
    env = os.environ | {"LEDGERLINK_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    for args in (["status"], ["refresh"], ["db", "upgrade"], ["disconnect", "quickbooks"]):
        extra = ["--tenant", "acme"] if args[0] == "disconnect" else []
        done = run(*args, *extra, env=env)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith("error: the ledgerlink store failed (OperationalError")


def _outside_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LEDGERLINK_", "MELTANO_PROJECT_ROOT"))
    }
    return env | {"HOME": str(tmp_path)}


def test_outside_the_project_no_second_store_is_created(tmp_path: Path) -> None:
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    for args in (["status"], ["db", "url"], ["refresh"]):
        done = run(*args, env=_outside_env(tmp_path), cwd=elsewhere)
        assert done.returncode == 1
        assert done.stderr.strip().startswith("error: No ledgerlink project at or above")
        assert len(done.stderr.strip().splitlines()) == 1
    assert not (elsewhere / ".ledgerlink").exists()
    assert list(elsewhere.iterdir()) == []


STAY_CONNECTED = """
import sys, time
from ledgerlink.db import embedded
embedded.ensure_started()
print("up", flush=True)
time.sleep(120)
"""


def test_db_stop_says_stopped_only_when_the_server_is_gone(tmp_path: Path) -> None:
    env = _outside_env(tmp_path) | {"LEDGERLINK_PROJECT_DIR": str(tmp_path)}
    # Another process of the project (a tap, Dagster) has used the server and is still alive.
    user = subprocess.Popen(
        [sys.executable, "-c", STAY_CONNECTED], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert user.stdout is not None
        assert user.stdout.readline().strip() == "up"
        url = run("db", "url", env=env).stdout.strip()
        with psycopg.connect(url) as conn:
            conn.execute("SELECT 1")
        stopped = run("db", "stop", env=env)
        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stdout.strip() == "stopped"
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=3).close()
        again = run("db", "stop", env=env)
        assert again.stdout.strip() == "the embedded PostgreSQL was not running"
    finally:
        user.kill()
        user.wait(timeout=30)
        run("db", "stop", env=env)
