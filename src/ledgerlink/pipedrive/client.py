"""The Pipedrive operations ledgerlink's plugins need, typed, over ``transport.PipedriveHttp``.

v2 for organizations, persons, deals and field definitions; v1 only for notes, which have no v2
endpoint (reference §0, §1.10). Lists are read 500 per page: a page costs 10 tokens whatever
its size, so matching reads all organizations once instead of searching per record (20 tokens
each, reference §7).

    client = PipedriveClient.for_tenant("acme", reserve=Reserve.parse(0.25))
    for org in client.organizations(): ...
    client.patch_organization(7, {"name": "Acme"})
    print(client.usage().describe())
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from ledgerlink.pipedrive.errors import PipedriveApiError
from ledgerlink.pipedrive.limits import Limits, Reserve
from ledgerlink.pipedrive.transport import PipedriveHttp, Usage, is_not_found
from ledgerlink.retry import Backoff
from ledgerlink.tokens import HeldCredential, TokenStore

V2 = "/api/v2"
V1 = "/api/v1"
# Pipedrive refuses more keys than this in a list's ``custom_fields`` filter (reference §1.3).
MAX_CUSTOM_FIELD_FILTER = 15


class PipedriveClient:
    def __init__(self, http: PipedriveHttp) -> None:
        self.http = http

    @classmethod
    def for_tenant(
        cls,
        tenant: str,
        *,
        store: TokenStore | None = None,
        base_url: str | None = None,
        reserve: Reserve | None = None,
        limits: Limits | None = None,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> PipedriveClient:
        """A client for the tenant's Pipedrive connection; ``base_url`` overrides the host the
        connection stored (tests, proxies)."""
        credential = HeldCredential(store or TokenStore(), tenant, "pipedrive")
        return cls(
            PipedriveHttp(
                credential,
                base_url=base_url,
                reserve=reserve,
                limits=limits,
                backoff=backoff,
                transport=transport,
                timeout=timeout,
            )
        )

    # -- organizations ---------------------------------------------------------------------
    def organizations(self, custom_fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every organization of the company, with its custom fields (all of them, or only
        ``custom_fields`` when there are at most 15: smaller pages, same cost)."""
        params: dict[str, Any] = {}
        if custom_fields and len(custom_fields) <= MAX_CUSTOM_FIELD_FILTER:
            params["custom_fields"] = ",".join(custom_fields)
        for page in self.http.pages(f"{V2}/organizations", params):
            yield from page

    def organization(self, org_id: int) -> dict[str, Any] | None:
        """One organization, or ``None`` when it does not exist (any more)."""
        try:
            return _data(self.http.request("GET", f"{V2}/organizations/{org_id}"))
        except PipedriveApiError as error:
            if is_not_found(error):
                return None
            raise

    def create_organization(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return _data(self.http.request("POST", f"{V2}/organizations", body=body))

    def patch_organization(self, org_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        return _data(self.http.request("PATCH", f"{V2}/organizations/{org_id}", body=body))

    # -- field definitions -----------------------------------------------------------------
    def organization_fields(self) -> list[dict[str, Any]]:
        return self.fields("organization")

    def fields(self, entity: str) -> list[dict[str, Any]]:
        """The field definitions of ``organization``, ``person`` or ``deal``."""
        return [f for page in self.http.pages(f"{V2}/{entity}Fields") for f in page]

    def create_organization_field(
        self, name: str, field_type: str, options: Sequence[str] = ()
    ) -> dict[str, Any]:
        return self.create_field("organization", name, field_type, options)

    def create_field(
        self, entity: str, name: str, field_type: str, options: Sequence[str] = ()
    ) -> dict[str, Any]:
        """A new custom field; ``options`` are the labels of an enum or set field."""
        body: dict[str, Any] = {"field_name": name, "field_type": field_type}
        if options:
            body["options"] = [{"label": label} for label in options]
        return _data(self.http.request("POST", f"{V2}/{entity}Fields", body=body))

    # -- persons ---------------------------------------------------------------------------
    def persons(self, org_id: int | None = None) -> Iterator[dict[str, Any]]:
        params = {"org_id": org_id} if org_id is not None else {}
        for page in self.http.pages(f"{V2}/persons", params):
            yield from page

    def person(self, person_id: int) -> dict[str, Any] | None:
        """One person, or ``None`` when it does not exist (any more)."""
        try:
            return _data(self.http.request("GET", f"{V2}/persons/{person_id}"))
        except PipedriveApiError as error:
            if is_not_found(error):
                return None
            raise

    def search_persons_by_email(self, email: str) -> list[dict[str, Any]]:
        """Persons whose email is exactly ``email`` (case-insensitive), as search items
        (``id``, ``name``, ``emails``, ``organization``). 20 tokens: for single look-ups only."""
        answer = self.http.request(
            "GET",
            f"{V2}/persons/search",
            params={"term": email, "fields": "email", "exact_match": "true", "limit": 100},
        )
        items = (answer.get("data") or {}).get("items") or []
        return [dict(i["item"]) for i in items if isinstance(i, dict) and "item" in i]

    def create_person(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return _data(self.http.request("POST", f"{V2}/persons", body=body))

    def patch_person(self, person_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        return _data(self.http.request("PATCH", f"{V2}/persons/{person_id}", body=body))

    # -- deals and notes -------------------------------------------------------------------
    def deals(
        self, *, org_id: int | None = None, custom_fields: Sequence[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The deals (of one organization), with all or some (at most 15) custom fields."""
        params: dict[str, Any] = {"org_id": org_id}
        if custom_fields and len(custom_fields) <= MAX_CUSTOM_FIELD_FILTER:
            params["custom_fields"] = ",".join(custom_fields)
        for page in self.http.pages(f"{V2}/deals", params):
            yield from page

    def create_deal(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return _data(self.http.request("POST", f"{V2}/deals", body=body))

    def patch_deal(self, deal_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        return _data(self.http.request("PATCH", f"{V2}/deals/{deal_id}", body=body))

    def deal(self, deal_id: int) -> dict[str, Any] | None:
        """One deal, or ``None`` when it does not exist (any more) or was deleted."""
        try:
            found = _data(self.http.request("GET", f"{V2}/deals/{deal_id}"))
        except PipedriveApiError as error:
            if is_not_found(error):
                return None
            raise
        return None if found.get("is_deleted") else found

    def deal_notes(self, deal_id: int) -> Iterator[dict[str, Any]]:
        """The deal's notes (v1, offset pages of 500), oldest first."""
        start = 0
        while True:
            answer = self.http.request(
                "GET",
                f"{V1}/notes",
                params={"deal_id": deal_id, "start": start, "limit": 500, "sort": "id ASC"},
            )
            yield from (n for n in answer.get("data") or [] if isinstance(n, dict))
            more = ((answer.get("additional_data") or {}).get("pagination")) or {}
            if not more.get("more_items_in_collection") or more.get("next_start") is None:
                return
            start = int(more["next_start"])

    def create_note(
        self,
        content: str,
        *,
        deal_id: int | None = None,
        org_id: int | None = None,
        person_id: int | None = None,
        add_time: str | None = None,
    ) -> dict[str, Any]:
        """A note (v1: notes have no v2 endpoint). ``content`` is HTML: escape what is not
        meant as markup. ``add_time`` is ``YYYY-MM-DD HH:MM:SS`` UTC."""
        targets = {"deal_id": deal_id, "org_id": org_id, "person_id": person_id}
        if all(v is None for v in targets.values()):
            raise ValueError("a note needs a deal_id, org_id or person_id")
        body = {"content": content, "add_time": add_time, **targets}
        clean = {k: v for k, v in body.items() if v is not None}
        return _data(self.http.request("POST", f"{V1}/notes", body=clean))

    # -- accounting ------------------------------------------------------------------------
    def usage(self) -> Usage:
        return self.http.usage()

    def pace_for(self, concurrent: int) -> None:
        """Requests will be sent by ``concurrent`` threads at once: pause them all while that
        many requests could still be left in the burst window (answers in flight have not
        told the window about themselves yet)."""
        self.http.limits.burst.in_flight(concurrent)

    @property
    def limits(self) -> Limits:
        return self.http.limits

    def close(self) -> None:
        self.http.close()


def _data(answer: Mapping[str, Any]) -> dict[str, Any]:
    data = answer.get("data")
    return dict(data) if isinstance(data, Mapping) else {}
