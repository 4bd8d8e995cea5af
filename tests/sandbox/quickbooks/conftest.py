"""A demo-seed sandbox per module, started when the first test asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerlink_sandbox.sandbox import Sandbox
from tests.sandbox.quickbooks.helpers import QboClient


@pytest.fixture(scope="module")
def qbo() -> Iterator[QboClient]:
    """The demo sandbox served for one module; its issued tokens go to the leak check after."""
    client = QboClient(Sandbox(seed="demo").start())
    yield client
    client.close()
