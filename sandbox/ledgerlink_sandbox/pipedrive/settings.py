"""Pipedrive sandbox settings (``GET/PATCH /_sandbox/settings``).

Defaults are the best-known real behaviour. Where the reference marks a behaviour unverified, the
default is the *stricter* choice (the one a client must cope with anyway), so code that passes
against the sandbox also works when the real API turns out to be the lenient variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Plan = Literal["lite", "growth", "premium", "ultimate"]


def _burst_limits() -> dict[str, list[int]]:
    # plan -> [api token, OAuth app] requests per rolling 2 s window (pipedrive.md §3.2).
    return {"lite": [20, 80], "growth": [40, 160], "premium": [100, 400], "ultimate": [120, 480]}


def _multipliers() -> dict[str, int]:
    return {"lite": 1, "growth": 2, "premium": 5, "ultimate": 7}  # pipedrive.md §3.1


@dataclass
class PipedriveSettings:
    # --- Limits -------------------------------------------------------------------------------
    plan: Plan = "growth"
    seats: int = 3
    token_topup: int = 0  # purchased API token top-ups added to the daily budget
    daily_base_tokens: int = 30_000
    plan_multipliers: dict[str, int] = field(default_factory=_multipliers)
    burst_limits: dict[str, list[int]] = field(default_factory=_burst_limits)
    burst_window_seconds: float = 2.0
    burst_window_kind: Literal["fixed", "sliding"] = "sliding"  # the doc says "rolling"
    search_burst_limit: int = 10  # search endpoints, every plan and auth kind
    daily_post_put_limit: int = 10_000  # legacy fair use, reported as x-daily-requests-left
    server_timezone: str = "UTC"  # the budget resets at midnight here; the real zone is unnamed
    enforce_burst_limit: bool = True
    enforce_daily_budget: bool = True
    # [unverified] 429 body text; the envelope follows the gateway's 401 body.
    rate_limit_error: str = "Request over limit"
    # After this many requests answered 429 in a row, answer a Cloudflare 403 HTML page
    # (the documented abuse ban); None = never.
    cloudflare_ban_after: int | None = None
    # --- Data behaviour -----------------------------------------------------------------------
    # [unverified] limit above 500: "error" = 400 ERR_SCHEMA_VALIDATION_FAILED, "clamp" = 500.
    limit_above_max: Literal["error", "clamp"] = "error"
    # [unverified] GET of a soft-deleted org/person/deal: 200 with is_deleted=true, or 404.
    deleted_get: Literal["200", "404"] = "200"
    # [unverified] PATCH of a soft-deleted record: 404 (strict) or applied (200).
    deleted_patch: Literal["404", "200"] = "404"
    # [unverified] v2 custom_fields emits every defined key (null when unset), as v1 did.
    custom_fields_emit_nulls: bool = True
    # [unverified] a PATCH that changes nothing still bumps update_time.
    bump_update_time_on_noop: bool = True
    # [unverified] search index lag: records are searchable this many (clock) seconds after a write.
    search_index_lag_seconds: float = 0.0
    deleted_retention_days: int = 30  # soft-deleted records are purged after this
    # [unverified] text longer than a built-in varchar field's 255 characters (name, title, ...):
    # "error" = 400 ERR_SCHEMA_VALIDATION_FAILED, "truncate" = stored cut to 255.
    varchar_too_long: Literal["error", "truncate"] = "error"
    # --- OAuth --------------------------------------------------------------------------------
    access_token_ttl_seconds: int = 3600  # expires_in is reported as ttl - 1 (3599)
    refresh_token_idle_days: int = 60
    authorization_code_ttl_seconds: int = 300
    # Wall-clock seconds the token endpoint takes before acting on a refresh, and between acting
    # (idle window extended, access token issued) and its answer leaving; a client that dies or
    # gives up meanwhile loses that answer, the provider's action stands.
    token_endpoint_delay_seconds: float = 0.0
    token_endpoint_response_delay_seconds: float = 0.0
    # Wall-clock seconds a refresh request travels before the provider sees it; a client that
    # disconnects (dies) meanwhile is never processed, as with a request lost on the way.
    token_endpoint_latency_seconds: float = 0.0
    # --- Webhooks -----------------------------------------------------------------------------
    # Real delays are 3, 30 and 150 s; tests compress them (0.001 → 3 ms, 30 ms, 150 ms).
    webhook_time_factor: float = 1.0
    webhook_timeout_seconds: float = 10.0
    webhook_ban_after_failures: int = 10
    webhook_ban_minutes: int = 30
