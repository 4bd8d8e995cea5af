"""The refresh fault matrix: a refresh whose outcome is unknown never costs a connection the
provider would still accept.

Each case runs for QuickBooks with the old refresh token dying at once (`immediate`) or 24 h after
rotation (`grace_24h`), both rotating on every refresh and revoking on reuse, and for Pipedrive
OAuth (no rotation). The processing window and the sandbox's latencies are scaled down to about
a second. Every case also checks, with the sandbox's own count, that no refresh token was ever
presented while a request carrying it was still being handled.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import psycopg
import pytest

from ledgerlink import db
from ledgerlink.tokens import ReauthRequired, TokenStore, grants
from tests.core.conftest import QboSandbox
from tests.core.oauth_targets import (
    WINDOW,
    OAuthTarget,
    digest,
    expire_access_token,
    kill,
    make_target,
    open_attempts,
    start_request,
    wait_for,
)

pytestmark = pytest.mark.store
TENANT = "acme"
TARGETS = ["qbo-immediate", "qbo-grace_24h", "pipedrive"]


@pytest.fixture(params=TARGETS)
def target(request: pytest.FixtureRequest, qbo: QboSandbox) -> OAuthTarget:
    return make_target(qbo, request.param)


def _store(window: float = WINDOW, token_timeout: float | None = None) -> TokenStore:
    return TokenStore(processing_window=timedelta(seconds=window), token_timeout=token_timeout)


def _status(store: TokenStore, target: OAuthTarget) -> tuple[str, str | None, str | None]:
    conn = next(c for c in store.connections(TENANT) if c.provider == target.provider)
    return conn.status, conn.reauth_cause, conn.reconnect_command


def _outcomes(url: str) -> list[str | None]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT outcome FROM token_refresh_attempts ORDER BY id").fetchall()
    return [r[0] for r in rows]


def _lost_forever(target: OAuthTarget) -> bool:
    """The provider acted and no refresh token we hold is accepted any more."""
    return target.label == "qbo-immediate"


def _assert_lost(store: TokenStore, target: OAuthTarget, message: str) -> None:
    assert "refresh response lost at" in message
    assert f"ledgerlink connect {target.provider} --tenant {TENANT}" in message
    assert "\n" not in message
    assert _status(store, target) == (
        "needs_reauth",
        "response_lost",
        f"ledgerlink connect {target.provider} --tenant {TENANT}",
    )


def _kill_holder_after_the_provider_acted(target: OAuthTarget) -> None:
    """A process takes the lock and refreshes; it dies after the provider acted, before commit."""
    # The answer travels 0.6 s, less than the processing window: the waiters never present the
    # refresh token while the provider still handles the holder's request.
    target.settings(token_endpoint_response_delay_seconds=0.6)
    issued = target.access_tokens_issued()
    holder = start_request(TENANT, target.provider)
    try:
        wait_for(lambda: target.access_tokens_issued() > issued, "the provider to act")
    finally:
        kill(holder)
    target.settings(token_endpoint_response_delay_seconds=0)


def test_holder_killed_before_the_provider_acts(target: OAuthTarget, clean_db: str) -> None:
    store = _store()
    target.connect(store, TENANT)
    expire_access_token(clean_db, TENANT)
    target.settings(token_endpoint_latency_seconds=0.8)  # below the processing window
    holder = start_request(TENANT, target.provider)
    try:
        wait_for(lambda: open_attempts(clean_db) == 1, "the holder's attempt")
        time.sleep(0.2)  # its request is on the wire
    finally:
        kill(holder)
    target.settings(token_endpoint_latency_seconds=0)
    started = time.monotonic()
    token = store.access_token(TENANT, target.provider)
    assert target.works(token)
    assert _status(store, target)[0] == "active"
    assert time.monotonic() - started < WINDOW + 5
    assert target.overlapping_requests() == 0
    print(f"FAULT {target.label} killed-before-provider-acts: active, token works")


def test_holder_killed_after_the_provider_acted(target: OAuthTarget, clean_db: str) -> None:
    store = _store()
    target.connect(store, TENANT)
    expire_access_token(clean_db, TENANT)
    _kill_holder_after_the_provider_acted(target)
    before = target.token_requests()
    if _lost_forever(target):
        with pytest.raises(ReauthRequired) as lost:
            store.access_token(TENANT, target.provider)
        _assert_lost(store, target, str(lost.value))
        outcome = "needs_reauth (refresh response lost at T)"
    else:
        assert target.works(store.access_token(TENANT, target.provider))
        assert _status(store, target)[0] == "active"
        outcome = "active, token works"
    assert target.token_requests() - before == 1
    assert target.overlapping_requests() == 0
    print(f"FAULT {target.label} killed-after-provider-acted: {outcome}")


def test_a_token_endpoint_slower_than_the_old_timeout_is_waited_for(
    target: OAuthTarget, clean_db: str
) -> None:
    # Scaled: the old 30 s timeout is 1 s here, the endpoint takes 1.5 s, the new timeout is 4 s.
    store = _store(token_timeout=4.0)
    grant = target.connect(store, TENANT)
    expire_access_token(clean_db, TENANT)
    target.settings(token_endpoint_delay_seconds=1.5)
    before = target.token_requests()
    token = store.access_token(TENANT, target.provider)
    assert token != grant.access_token and target.works(token)
    assert target.token_requests() - before == 1
    assert _status(store, target)[0] == "active"
    assert _outcomes(clean_db) == ["refreshed"]
    print(f"FAULT {target.label} endpoint-slower-than-old-timeout: active, one call")


def test_the_real_token_timeout_is_far_above_the_api_timeouts() -> None:
    # The old 30 s gave up on slow token endpoints; the taps' API timeout is at most 130 s.
    assert grants.TOKEN_READ_TIMEOUT_SECONDS > 130
    assert TokenStore().processing_window.total_seconds() > grants.TOKEN_READ_TIMEOUT_SECONDS


def test_a_timed_out_token_call_is_an_unknown_outcome_not_a_refusal(
    target: OAuthTarget, clean_db: str
) -> None:
    """What happened before: the client gave up, the provider rotated anyway."""
    store = _store(token_timeout=0.5, window=2.5)
    target.connect(store, TENANT)
    expire_access_token(clean_db, TENANT)
    target.settings(token_endpoint_delay_seconds=1.0)
    before = target.token_requests()
    result: dict[str, object] = {}

    def refresh() -> None:
        try:
            result["token"] = store.access_token(TENANT, target.provider)
        except ReauthRequired as exc:
            result["error"] = str(exc)

    worker = threading.Thread(target=refresh)
    worker.start()
    wait_for(lambda: target.token_requests() > before, "the first token call")
    target.settings(token_endpoint_delay_seconds=0)  # the endpoint recovers
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert target.token_requests() - before == 2  # the second only after the window
    if _lost_forever(target):
        _assert_lost(store, target, str(result["error"]))
        outcome = "needs_reauth (refresh response lost at T)"
    else:
        assert target.works(str(result["token"]))
        assert _status(store, target)[0] == "active"
        outcome = "active, token works"
    assert _outcomes(clean_db)[0] == "unknown"
    assert target.overlapping_requests() == 0
    print(f"FAULT {target.label} token-call-timed-out: {outcome}")


def test_a_5xx_from_the_token_endpoint_is_not_a_refusal(target: OAuthTarget, clean_db: str) -> None:
    store = _store()
    target.connect(store, TENANT)
    expire_access_token(clean_db, TENANT)
    target.fault(kind="status", status=503, method="POST", count=1)
    before = target.token_requests()
    token = store.access_token(TENANT, target.provider)
    assert target.works(token)
    assert _status(store, target)[0] == "active"
    assert target.token_requests() - before == 2
    assert _outcomes(clean_db) == ["unknown", "refreshed"]
    assert target.overlapping_requests() == 0
    print(f"FAULT {target.label} endpoint-5xx: active, token works after the window")


def test_ten_waiters_behind_a_killed_holder(target: OAuthTarget, clean_db: str) -> None:
    store = _store()
    target.connect(store, TENANT)
    expire_access_token(clean_db, TENANT)
    _kill_holder_after_the_provider_acted(target)
    before = target.token_requests()
    answers = _ten_waiters(target)
    assert target.token_requests() - before == 1  # one waiter called, the others reused it
    assert target.overlapping_requests() == 0
    if _lost_forever(target):
        assert all(a.startswith("ERROR") for a in answers), answers
        for answer in answers:
            assert "refresh response lost at" in answer
            assert f"ledgerlink connect {target.provider} --tenant {TENANT}" in answer
        assert _status(store, target)[:2] == ("needs_reauth", "response_lost")
        outcome = "all 10 needs_reauth (refresh response lost at T), 1 provider call"
    else:
        assert all(a.startswith("OK ") for a in answers), answers
        digests = {a.split()[1] for a in answers}
        assert len(digests) == 1
        assert target.token_digest_works(digests.pop())
        assert _status(store, target)[0] == "active"
        outcome = "all 10 got the same working token, 1 provider call, active"
    print(f"FAULT {target.label} ten-waiters-behind-killed-holder: {outcome}")


def _ten_waiters(target: OAuthTarget) -> list[str]:
    """Ten callers at once, each with its own TokenStore (own lock connection), as threads:
    processes would only add interpreter start-up time to what the lock already serialises."""
    answers: list[str] = []
    barrier = threading.Barrier(10)

    def wait() -> None:
        store = _store()
        barrier.wait()
        try:
            answers.append("OK " + digest(store.access_token(TENANT, target.provider)))
        except ReauthRequired as exc:
            answers.append(f"ERROR {exc}")

    threads = [threading.Thread(target=wait) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 10
    return answers


def test_a_reconnect_clears_the_loss(qbo: QboSandbox, clean_db: str) -> None:
    target = make_target(qbo, "qbo-immediate")
    store = _store()
    target.connect(store, TENANT)
    expire_access_token(clean_db, TENANT)
    _kill_holder_after_the_provider_acted(target)
    with pytest.raises(ReauthRequired):
        store.access_token(TENANT, "quickbooks")
    target.connect(store, TENANT)  # what `ledgerlink connect quickbooks` stores
    assert _status(store, target) == ("active", None, None)
    expire_access_token(clean_db, TENANT)
    assert target.works(store.access_token(TENANT, "quickbooks"))
    db.close()
