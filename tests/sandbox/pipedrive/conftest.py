"""One Pipedrive emulator per test module, every response checked against the OpenAPI documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerlink.sandbox.pipedrive.openapi import OpenApiSpec
from ledgerlink.sandbox.pipedrive.testing import Harness


@pytest.fixture(scope="module")
def pd() -> Iterator[Harness]:
    harness = Harness(OpenApiSpec.shared())
    yield harness
    harness.close()
