"""Settings of the QBO HTTP surface (OAuth, gateway, limits, response format, webhooks).

Served merged with the store's ``QboStoreSettings`` by ``GET|PATCH /_sandbox/settings``. Defaults
are the best-known real behaviour (reference §3, §1.7, §7.3, §7.4); the alternatives are the
unverified or historical variants a client must also survive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DEFAULT_CLIENT_ID = "ABsandboxLedgerlinkQboClientId0000000000000000000"
DEFAULT_CLIENT_SECRET = "sandbox-qbo-client-secret-0000000000000000"  # noqa: S105 - fake app
DEFAULT_VERIFIER_TOKEN = "00faeec4-08d0-4996-bb37-698ae19f0149"  # noqa: S105 - fake, .NET SDK sample


@dataclass
class QboServiceSettings:
    # --- OAuth (reference §3.2, §7.3) ---
    access_token_ttl_seconds: int = 3600
    # Reported as x_refresh_token_expires_in on a fresh refresh token (101 days, per recordings).
    refresh_token_ttl_seconds: int = 8_726_400
    # 5-year hard cap from the first consent (Intuit blog 2025-11-12).
    refresh_token_hard_ttl_seconds: int = 5 * 365 * 86_400
    # "daily": a refresh returns a new value only once the current one is >= 24 h old;
    # "every_refresh": every refresh rotates (shakes out persistence bugs).
    refresh_token_rotation: Literal["daily", "every_refresh"] = "daily"  # noqa: S105
    rotation_min_age_seconds: int = 86_400
    # What happens to the previous refresh token when a new one is issued (docs disagree).
    old_refresh_token_after_rotation: Literal["immediate", "grace_24h"] = "immediate"  # noqa: S105
    # Reuse of a superseded or in-flight refresh token also revokes the connection (Intuit
    # "may treat this as a security issue"); off by default.
    revoke_winner_on_reuse: bool = False
    # Artificial latency of the token endpoint (wall-clock seconds), to widen race windows.
    token_endpoint_delay_seconds: float = 0.0
    # Wall-clock seconds a token request travels before the provider acts on it; a client that
    # disconnects (dies) meanwhile is never processed, as with a request lost on the way.
    token_endpoint_latency_seconds: float = 0.0
    # Wall-clock seconds between the provider acting on a token request (rotation applied) and
    # its answer leaving: a client that dies or gives up meanwhile loses the new tokens.
    token_endpoint_response_delay_seconds: float = 0.0
    authorization_code_ttl_seconds: int = 300
    # HTTP status for a wrong client id/secret (observed 400 and 401).
    invalid_client_status: int = 401

    # --- Gateway limits (reference §1.7) ---
    rate_limit_per_minute_realm: int = 500
    rate_limit_per_second_realm_app: int = 10
    batch_limit_per_minute_realm_app: int = 40
    batch_limit_per_minute_realm: int = 120
    rate_limit_window: Literal["fixed", "sliding"] = "fixed"
    # How a throttled request is answered: JSON Fault 3001 with HTTP 429, the historical XML body
    # with HTTP 429, or a JSON Fault inside HTTP 200. Never a Retry-After header.
    throttle_response: Literal["json", "xml", "fault_in_200"] = "json"

    # --- Responses ---
    qbo_version: str = "1802.1292"
    # Requests whose Accept lacks JSON (and no format=json): answer XML as QBO does, or JSON.
    non_json_accept: Literal["xml", "json"] = "xml"

    # --- Webhooks (reference §4) ---
    webhook_url: str | None = None
    webhook_verifier_token: str = DEFAULT_VERIFIER_TOKEN
    webhook_format: Literal["legacy", "cloudevents"] = "legacy"
    # Divides the retry schedule (10 s, 20 s, 30 s, 5 min, ...): 1000 turns 6 h into 21.6 s.
    webhook_retry_compression: float = 1.0
    # The receiver must answer 200 within this many wall-clock seconds.
    webhook_timeout_seconds: float = 3.0
    # How often the background thread looks for new changes and due retries (wall clock).
    webhook_poll_seconds: float = 0.05
