"""One Pipedrive emulator per test module, every response checked against the OpenAPI documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerlink_sandbox.pipedrive.openapi import OpenApiSpec
from tests.sandbox.pipedrive.harness import Harness


@pytest.fixture(scope="module")
def pd() -> Iterator[Harness]:
    harness = Harness(OpenApiSpec.shared())
    yield harness
    harness.close()
