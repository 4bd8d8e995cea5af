"""singer-sdk's standard tap tests against a running sandbox (started at import: the SDK fixes
the config when the test class is created)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from ledgerlink import db
from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_SECRET
from ledgerlink_sandbox.sandbox import Sandbox
from tap_quickbooks.tap import TapQuickBooks
from tests import leakcheck
from tests.tap_quickbooks.helpers import TENANT, Qbo

_SANDBOX = Sandbox(seed="demo").start()
_QBO = Qbo(_SANDBOX)
_SANDBOX.clock.advance(120)  # every generated row is older than the settle window

_Base = get_tap_test_class(
    TapQuickBooks,
    config=_QBO.config(),
    suite_config=SuiteConfig(max_records_limit=40),
    parse_env_config=False,
)


class TestTapQuickBooksStandard(_Base):  # type: ignore[misc, valid-type]
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _sandbox_tenant(cls, database_url: str) -> Iterator[None]:
        db.pool()  # migrations
        _QBO.connect(TokenStore(), TENANT)
        yield
        leakcheck.add_issued(_QBO.issued() | {DEFAULT_CLIENT_SECRET})
        _SANDBOX.stop()
