"""Fifty plugin processes of one tenant asking for a QuickBooks token at the same moment.

This is production on a busy tenant: many `meltano run`s and plugin processes start together on
a stock PostgreSQL (max_connections 100) with the access token just expired. QuickBooks rotates
the refresh token on every refresh and revokes the connection when a refresh token is presented
twice, so exactly one of them may call the token endpoint each time, and every other one must
get the token that call stored and hold no more than one database connection while it waits.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import tuple_row

from ledgerlink import db
from ledgerlink.db import sessions
from ledgerlink.db.sessions import ServerFull, is_full
from ledgerlink.tokens import TokenStore
from tests.core import crowd
from tests.core.conftest import QboSandbox
from tests.core.oauth_targets import expire_access_token

pytestmark = pytest.mark.store
PROCESSES = 50
LAUNCHERS = 5
ROUNDS = 7


def test_fifty_processes_at_once_make_one_refresh_per_round(qbo: QboSandbox, clean_db: str) -> None:
    qbo.settings(
        refresh_token_rotation="every_refresh",
        old_refresh_token_after_rotation="immediate",
        revoke_winner_on_reuse=True,
        token_endpoint_delay_seconds=0.05,
        rate_limit_per_second_realm_app=10_000,  # 50 API calls in the same second are the point
        rate_limit_per_minute_realm=100_000,
    )
    qbo.connect(TokenStore(), crowd.TENANT)  # the sandbox clock is at wall time after reset
    overlapping = _overlapping_requests(qbo)  # the sandbox counts since it started
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([crowd.__name__])
    shared = crowd.Round(
        env={k: os.environ[k] for k in ("LEDGERLINK_DATABASE_URL", "LEDGERLINK_SECRET_KEY")},
        sandbox_url=qbo.url,
        realm=qbo.realm,
        barrier=ctx.Barrier(PROCESSES + 1),
        answers=ctx.Queue(),
        rounds=ROUNDS,
    )
    watcher = psycopg.connect(clean_db, autocommit=True)
    started = time.monotonic()
    launchers = [
        ctx.Process(target=crowd.launch, args=(PROCESSES // LAUNCHERS, shared))
        for _ in range(LAUNCHERS)
    ]
    for launcher in launchers:
        launcher.start()
    try:
        for round_ in range(ROUNDS):
            # Past the access token's expiry, for the store and the API alike.
            qbo.http.post("/_sandbox/clock", json={"advance": 3700}).raise_for_status()
            before = qbo.token_requests()
            shared.barrier.wait(timeout=crowd.BARRIER_TIMEOUT)
            if round_ == 0:
                print(f"{PROCESSES} processes ready after {time.monotonic() - started:.1f} s")
            got, most = _collect(shared, watcher)
            calls = qbo.token_requests() - before
            slowest = max(a.seconds for a in got)
            print(
                f"round {round_}: {calls} token call(s), slowest caller {slowest:.2f} s,"
                f" at most {most} connection(s) per caller"
            )
            assert most == 1, f"round {round_}: a caller held {most} connections at once"
            assert [a.error for a in got if a.error] == [], f"round {round_}"
            assert len({a.pid for a in got}) == PROCESSES, f"round {round_}"
            assert calls == 1, f"round {round_}"
            assert len({a.token for a in got}) == 1, f"round {round_}"
            assert {a.api_status for a in got} == {200}, f"round {round_}"
    finally:
        watcher.close()
        shared.barrier.abort()  # callers still waiting for a round give up at once
        deadline = time.monotonic() + 10
        for launcher in launchers:
            launcher.join(timeout=max(0.1, deadline - time.monotonic()))
            if launcher.is_alive():
                launcher.kill()
    print(f"{PROCESSES} processes x {ROUNDS} rounds: {time.monotonic() - started:.1f} s")
    assert TokenStore().connections(crowd.TENANT)[0].status == "active"
    # Never a refresh token presented while a request carrying it was still being handled.
    assert _overlapping_requests(qbo) == overlapping


def _collect(
    shared: crowd.Round, watcher: psycopg.Connection[tuple[object, ...]]
) -> tuple[list[crowd.Answer], int]:
    """Every caller's answer of a round, and the most connections one caller held meanwhile
    (sampled from pg_stat_activity while the answers come in)."""
    got: list[crowd.Answer] = []
    most = 0
    deadline = time.monotonic() + crowd.BARRIER_TIMEOUT
    while len(got) < PROCESSES:
        row = watcher.execute(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM pg_stat_activity"
            " WHERE application_name LIKE 'caller-%' GROUP BY application_name) AS per_caller"
        ).fetchone()
        most = max(most, int(str(row[0])) if row else 0)
        try:
            got.append(shared.answers.get(timeout=0.02))
        except queue.Empty:
            assert time.monotonic() < deadline, f"{len(got)} of {PROCESSES} callers answered"
    return got, most


def _overlapping_requests(qbo: QboSandbox) -> int:
    return int(qbo.http.get("/_sandbox/oauth/issued").json()["overlapping_requests"])


SLOTS = 4  # the connection limit of the role the full-server tests connect as


@pytest.fixture
def full_server(
    clean_db: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[psycopg.Connection[tuple[object, ...]]]]:
    """The store reached as a role whose every connection slot is taken (as by other
    processes); the test may close some of them. A role's connection limit refuses a connection
    as a full server does (SQLSTATE 53300) without starving the other tests that share the
    server (superusers are exempt from it, so the role is an ordinary one)."""
    role = f"ll_full_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(clean_db, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT {}").format(
                sql.Identifier(role), sql.Literal(SLOTS)
            )
        )
        for grant in (
            "GRANT ALL ON ALL TABLES IN SCHEMA public TO {}",
            "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {}",
        ):
            admin.execute(sql.SQL(grant).format(sql.Identifier(role)))
    limited = make_conninfo(clean_db, user=role)
    monkeypatch.setenv("LEDGERLINK_DATABASE_URL", limited)
    held: list[psycopg.Connection[tuple[object, ...]]] = []
    try:
        while len(held) < SLOTS + 1:
            try:
                held.append(psycopg.connect(limited, autocommit=True))
            except psycopg.OperationalError as error:
                assert is_full(error), error
                break
        assert len(held) == SLOTS
        yield held
    finally:
        for conn in held:
            conn.close()
        with psycopg.connect(clean_db, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_full_server_is_named_in_one_line_after_the_wait_never_a_hang(
    qbo: QboSandbox,
    clean_db: str,
    full_server: list[psycopg.Connection[tuple[object, ...]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGERLINK_DB_CONNECT_WAIT_SECONDS", "2")
    started = time.monotonic()
    with pytest.raises(ServerFull) as full:
        TokenStore().access_token(crowd.TENANT, "quickbooks")
    assert time.monotonic() - started < 10
    message = str(full.value)
    assert "\n" not in message
    assert "too many connections for role" in message and "max_connections" in message


def test_a_caller_waits_for_a_free_slot_on_a_full_server(
    qbo: QboSandbox,
    clean_db: str,
    full_server: list[psycopg.Connection[tuple[object, ...]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full_server.pop().close()  # room to connect the tenant and expire its token
    store = TokenStore()
    grant = qbo.connect(store, crowd.TENANT)
    expire_access_token(clean_db, crowd.TENANT)
    db.close()  # the connect was another process's: its pooled connection is gone
    # Taken again (the store's session may take a moment to leave the server).
    again = sessions.connect(os.environ["LEDGERLINK_DATABASE_URL"], wait=10, row_factory=tuple_row)
    full_server.append(again)
    before = qbo.token_requests()
    monkeypatch.setenv("LEDGERLINK_DB_CONNECT_WAIT_SECONDS", "30")
    # Another process finishes a second later and its slot is free.
    threading.Timer(1.0, full_server.pop().close).start()
    fresh = store.access_token(crowd.TENANT, "quickbooks")
    assert fresh != grant.access_token
    assert qbo.token_requests() - before == 1
    reply = qbo.http.get(
        f"/v3/company/{qbo.realm}/companyinfo/{qbo.realm}",
        headers={"Authorization": f"Bearer {fresh}", "Accept": "application/json"},
    )
    assert reply.status_code == 200
