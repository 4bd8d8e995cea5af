"""``Sandbox``: every emulator built from one seed and one clock, served on consecutive ports.

    with Sandbox(seed="demo").start(port=0) as sandbox:     # port 0: any free ports (tests)
        sandbox.url("quickbooks")                            # http://127.0.0.1:<port>
        sandbox.qbo.connect()                                # tokens without a browser
        sandbox.clock.advance(3600)                          # moves time for every service

``start(port=P)`` serves each service at ``P + port_offset``: QuickBooks at P, Pipedrive at P+1,
ShipStation at P+2. Adding a service is one line in ``SERVICES``: a ``ServiceSpec`` naming its
``build(seed, size, clock) -> SandboxService`` factory and its ``env_vars(base_url, seed)``
function (used by ``ledgerlink sandbox env`` without building any data). Factories are imported
lazily, so a service under construction cannot break the others.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import TracebackType
from typing import Any, cast

from ledgerlink.sandbox.framework.clock import Clock
from ledgerlink.sandbox.framework.protocol import SandboxService
from ledgerlink.sandbox.framework.runner import RunningService, serve_in_thread
from ledgerlink.sandbox.quickbooks.service import QboService

SEEDS = ("demo", "small", "large")


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port_offset: int
    factory: str  # "module:function" → build(seed, size, clock) -> SandboxService
    env: str  # "module:function" → env_vars(base_url, seed) -> dict[str, str]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "quickbooks",
        0,
        "ledgerlink.sandbox.quickbooks.service:build",
        "ledgerlink.sandbox.quickbooks.service:env_vars",
    ),
    ServiceSpec(
        "pipedrive",
        1,
        "ledgerlink.sandbox.pipedrive.service:build",
        "ledgerlink.sandbox.pipedrive.service:env_vars",
    ),
    ServiceSpec(
        "shipstation",
        2,
        "ledgerlink.sandbox.shipstation.service:build",
        "ledgerlink.sandbox.shipstation.service:env_vars",
    ),
)


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def static_env(port: int, seed: str = "demo", host: str = "127.0.0.1") -> dict[str, str]:
    """Environment variables for a sandbox served at ``port``, without building it."""
    env: dict[str, str] = {}
    for spec in SERVICES:
        env.update(_load(spec.env)(f"http://{host}:{port + spec.port_offset}", seed))
    return env


class Sandbox:
    def __init__(
        self, seed: str = "demo", size: str | None = None, clock: Clock | None = None
    ) -> None:
        self.seed = seed
        self.size = size or seed
        self.clock = clock or Clock()
        self.services: dict[str, SandboxService] = {
            spec.name: _load(spec.factory)(seed, self.size, self.clock) for spec in SERVICES
        }
        self.running: dict[str, RunningService] = {}

    @property
    def qbo(self) -> QboService:
        return cast(QboService, self.services["quickbooks"])

    def start(self, port: int = 0, host: str = "127.0.0.1") -> Sandbox:
        """Serve every service; with ``port=0`` each gets its own free port."""
        try:
            for spec in SERVICES:
                service = self.services[spec.name]
                service_port = port + spec.port_offset if port else 0
                self.running[spec.name] = serve_in_thread(service.app, service_port, host)
                service.start()
        except BaseException:
            self.stop()
            raise
        return self

    def url(self, name: str) -> str:
        return self.running[name].url

    def env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for name, running in self.running.items():
            env.update(self.services[name].env(running.url))
        return env

    def describe(self) -> list[str]:
        return [
            line
            for name, running in self.running.items()
            for line in self.services[name].describe(running.url)
        ]

    def stop(self) -> None:
        for name, running in list(self.running.items()):
            self.services[name].close()
            running.stop()
            del self.running[name]

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
