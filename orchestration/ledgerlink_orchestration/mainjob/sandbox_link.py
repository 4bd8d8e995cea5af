"""The sandbox the main job talks to: started in this process, or one already served on a port
(`ledgerlink sandbox serve --port P`), so that what it served can be checked afterwards."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import httpx

from ledgerlink.cli.sandbox import NOT_INSTALLED, is_missing_sandbox
from ledgerlink.errors import LedgerlinkError

SEED = "demo"  # README command 1's data set; `--seed small` for the larger company


@dataclass(frozen=True)
class SandboxLink:
    urls: Mapping[str, str]  # service → base URL
    env: Mapping[str, str]  # the LEDGERLINK_* variables `ledgerlink sandbox env` prints

    def url(self, service: str) -> str:
        return self.urls[service]

    def today(self) -> date:
        """Today on the sandbox's clock (one clock for the three services)."""
        answer = httpx.get(f"{self.urls['quickbooks']}/_sandbox/clock", timeout=10)
        answer.raise_for_status()
        return datetime.fromisoformat(str(answer.json()["now"])).date()


@contextmanager
def sandbox(port: int, *, attach: bool, seed: str = SEED) -> Iterator[SandboxLink]:
    # Imported on use: the emulators are a distribution of their own (the development setup).
    try:
        from ledgerlink_sandbox.sandbox import SERVICES, Sandbox, static_env
    except ModuleNotFoundError as exc:
        if not is_missing_sandbox(exc):
            raise
        raise LedgerlinkError(f"the main job needs the sandbox: {NOT_INSTALLED}") from None

    if attach:
        urls = {s.name: f"http://127.0.0.1:{port + s.port_offset}" for s in SERVICES}
        yield SandboxLink(urls, static_env(port, seed))
        return
    with Sandbox(seed=seed).start(port=port) as box:
        yield SandboxLink({s.name: box.url(s.name) for s in SERVICES}, box.env())
