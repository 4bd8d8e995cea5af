"""singer-sdk's standard tap tests against the Pipedrive sandbox.

The SDK parametrizes its tests by the streams and their properties (custom fields included) when
the class is built, at collection, before any fixture can serve a sandbox. So the class is built
from the catalog the tap discovers for this seed, stored beside it (``standard_catalog.json``,
held to a fresh discovery by ``test_standard_catalog.py``, which also rewrites it), and the SDK's
class fixture ``runner``, overridden, syncs with that catalog against a sandbox served for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from singer_sdk.testing import SuiteConfig, TapTestRunner, get_tap_test_class
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR

from ledgerlink import db
from tap_pipedrive.tap import TapPipedrive
from tests.tap_pipedrive.conftest import connect
from tests.tap_pipedrive.test_standard_catalog import CATALOG_FILE, CONFIG, serve

CATALOG: dict[str, Any] = json.loads(CATALOG_FILE.read_text())
SUITE = SuiteConfig(max_records_limit=40)


_StandardTests = get_tap_test_class(
    tap_class=TapPipedrive,
    config=CONFIG,
    catalog=CATALOG,  # no discovery at collection: nothing is served there
    parse_env_config=False,
    suite_config=SUITE,
)


# The SDK checks records against ``Stream.schema``, which a tap given a catalog leaves static (the
# custom fields are in the catalog, and so in the SCHEMA messages a target reads:
# ``test_records_match_their_schema_messages`` checks those instead). Strict: if ``Stream.schema``
# ever follows the catalog, these pass and the list must go.
CATALOG_SCHEMA_IGNORED = {
    f"test_tap_stream_record_matches_stream_schema[{stream}]"
    for stream in ("deals", "organizations", "persons")
}


class TestTapPipedrive(_StandardTests):  # type: ignore[misc, valid-type]
    @pytest.fixture(autouse=True)
    def _known_failures(self, request: pytest.FixtureRequest) -> None:
        if request.node.name in CATALOG_SCHEMA_IGNORED:
            reason = "Stream.schema stays static under a catalog"
            request.applymarker(pytest.mark.xfail(strict=True, reason=reason))

    def test_records_match_their_schema_messages(self, runner: TapTestRunner) -> None:
        """What a target validates: every record against its stream's SCHEMA message."""
        schemas = {m["stream"]: m["schema"] for m in runner.schema_messages}
        custom = {"deals": "invoice_status", "organizations": "quickbooks_customer_id"}
        for stream, field in custom.items():
            assert field in schemas[stream]["properties"], f"{stream} lacks its custom fields"
        for stream, records in runner.records.items():
            validator = DEFAULT_JSONSCHEMA_VALIDATOR(
                schemas[stream], format_checker=DEFAULT_JSONSCHEMA_VALIDATOR.FORMAT_CHECKER
            )
            for record in records:
                errors = [error.message for error in validator.iter_errors(record)]
                assert not errors, f"{stream} {record.get('id')}: {errors}"

    @pytest.fixture(scope="class")
    @classmethod
    def runner(cls, database_url: str) -> Iterator[TapTestRunner]:
        """The SDK's runner, synced once for the class against a sandbox of this seed."""
        sandbox = serve()
        try:
            db.pool()  # migrations on the session database
            connect(sandbox)
            runner = TapTestRunner(
                TapPipedrive,
                config=CONFIG,
                catalog=CATALOG,
                suite_config=SUITE,
                parse_env_config=False,
            )
            runner.sync_all()
            yield runner
        finally:
            sandbox.close()
