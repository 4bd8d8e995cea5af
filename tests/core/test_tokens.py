"""The TokenStore against the QuickBooks sandbox: rotation-safe, single-flight, no retry storms."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from ledgerlink import db
from ledgerlink.tokens import ReauthRequired, TokenStore
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests import leakcheck
from tests.core.conftest import QboSandbox

pytestmark = pytest.mark.store
TENANT = "acme"


def expire_access_token(url: str, tenant: str = TENANT) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE connections SET access_expires_at = now() - interval '1 minute'"
            " WHERE tenant = %s",
            (tenant,),
        )


def stored_refresh_token(store: TokenStore, tenant: str = TENANT) -> str:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT secrets FROM connections WHERE tenant = %s", (tenant,)
        ).fetchone()
    assert row is not None
    sealed = row["secrets"]["refresh_token"]
    return store.keyring.open(sealed, tenant=tenant, provider="quickbooks", field="refresh_token")


def test_a_valid_token_is_served_without_calling_the_provider(qbo: QboSandbox) -> None:
    store = TokenStore()
    grant = qbo.connect(store, TENANT)
    before = qbo.token_requests()
    assert store.access_token(TENANT, "quickbooks") == grant.access_token
    assert store.access_token(TENANT, "quickbooks") == grant.access_token
    assert qbo.token_requests() == before


def test_expired_token_is_refreshed_and_the_rotated_refresh_token_is_stored(
    qbo: QboSandbox, clean_db: str
) -> None:
    qbo.settings(refresh_token_rotation="every_refresh")
    store = TokenStore()
    grant = qbo.connect(store, TENANT)
    expire_access_token(clean_db)
    fresh = store.access_token(TENANT, "quickbooks")
    assert fresh != grant.access_token
    assert stored_refresh_token(store) != grant.refresh_token
    conn = store.connections(TENANT)[0]
    assert conn.version == 2
    assert conn.refresh_hard_expires_at is not None  # the opt-in header was sent
    assert conn.access_expires_at is not None
    assert conn.access_expires_at > datetime.now(UTC) + timedelta(minutes=55)


def test_a_token_nearly_expired_counts_as_expired(qbo: QboSandbox, clean_db: str) -> None:
    store = TokenStore(margin=timedelta(minutes=5))
    grant = qbo.connect(store, TENANT)
    with psycopg.connect(clean_db, autocommit=True) as conn:
        conn.execute("UPDATE connections SET access_expires_at = now() + interval '4 minutes'")
    assert store.access_token(TENANT, "quickbooks") != grant.access_token


def _racer(url: str, key: str, barrier: Any, results: Any, rounds: int) -> None:
    os.environ["LEDGERLINK_DATABASE_URL"] = url
    os.environ["LEDGERLINK_SECRET_KEY"] = key
    store = TokenStore()
    for _ in range(rounds):
        barrier.wait()
        try:
            results.put(store.access_token(TENANT, "quickbooks"))
        except Exception as exc:
            results.put(f"error: {exc}")


def test_two_processes_refreshing_at_once_make_exactly_one_refresh_50_times(
    qbo: QboSandbox, clean_db: str
) -> None:
    """The failure this product exists to end: a refresh token used twice."""
    qbo.settings(
        refresh_token_rotation="every_refresh",
        old_refresh_token_after_rotation="immediate",
        revoke_winner_on_reuse=True,
        token_endpoint_delay_seconds=0.05,
    )
    store = TokenStore()
    qbo.connect(store, TENANT)
    rounds = 50
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(3), ctx.Queue()
    key = os.environ["LEDGERLINK_SECRET_KEY"]
    workers = [
        ctx.Process(target=_racer, args=(clean_db, key, barrier, results, rounds)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    try:
        for round_ in range(rounds):
            expire_access_token(clean_db)
            before = qbo.token_requests()
            barrier.wait(timeout=60)
            tokens = {results.get(timeout=60), results.get(timeout=60)}
            assert len(tokens) == 1, f"round {round_}: {tokens}"
            assert not next(iter(tokens)).startswith("error"), tokens
            assert qbo.token_requests() - before == 1, f"round {round_}"
        latest = stored_refresh_token(store)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    # The stored refresh token is the one the provider issued last, and it still works.
    expire_access_token(clean_db)
    store.access_token(TENANT, "quickbooks")
    assert stored_refresh_token(store) != latest
    assert store.connections(TENANT)[0].version == rounds + 2


LOCK_HOLDER = """
import os, sys
from ledgerlink.tokens import TokenStore
TokenStore().access_token("acme", "quickbooks")
"""


def test_a_process_killed_while_holding_the_refresh_lock_does_not_block_the_next(
    qbo: QboSandbox, clean_db: str
) -> None:
    # The holder's request is still on its way when it dies, so QuickBooks never acts on it.
    qbo.settings(refresh_token_rotation="every_refresh", token_endpoint_latency_seconds=30)
    # The next holder waits out the provider's processing window after the dead one's attempt.
    store = TokenStore(processing_window=timedelta(seconds=1))
    qbo.connect(store, TENANT)
    expire_access_token(clean_db)
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while _advisory_locks(clean_db) == 0:
            assert time.monotonic() < deadline, "the holder never took the lock"
            time.sleep(0.05)
    finally:
        holder.send_signal(signal.SIGKILL)
        output, _ = holder.communicate(timeout=30)
        leakcheck.record_output(output.decode())
    qbo.settings(token_endpoint_latency_seconds=0)
    started = time.monotonic()
    assert store.access_token(TENANT, "quickbooks")
    assert time.monotonic() - started < 10
    assert store.connections(TENANT)[0].status == "active"


def _advisory_locks(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        ).fetchone()
    return int(row[0]) if row else 0


def test_invalid_grant_needs_reauth_with_one_request_and_an_actionable_message(
    qbo: QboSandbox, clean_db: str
) -> None:
    store = TokenStore()
    grant = qbo.connect(store, TENANT)
    # The stored refresh token was used elsewhere (a copy in some other tool) and rotated away.
    _kill_refresh_token(qbo, grant.refresh_token)
    expire_access_token(clean_db)
    before = qbo.token_requests()
    with pytest.raises(ReauthRequired) as first:
        store.access_token(TENANT, "quickbooks")
    message = str(first.value)
    assert "\n" not in message
    assert "acme" in message and "quickbooks" in message
    assert "ledgerlink connect quickbooks --tenant acme" in message
    assert "used outside ledgerlink" in message
    assert store.connections(TENANT)[0].reauth_cause == "revoked"
    assert qbo.token_requests() - before == 1
    # Every later caller fails fast, without another request: no retry storm.
    for _ in range(5):
        with pytest.raises(ReauthRequired):
            store.access_token(TENANT, "quickbooks")
    assert qbo.token_requests() - before == 1
    status = subprocess.run(
        [sys.executable, "-m", "ledgerlink.cli", "status"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    leakcheck.record_output(status.stdout + status.stderr)
    assert status.returncode == 1
    assert "needs_reauth" in status.stdout
    assert "ledgerlink connect quickbooks --tenant acme" in status.stderr


def _kill_refresh_token(qbo: QboSandbox, refresh_token: str | None) -> None:
    assert refresh_token
    qbo.settings(refresh_token_rotation="every_refresh")
    used = qbo.http.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert used.status_code == 200


def test_a_rejected_access_token_forces_one_refresh_unless_already_replaced(
    qbo: QboSandbox,
) -> None:
    store = TokenStore()
    grant = qbo.connect(store, TENANT)
    before = qbo.token_requests()
    replaced = store.access_token(TENANT, "quickbooks", rejected=grant.access_token)
    assert replaced != grant.access_token
    assert qbo.token_requests() - before == 1
    # A second caller that saw the same 401 gets the replacement without another refresh.
    assert store.access_token(TENANT, "quickbooks", rejected=grant.access_token) == replaced
    assert qbo.token_requests() - before == 1


@pytest.mark.parametrize(
    ("column", "cause", "text"),
    [
        ("refresh_hard_expires_at", "hard_expiry", "hard expiry on "),
        ("refresh_expires_at", "expired_unused", "refresh token expired unused on "),
    ],
)
def test_a_refresh_token_past_its_expiry_needs_reauth_without_a_request(
    qbo: QboSandbox, clean_db: str, column: str, cause: str, text: str
) -> None:
    store = TokenStore()
    qbo.connect(store, TENANT)
    with psycopg.connect(clean_db, autocommit=True) as conn:
        conn.execute(
            "UPDATE connections SET access_expires_at = now() - interval '1 minute',"  # noqa: S608
            f" {column} = now() - interval '1 day'"
        )
    before = qbo.token_requests()
    with pytest.raises(ReauthRequired, match=text) as raised:
        store.access_token(TENANT, "quickbooks")
    assert "Reconnect with: ledgerlink connect quickbooks --tenant acme" in str(raised.value)
    assert qbo.token_requests() == before
    connection = store.connections(TENANT)[0]
    assert connection.needs_reauth and connection.days_left is None
    assert (connection.reauth_cause, connection.reconnect_command) == (
        cause,
        "ledgerlink connect quickbooks --tenant acme",
    )
    assert connection.status_detail is not None and connection.status_detail.startswith(text)


def test_the_connections_table_holds_no_plaintext_secret(qbo: QboSandbox, clean_db: str) -> None:
    qbo.settings(refresh_token_rotation="every_refresh")
    store = TokenStore()
    qbo.connect(store, TENANT)
    for _ in range(3):
        expire_access_token(clean_db)
        store.access_token(TENANT, "quickbooks")
    raw = bytearray()
    with (
        psycopg.connect(clean_db) as conn,
        conn.cursor() as cur,
        cur.copy("COPY connections TO STDOUT (FORMAT binary)") as copy,
    ):
        for block in copy:
            raw += block
    secrets = qbo.issued()
    assert secrets
    for secret in secrets:
        assert secret.encode() not in raw


def test_a_sealed_secret_copied_to_another_row_does_not_open(
    qbo: QboSandbox, clean_db: str
) -> None:
    store = TokenStore()
    qbo.connect(store, TENANT)
    qbo.connect(store, "globex")
    with psycopg.connect(clean_db, autocommit=True) as conn:
        conn.execute(
            "UPDATE connections SET secrets = (SELECT secrets FROM connections"
            " WHERE tenant = 'acme'), access_expires_at = now() + interval '1 hour'"
            " WHERE tenant = 'globex'"
        )
    with pytest.raises(Exception, match="does not open"):
        store.access_token("globex", "quickbooks")


def test_key_rotation_reseals_every_secret(
    qbo: QboSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledgerlink import crypto

    store = TokenStore()
    grant = qbo.connect(store, TENANT)
    old = os.environ["LEDGERLINK_SECRET_KEY"]
    new = crypto.generate_key()
    monkeypatch.setenv("LEDGERLINK_SECRET_KEY", new)
    monkeypatch.setenv("LEDGERLINK_PREVIOUS_SECRET_KEYS", old)
    rotated = subprocess.run(
        [sys.executable, "-m", "ledgerlink.cli", "keys", "rotate"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    leakcheck.record_output(rotated.stdout + rotated.stderr)
    assert rotated.returncode == 0, rotated.stderr
    assert "re-sealed 3 values" in rotated.stdout
    monkeypatch.delenv("LEDGERLINK_PREVIOUS_SECRET_KEYS")
    assert TokenStore().access_token(TENANT, "quickbooks") == grant.access_token
