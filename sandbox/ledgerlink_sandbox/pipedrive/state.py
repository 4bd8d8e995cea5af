"""Everything one Pipedrive sandbox holds, and how a request's credential becomes a principal."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from ledgerlink_sandbox.framework import ServiceCore
from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from ledgerlink_sandbox.pipedrive.generator import Generated
from ledgerlink_sandbox.pipedrive.limits import Limits, Principal, principal_key
from ledgerlink_sandbox.pipedrive.oauth import OAuth
from ledgerlink_sandbox.pipedrive.settings import PipedriveSettings
from ledgerlink_sandbox.pipedrive.store import Store
from ledgerlink_sandbox.pipedrive.webhooks import Webhooks


@dataclass
class State:
    core: ServiceCore
    settings: PipedriveSettings
    store: Store
    generated: Generated
    limits: Limits
    oauth: OAuth
    webhooks: Webhooks
    api_tokens: set[str] = field(default_factory=lambda: {DEFAULT_API_TOKEN})

    def authenticate(self, request: Request) -> Principal | None:
        """``x-api-token`` header, ``api_token`` query (legacy, still accepted) or OAuth Bearer."""
        user_id = self.store.company.user_id
        token = request.headers.get("x-api-token") or request.query_params.get("api_token")
        if token:
            if token in self.api_tokens:
                return Principal("api_token", user_id, principal_key(token))
            return None
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            client_id = self.oauth.client_of(header[7:].strip())
            if client_id is not None:  # burst windows are per app and user, not per token
                return Principal("oauth", user_id, principal_key(f"oauth:{client_id}:{user_id}"))
        return None
