"""Many plugin processes asking the TokenStore for one tenant's token at the same moment.

The test process starts a few launchers (multiprocessing forkserver children, so clean and
thread-free); each launcher forks its share of callers with `os.fork`, which costs a
fraction of starting each caller through the forkserver. Every caller is an OS process of its own
with its own TokenStore and database session, as a plugin is. This module imports only what a
caller needs, because the forkserver preloads it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpcore  # noqa: F401 - httpx imports its transport on first use: preloaded, not per caller
import httpx

from ledgerlink.db import migrations
from ledgerlink.tokens import TokenStore

# What each caller would otherwise import or read on its first round, done once in the forkserver.
migrations.available()
httpx.URL("http://127.0.0.1").host.encode("idna")
_TLS = httpx.create_ssl_context()  # loading the certificate store costs a caller 0.05-0.2 s

TENANT = "acme"
BARRIER_TIMEOUT = 60.0


@dataclass(frozen=True)
class Answer:
    """What one process got in one round: a token (or an error) and what the API said to it."""

    round: int
    pid: int
    token: str | None
    api_status: int
    error: str | None
    seconds: float


@dataclass(frozen=True)
class Round:
    """What the callers share: the settings they run with and where they meet."""

    env: dict[str, str]
    sandbox_url: str
    realm: str
    barrier: Any  # multiprocessing Barrier: every caller and the test
    answers: Any  # multiprocessing Queue of Answer
    rounds: int


def sandbox_client(url: str) -> httpx.Client:
    return httpx.Client(
        base_url=url, timeout=30, verify=_TLS, headers={"Accept": "application/json"}
    )


class SandboxTime:
    """The sandbox's clock, so the store and the provider agree on expiries.

    Read over HTTP once per round (`sync`), outside the refresh lock: reading it inside would
    make every waiter's critical section an HTTP round trip, which production never pays.
    """

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.offset = timedelta(0)

    def sync(self) -> None:
        sandbox = datetime.fromisoformat(self.http.get("/_sandbox/clock").json()["now"])
        self.offset = sandbox - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def caller(shared: Round) -> None:
    """One plugin process: a token per round, then one API call with it, as a tap would."""
    os.environ.update(shared.env)
    os.environ["PGAPPNAME"] = f"caller-{os.getpid()}"  # names its session in pg_stat_activity
    api = sandbox_client(shared.sandbox_url)
    clock = SandboxTime(api)
    store = TokenStore(now=clock.now)
    for round_ in range(shared.rounds):
        shared.barrier.wait(timeout=BARRIER_TIMEOUT)
        started = time.monotonic()
        token, status, error = None, 0, None
        try:
            clock.sync()  # the test moved it past the access token's expiry
            token = store.access_token(TENANT, "quickbooks")
            reply = api.get(
                f"/v3/company/{shared.realm}/companyinfo/{shared.realm}",
                headers={"Authorization": f"Bearer {token}"},
            )
            status = reply.status_code
        except Exception as exc:  # reported to the test, which fails on it
            error = f"{type(exc).__name__}: {exc}"
        shared.answers.put(
            Answer(round_, os.getpid(), token, status, error, time.monotonic() - started)
        )


def launch(count: int, shared: Round) -> None:
    """Fork `count` callers and wait for them (the body of a launcher process)."""
    children = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:  # the caller: never return into this loop
            code = 1
            try:
                caller(shared)
                code = 0
            finally:
                shared.answers.close()
                shared.answers.join_thread()  # its answers reach the test before it exits
                os._exit(code)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
