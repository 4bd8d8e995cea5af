"""What the HTTP layer needs from a realm store (the contract with ``store.RealmStore``).

Typing against this Protocol keeps the HTTP surface independent of the store's internals. Store
methods raise ``ledgerlink_sandbox.quickbooks.faults.QboFault`` for business errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol


class ChangeLike(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def entity(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def operation(self) -> str: ...  # Create | Update | Delete | Void | Merge
    @property
    def at(self) -> datetime: ...


class RealmStoreLike(Protocol):
    realm_id: str
    settings: Any

    def load(self, dataset: Any) -> None: ...
    def query(self, text: str, *, include: set[str]) -> dict[str, Any]: ...
    def read(self, entity: str, id: str, *, include: set[str]) -> dict[str, Any]: ...
    def write(
        self,
        entity: str,
        body: dict[str, Any],
        *,
        operation: str | None,
        include: set[str],
        request_id: str | None,
    ) -> dict[str, Any]: ...
    def cdc(
        self, entities: list[str], changed_since: str, *, include: frozenset[str] = ...
    ) -> Any: ...
    def batch(
        self, items: list[dict[str, Any]], *, request_id: str | None
    ) -> list[dict[str, Any]]: ...
    def invoice_pdf(self, id: str) -> bytes: ...
    def company_info(self) -> dict[str, Any]: ...
    def preferences(self) -> dict[str, Any]: ...
    def changes_since(self, seq: int) -> Sequence[ChangeLike]: ...
