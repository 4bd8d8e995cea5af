"""What all streams of one tap run share: credentials (the foundation's TokenStore
authenticator), the company's limits and retry policy, the API base URL, the field definitions,
and whether the run stopped at the budget reserve."""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property

from ledgerlink.pipedrive.errors import PipedriveApiError
from ledgerlink.pipedrive.fields import FieldCatalog
from ledgerlink.pipedrive.limits import BudgetReserveReached, Limits, PipedriveRetry, Reserve
from ledgerlink.pipedrive.urls import company_base_url
from ledgerlink.retry import Backoff
from ledgerlink.singer.auth import TokenStoreAuthenticator
from ledgerlink.singer.http import TRANSIENT_EXCEPTIONS
from ledgerlink.singer.settings import StoreSettings
from ledgerlink.singer.urls import api_base_url
from tap_pipedrive.settings import PipedriveSettings

log = logging.getLogger(__name__)
# Reads one entity's field definitions from the API (its fields stream's pages).
DefinitionsReader = Callable[[], Iterable[dict[str, t.Any]]]


class TapSession:
    def __init__(self, config: Mapping[str, t.Any]) -> None:
        self.config = config
        self.settings = PipedriveSettings.from_config(config)
        store = StoreSettings.from_config(config)
        self.auth = TokenStoreAuthenticator(
            tenant=store.tenant, provider="pipedrive", store=store.store()
        )
        self.limits = Limits()
        self.limits.budget.reserve = Reserve.parse(self.settings.budget_reserve)
        tries = self.settings.max_retries + 1
        self.retry = PipedriveRetry(
            self.limits,
            backoff=Backoff(base=self.settings.backoff_base, max_tries=tries),
            burst_tries=tries,
            transient_exceptions=TRANSIENT_EXCEPTIONS,
        )
        self.page_size = self.settings.page_size
        self.readers: dict[str, DefinitionsReader] = {}
        self._definitions: dict[str, list[dict[str, t.Any]]] = {}
        self.stopped: BudgetReserveReached | None = None

    def reauthorize(self, error: PipedriveApiError) -> bool:
        """After a 401: True when a fresh OAuth token is in place; an API token's 401 stands."""
        return self.auth.reject()

    @cached_property
    def base_url(self) -> str:
        """The company's API base: the ``api_url`` setting, else the connection's (OAuth: the
        token answer's ``api_domain``; API token: ``https://<company_domain>.pipedrive.com``)."""
        creds = self.auth.credentials
        stored = company_base_url(creds.api_url, creds.account_id)
        return api_base_url(self.config, stored) + "/api/v2"

    def definitions(self, entity: str) -> list[dict[str, t.Any]]:
        """The entity's field definitions, fetched once per run by its fields stream."""
        if entity not in self._definitions:
            self._definitions[entity] = list(self.readers[entity]())
        return self._definitions[entity]

    def catalog(self, entity: str, reserved: t.Iterable[str]) -> FieldCatalog:
        return FieldCatalog(self.definitions(entity), reserved)

    def stop(self, reason: BudgetReserveReached, stream: str) -> None:
        if self.stopped is None:
            self.stopped = reason
            log.warning("Stream '%s': %s", stream, reason)
