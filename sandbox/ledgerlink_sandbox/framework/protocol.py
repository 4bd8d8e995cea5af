"""``SandboxService``: the small interface a service module gives the top-level ``Sandbox``.

class PipedriveService:               # satisfies SandboxService structurally
    name = "pipedrive"
    def __init__(self, seed, size, clock): self.core = ServiceCore("pipedrive", clock); ...
    @property
    def app(self) -> ASGIApp: ...                      # usually build_app(self.core, routes)
    def env(self, base_url: str) -> dict[str, str]:   # LEDGERLINK_PIPEDRIVE_* variables
    def describe(self, base_url: str) -> list[str]:    # lines `sandbox serve` prints
    def start(self) -> None: ...                       # start background work, if any
    def close(self) -> None: ...                       # stop it again
"""

from __future__ import annotations

from typing import Protocol

from starlette.types import ASGIApp

from ledgerlink_sandbox.framework.service import ServiceCore


class SandboxService(Protocol):
    name: str
    core: ServiceCore

    @property
    def app(self) -> ASGIApp: ...

    def env(self, base_url: str) -> dict[str, str]: ...

    def describe(self, base_url: str) -> list[str]: ...

    def start(self) -> None: ...

    def close(self) -> None: ...
