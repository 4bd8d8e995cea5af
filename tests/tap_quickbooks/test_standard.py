"""singer-sdk's standard tap tests against the demo sandbox.

The SDK parametrizes its tests by the tap's streams when the class is built, at collection; the
QuickBooks streams are static, so a tap configured for no server at all lists them. The class
fixture ``runner`` (the SDK's, overridden) then syncs against the session's demo sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from singer_sdk.testing import SuiteConfig, TapTestRunner, get_tap_test_class

from ledgerlink import db
from tap_quickbooks.tap import TapQuickBooks
from tests.tap_quickbooks.helpers import TENANT, Qbo

SUITE = SuiteConfig(max_records_limit=40)
# Only for listing the streams at collection: nothing is served there (port 9 is discard).
COLLECTION_CONFIG: dict[str, Any] = {
    "tenant": TENANT,
    "api_url": "http://127.0.0.1:9",
    "realm_id": "0",
    "start_date": "2000-01-01T00:00:00Z",
}

_Base = get_tap_test_class(
    TapQuickBooks, config=COLLECTION_CONFIG, suite_config=SUITE, parse_env_config=False
)


class TestTapQuickBooksStandard(_Base):  # type: ignore[misc, valid-type]
    @pytest.fixture(scope="class")
    @classmethod
    def runner(cls, demo_server: Qbo, database_url: str) -> TapTestRunner:
        """The SDK's runner, configured for the served sandbox and synced once for the class."""
        qbo = demo_server
        qbo.sandbox.clock.reset()
        qbo.reset_data()
        qbo.sandbox.clock.advance(120)  # every generated row is older than the settle window
        db.pool()  # migrations
        qbo.connect_tenant()
        runner = TapTestRunner(
            TapQuickBooks, config=qbo.config(), suite_config=SUITE, parse_env_config=False
        )
        runner.sync_all()
        return runner
