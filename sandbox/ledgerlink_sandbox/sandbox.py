"""``Sandbox``: every emulator built from one seed and one clock, served on consecutive ports.

    with Sandbox(seed="demo").start(port=0) as sandbox:     # port 0: any free ports (tests)
        sandbox.url("quickbooks")                            # http://127.0.0.1:<port>
        sandbox.qbo.connect()                                # tokens without a browser
        sandbox.clock.advance(3600)                          # moves time for every service

``start(port=P)`` serves each service at ``P + port_offset``: QuickBooks at P, Pipedrive at P+1,
ShipStation at P+2. Adding a service is one line in ``SERVICES``: a ``ServiceSpec`` naming its
``build(seed, size, clock) -> SandboxService`` factory and its ``env_vars(base_url, seed)``
function (used by ``ledgerlink-sandbox env`` without building any data). This module sits on top
of the package: it imports every service, and nothing imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import cast

from ledgerlink_sandbox.framework.clock import Clock
from ledgerlink_sandbox.framework.protocol import SandboxService
from ledgerlink_sandbox.framework.runner import RunningService, serve_in_thread
from ledgerlink_sandbox.pipedrive import service as pipedrive
from ledgerlink_sandbox.quickbooks import service as quickbooks
from ledgerlink_sandbox.quickbooks.service import QboService
from ledgerlink_sandbox.shipstation import service as shipstation

SEEDS = ("demo", "small", "large")


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port_offset: int
    build: Callable[[str, str, Clock], SandboxService]
    env_vars: Callable[[str, str], dict[str, str]]  # (base_url, seed) -> LEDGERLINK_* variables


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("quickbooks", 0, quickbooks.build, quickbooks.env_vars),
    ServiceSpec("pipedrive", 1, pipedrive.build, pipedrive.env_vars),
    ServiceSpec("shipstation", 2, shipstation.build, shipstation.env_vars),
)


def static_env(port: int, seed: str = "demo", host: str = "127.0.0.1") -> dict[str, str]:
    """Environment variables for a sandbox served at ``port``, without building it."""
    env: dict[str, str] = {}
    for spec in SERVICES:
        env.update(spec.env_vars(f"http://{host}:{port + spec.port_offset}", seed))
    return env


class Sandbox:
    def __init__(
        self, seed: str = "demo", size: str | None = None, clock: Clock | None = None
    ) -> None:
        self.seed = seed
        self.size = size or seed
        self.clock = clock or Clock()
        self.services: dict[str, SandboxService] = {
            spec.name: spec.build(seed, self.size, self.clock) for spec in SERVICES
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
