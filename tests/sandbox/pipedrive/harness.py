"""A running Pipedrive emulator, and an httpx client checking each response against the spec.

    spec = OpenApiSpec.load()
    client = ValidatingClient(spec, base_url=running.url, headers={"x-api-token": TOKEN})
    client.get("/api/v2/organizations")          # raises SpecViolation on a non-conforming body
    client.seen                                   # {(spec, method, spec_path, status), ...}

Paths map to spec operations as the real hosts do: ``/api/v2/X`` → v2 ``X``; ``/api/v1/X`` and
``/v1/X`` → v1 ``X``; ``/oauth/X`` → v1 ``/oauth/X`` (oauth.pipedrive.com). Admin routes
(``/_sandbox``), the authorize redirect (the real endpoint shows an HTML consent page instead)
``/oauth/revoke`` (absent from the spec) and the Cloudflare 403 HTML page are not checked.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from ledgerlink_sandbox.framework import Clock, serve_in_thread
from ledgerlink_sandbox.pipedrive.costs import spec_operation
from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from ledgerlink_sandbox.pipedrive.openapi import OpenApiSpec
from ledgerlink_sandbox.pipedrive.service import build
from ledgerlink_sandbox.pipedrive.state import State
from tests.leakcheck import add_issued

UNCHECKED = ("/_sandbox/", "/oauth/revoke")


class SpecViolation(AssertionError):
    pass


class ValidatingClient(httpx.Client):
    def __init__(self, spec: OpenApiSpec, **kwargs: Any) -> None:
        super().__init__(event_hooks={"response": [self._check]}, **kwargs)
        self.spec = spec
        self.seen: set[tuple[str, str, str, int]] = set()

    def _check(self, response: httpx.Response) -> None:
        path = response.request.url.path
        if path.startswith(UNCHECKED) or (path == "/oauth/authorize" and response.is_redirect):
            return
        if response.status_code == 403 and "text/html" in response.headers.get("content-type", ""):
            return  # the Cloudflare ban page sits in front of the API, outside the spec
        operation = spec_operation(path, response.request.method)
        if operation is None:
            raise SpecViolation(f"{response.request.method} {path}: not an operation of the spec")
        spec, template = operation
        method = response.request.method
        response.read()
        content_type = response.headers.get("content-type", "")
        body = json.loads(response.content) if "json" in content_type else None
        errors = self.spec.validate(
            spec, method, template, response.status_code, body, content_type
        )
        if errors:
            raise SpecViolation(
                f"{method} {path} → {response.status_code} violates the {spec} spec:\n  "
                + "\n  ".join(errors[:10])
            )
        self.seen.add((spec, method, template, response.status_code))


class Harness:
    """One running Pipedrive sandbox for a test module: frozen clock, validating API client.

    The burst limit is off by default (a frozen clock never leaves the 2 s window); tests of the
    limit switch it back on with ``harness.settings(enforce_burst_limit=True)``.
    """

    START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    def __init__(
        self, spec: OpenApiSpec, seed: str = "pipedrive-tests", size: str = "demo"
    ) -> None:
        self.clock = Clock()
        self.clock.freeze(self.START)
        self.service = build(seed, size, self.clock)
        self.running = serve_in_thread(self.service.app)
        self.url = self.running.url
        self.spec = spec
        self.api = ValidatingClient(
            spec, base_url=self.url, timeout=10, headers={"x-api-token": DEFAULT_API_TOKEN}
        )
        self.admin = httpx.Client(base_url=self.url, timeout=10)
        self.reset()

    @property
    def state(self) -> State:
        return self.service.state

    def field(self, entity: str, name: str) -> str:
        return str(self.state.generated.field_codes[f"{entity}:{name}"])

    def settings(self, **values: Any) -> None:
        response = self.admin.patch("/_sandbox/settings", json=values)
        assert response.status_code == 200, response.text

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def reset(self, *, data: bool = False) -> None:
        hand_in_issued(self)
        body = {"settings": True, "tokens": True, "data": data}
        assert self.admin.post("/_sandbox/reset", json=body).status_code == 200
        self.clock.freeze(self.clock.now())
        self.settings(enforce_burst_limit=False)

    def close(self) -> None:
        hand_in_issued(self)
        self.api.close()
        self.admin.close()
        self.service.close()
        self.running.stop()


def hand_in_issued(harness: Harness) -> None:
    """Give every issued OAuth token to the whole-run leak check."""
    add_issued({item.value for item in harness.state.oauth.issued})
