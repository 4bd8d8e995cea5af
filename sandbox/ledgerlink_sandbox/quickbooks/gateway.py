"""The Intuit API gateway in front of the accounting service: bearer check and throttling.

Order per ``/v3/company/{realm}/...`` request: bearer token (401 code 3200, lower-case shape),
token's realm vs path realm (403 code 3100), then the limits (reference §1.7):
500 requests/min per realm, 10 requests/s per realm+app, and for batch calls additionally
40/min per realm+app and 120/min per realm. A throttled request answers Fault 3001 as the
``throttle_response`` setting says, never with ``Retry-After``. Unauthenticated requests do not
consume quota, and neither do throttled ones (see ``framework.ratelimit``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.framework.ratelimit import WindowLimiter, acquire_all
from ledgerlink_sandbox.quickbooks.envelope import Envelope
from ledgerlink_sandbox.quickbooks.oauth_state import AccessRecord, OAuthState
from ledgerlink_sandbox.quickbooks.service_settings import QboServiceSettings

AUTH_MESSAGE = "message=AuthenticationFailed; errorCode=003200; statusCode=401"
AUTHZ_MESSAGE = "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _prefix(token: str) -> str:
    # Never echo a whole token: bodies end up in logs.
    return token[:12] + "..."


class Gateway:
    def __init__(
        self, clock: Clock, settings: QboServiceSettings, oauth: OAuthState, envelope: Envelope
    ) -> None:
        self.settings = settings
        self.oauth = oauth
        self.envelope = envelope
        self.per_minute = WindowLimiter(clock, 60)
        self.per_second = WindowLimiter(clock, 1)
        self.batch_per_app = WindowLimiter(clock, 60)
        self.batch_per_realm = WindowLimiter(clock, 60)

    def limiters(self) -> list[WindowLimiter]:
        return [self.per_minute, self.per_second, self.batch_per_app, self.batch_per_realm]

    def reset(self) -> None:
        for limiter in self.limiters():
            limiter.reset()

    def authenticate(self, request: Request, realm: str) -> AccessRecord | Response:
        token = bearer_token(request)
        check = self.oauth.check_access(token)
        if check.record is None or check.problem is not None:
            if token is None or check.problem == "malformed":
                detail = "Malformed bearer token: too short or too long"
            elif check.problem == "expired":
                detail = f"Token expired: {_prefix(token)}"
            else:
                detail = f"Token invalid: {_prefix(token)}"
            return self.envelope.gateway_fault(401, "3200", AUTH_MESSAGE, detail, "AUTHENTICATION")
        if check.record.connection.realm_id != realm:
            return self.envelope.gateway_fault(403, "3100", AUTHZ_MESSAGE, None, None)
        return check.record

    def admit(self, request: Request, realm: str, *, batch: bool = False) -> Response | None:
        """None when the request may proceed, else the 401/403/429 answer."""
        outcome = self.authenticate(request, realm)
        if isinstance(outcome, Response):
            return outcome
        s = self.settings
        for limiter in self.limiters():
            limiter.kind = s.rate_limit_window
        app_key = f"{realm}:{outcome.connection.client_id}"
        checks = [
            (self.per_minute, realm, s.rate_limit_per_minute_realm),
            (self.per_second, app_key, s.rate_limit_per_second_realm_app),
        ]
        if batch:
            checks += [
                (self.batch_per_app, app_key, s.batch_limit_per_minute_realm_app),
                (self.batch_per_realm, realm, s.batch_limit_per_minute_realm),
            ]
        if not acquire_all(checks):
            return self.envelope.throttled(request.scope)
        return None
