"""target-shipstation: paid (or Net-terms) QuickBooks invoices become ShipStation orders exactly
once (docs/target-shipstation.md).

Records are collected while the input lasts (``sinks``); at its end every invoice is decided and
sent (``run.OrderRun``) and the run report is logged. The tap's state is held back until then:
a run killed part-way releases no bookmark, so the next run sees every invoice again (and the
write-ahead mapping rows make a resend an update, never a second order).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from singer_sdk import Sink
from singer_sdk import typing as th
from typing_extensions import override

from ledgerlink.errors import LedgerlinkError
from ledgerlink.retry import Backoff
from ledgerlink.shipstation import ShipStationClient, ShipStationV1
from ledgerlink.singer.settings import StoreSettings
from ledgerlink.singer.target import StoreTarget
from target_shipstation.records import STREAMS, RunRecords
from target_shipstation.report import RunReport
from target_shipstation.run import OrderRun
from target_shipstation.settings import RunSettings, properties
from target_shipstation.sinks import QuickBooksSink, UnknownStreamSink


class TargetShipStation(StoreTarget):
    """Writes ShipStation orders with credentials from the ledgerlink TokenStore."""

    name = "target-shipstation"
    provider = "shipstation"
    default_sink_class = UnknownStreamSink
    config_jsonschema = th.PropertiesList(*properties()).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.records = RunRecords()
        self._held_state: dict[str, Any] | None = None
        self._releasing = False
        self.report: RunReport | None = None
        super().__init__(*args, **kwargs)
        self.max_parallelism = 1  # the sinks share one RunRecords

    @override
    def get_sink_class(self, stream_name: str) -> type[Sink]:
        return QuickBooksSink if stream_name in STREAMS else UnknownStreamSink

    @override
    def _write_state_message(self, state: dict[str, Any]) -> None:
        if self._releasing:
            super()._write_state_message(state)
        else:
            self._held_state = state  # released once the orders are sent

    @override
    def process_endofpipe(self) -> None:
        super().process_endofpipe()
        self.report = self.order_run().execute(self.records)
        for line in self.report.lines():
            self.logger.info("%s", line)
        if self._held_state is not None:
            self._releasing = True
            self._write_state_message(self._held_state)

    def order_run(self) -> OrderRun:
        store_settings = StoreSettings.from_config(self.config)
        tenant = store_settings.tenant
        token_store = store_settings.store()
        connections = {c.provider: c for c in token_store.connections(tenant)}
        needs_realm = bool(self.records.invoices)
        realm = str(self.config.get("realm_id") or "")
        if not realm and "quickbooks" in connections:
            realm = connections["quickbooks"].account_id or ""
        if needs_realm and not realm:
            raise LedgerlinkError(
                f"The QuickBooks company of tenant '{tenant}' is unknown (orderKeys carry it): "
                f"meltano config set target-shipstation realm_id <realm id>, or connect "
                f"QuickBooks with: ledgerlink connect quickbooks --tenant {tenant}"
            )
        shipstation = connections.get("shipstation")
        connected = (shipstation.connected_at if shipstation else None) or datetime.now(UTC)
        settings = RunSettings.from_config(
            self.config,
            realm_id=realm or "unknown",
            connected_at=connected,
            store_id=self.config.get("store_id"),
        )
        tries = int(self.config.get("max_retries", 5)) + 1
        base = float(self.config.get("backoff_base_seconds", 1.0))

        def client() -> ShipStationClient:
            return ShipStationV1.for_tenant(
                tenant, store=token_store, backoff=Backoff(base=base, cap=60.0, max_tries=tries)
            )

        return OrderRun(
            settings,
            client,
            database_url=store_settings.database_url,
            run_id=os.environ.get("MELTANO_RUN_ID") or uuid.uuid4().hex,
        )


if __name__ == "__main__":
    TargetShipStation.cli()
