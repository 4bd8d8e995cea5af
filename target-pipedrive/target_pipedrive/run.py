"""What the sinks of one target run share: the settings, the tenant, one Pipedrive client (one
token budget, one burst pacer, one usage count), the organization sync and the run report.

Built when the target starts, so a mapping the settings cannot express fails before the first
record; the client makes no request until a record needs one (an empty input costs nothing).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from functools import cached_property
from typing import Any, Protocol

from ledgerlink import audit, db
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.pipedrive.limits import Reserve
from ledgerlink.retry import Backoff
from ledgerlink.singer.settings import StoreSettings
from target_pipedrive import store
from target_pipedrive.contacts import ContactSync
from target_pipedrive.fieldsetup import FieldSetup
from target_pipedrive.mapping import MappingConfig
from target_pipedrive.organizations import STREAM as CUSTOMERS
from target_pipedrive.organizations import OrganizationSync
from target_pipedrive.report import RunReport
from target_pipedrive.settings import TargetSettings


class PipedriveRun:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.settings = TargetSettings.from_config(config)
        self.store = StoreSettings.from_config(config)
        self.tenant = self.store.tenant
        self.database_url = self.store.database_url
        self.mapping = MappingConfig.parse(self.settings.mapping_settings(config))
        # Meltano's run id ties the audit rows to the pipeline run that wrote them.
        self.run_id = os.environ.get("MELTANO_RUN_ID") or uuid.uuid4().hex
        self.report = RunReport(self.run_id)
        self.loads_customers = False  # a customers sink exists (set by the sink)
        self._retries_taken = False

    @property
    def stopped(self) -> bool:
        return self.report.stopped is not None

    @cached_property
    def client(self) -> PipedriveClient:
        settings = self.settings
        client = PipedriveClient.for_tenant(
            self.tenant,
            store=self.store.store(),
            base_url=settings.api_url,
            reserve=Reserve.parse(settings.budget_reserve),
            backoff=Backoff(base=settings.backoff_base, max_tries=settings.max_retries + 1),
            timeout=settings.timeout,
        )
        client.pace_for(settings.writers)
        return client

    @cached_property
    def organizations(self) -> OrganizationSync:
        """One per run: the organization listing is read at most once, whatever the batches."""
        setup = FieldSetup(
            self.client,
            self.tenant,
            self.mapping,
            database_url=self.database_url,
            max_age_seconds=self.settings.field_cache_seconds,
            dry_run=self.settings.dry_run,
        )
        return OrganizationSync(
            self.client,
            self.tenant,
            self.mapping,
            run_id=self.run_id,
            dry_run=self.settings.dry_run,
            database_url=self.database_url,
            field_setup=setup,
            writers=self.settings.writers,
        )

    @cached_property
    def contacts(self) -> ContactSync:
        """One per run: the persons listing is read at most once."""
        return ContactSync(
            self.client,
            self.tenant,
            run_id=self.run_id,
            dry_run=self.settings.dry_run,
            database_url=self.database_url,
        )

    def with_retries(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``records`` and, the first time only, the customers queued for this run
        (``ledgerlink.audit.to_retry``): a replay a person asked for (``ledgerlink replay
        customer``) is compared with what its organization holds now, not with what was last
        pushed, so whatever differs is written; a record newer than the queued one wins."""
        if self._retries_taken:
            return records
        self._retries_taken = True
        with db.connection(self.database_url) as conn:
            queued = audit.to_retry(conn, self.tenant, CUSTOMERS)
            if not self.settings.dry_run:
                for retry in queued:
                    if retry.replay:
                        store.save_last_pushed(conn, self.tenant, retry.source_key, {})
        present = {str(r.get("Id")) for r in records}
        extra = [r.record for r in queued if r.source_key not in present]
        return [*records, *extra]

    def report_lines(self) -> list[str]:
        used = "client" in self.__dict__  # no client, no request: nothing to count
        return self.report.lines(self.client.usage() if used else None)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()


class HasRun(Protocol):
    """The target, as its sinks see it."""

    run: PipedriveRun
