"""Token keep-alive: every OAuth connection refreshed once per round, failures per tenant.

The `ledgerlink refresh` rules, made safe for overlapping rounds. Each connection is refreshed
through the TokenStore's single-flight path: read the current credentials, then ask for new ones
with the current access token marked as done (`rejected=`). Under the store's lock the second of
two overlapping rounds finds the token already replaced and makes no call. A connection whose
last refresh is younger than `fresh_for` (another round, or a plugin refreshing on expiry) is
left alone, so a round that starts just after another one finished makes no calls either.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from ledgerlink.errors import LedgerlinkError
from ledgerlink.tokens import Connection, TokenStore

Result = Literal["refreshed", "fresh", "failed"]


@dataclass(frozen=True)
class Outcome:
    tenant: str
    provider: str
    result: Result
    detail: str  # valid-until time, or the one-line error

    @property
    def name(self) -> str:
        return f"{self.tenant}/{self.provider}"


@dataclass(frozen=True)
class Report:
    outcomes: list[Outcome]
    warnings: list[str]  # connections someone must reconnect within the warning window

    def count(self, result: Result) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == "failed"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def keep_alive(
    store: TokenStore,
    *,
    fresh_for: timedelta,
    warn_within: timedelta,
    now: Callable[[], datetime] = _utcnow,
) -> Report:
    """Refresh every OAuth connection that is not fresh; never stop at a failure."""
    outcomes = [
        _refresh_one(store, conn, fresh_for, now())
        for conn in store.connections()
        if conn.auth_kind == "oauth"
    ]
    return Report(outcomes, reconnect_warnings(store.connections(), warn_within, now()))


def _refresh_one(
    store: TokenStore, conn: Connection, fresh_for: timedelta, now: datetime
) -> Outcome:
    tenant, provider = conn.tenant, conn.provider
    if (
        conn.status == "active"
        and conn.last_refreshed_at
        and now - conn.last_refreshed_at < fresh_for
    ):
        return Outcome(tenant, provider, "fresh", f"refreshed at {conn.last_refreshed_at:%H:%M:%S}")
    try:
        current = store.credentials(tenant, provider)  # type: ignore[arg-type]
        if current.version == conn.version:  # nobody refreshed since we listed it
            current = store.credentials(
                tenant,
                provider,  # type: ignore[arg-type]
                rejected=current.access_token,
            )
    except LedgerlinkError as exc:
        return Outcome(tenant, provider, "failed", str(exc))
    except Exception as exc:  # one tenant's surprise must not stop the others' refresh
        return Outcome(tenant, provider, "failed", f"{type(exc).__name__}: {exc}")
    until = current.access_expires_at
    return Outcome(
        tenant, provider, "refreshed", f"valid until {until:%Y-%m-%d %H:%M} UTC" if until else ""
    )


def reconnect_warnings(
    connections: list[Connection], warn_within: timedelta, now: datetime
) -> list[str]:
    """One line per connection a person must reconnect before the window ends."""
    lines = []
    for conn in connections:
        deadline = conn.refresh_deadline
        if conn.needs_reauth:
            lines.append(
                f"{conn.tenant}/{conn.provider} needs re-authorization now: "
                f"ledgerlink connect {conn.provider} --tenant {conn.tenant}"
            )
        elif deadline is not None and deadline - now <= warn_within:
            lines.append(
                f"{conn.tenant}/{conn.provider} must be reconnected by {deadline:%Y-%m-%d} "
                f"({(deadline - now).days} days): ledgerlink connect {conn.provider} "
                f"--tenant {conn.tenant}"
            )
    return lines
