"""Sandboxes for the tap tests: one per seed per session, a tenant connected per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_SECRET
from ledgerlink_sandbox.sandbox import Sandbox
from tests import leakcheck
from tests.tap_quickbooks.helpers import Qbo


def _serve(seed: str) -> Iterator[Qbo]:
    with Sandbox(seed=seed).start() as sandbox:
        qbo = Qbo(sandbox)
        yield qbo
        leakcheck.add_issued(qbo.issued() | {DEFAULT_CLIENT_SECRET})


@pytest.fixture(scope="session")
def small_server() -> Iterator[Qbo]:
    yield from _serve("small")


@pytest.fixture(scope="session")
def demo_server() -> Iterator[Qbo]:
    yield from _serve("demo")


def _fresh(qbo: Qbo) -> Qbo:
    qbo.sandbox.clock.reset()
    qbo.reset_data()
    qbo.connect_tenant()
    return qbo


@pytest.fixture
def small(small_server: Qbo, clean_db: str) -> Qbo:
    return _fresh(small_server)


@pytest.fixture
def demo(demo_server: Qbo, clean_db: str) -> Qbo:
    return _fresh(demo_server)
