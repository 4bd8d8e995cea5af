"""Which organization is a QuickBooks customer's: matched in order, never guessed.

1. ``customer_org_map``: a linked mapping whose organization still exists;
2. the external-id custom field ("QuickBooks Customer ID"): exactly one organization carries
   the customer's Id (two or more: ambiguous);
3. the exact name, ignoring case and whitespace: only when exactly one organization has it and
   that organization carries no other QuickBooks Id and is not linked to another customer;
   several organizations with the name: ambiguous, with the candidates;
4. otherwise: create.

All look-ups run against an ``OrgIndex`` built from one paged listing of the company's
organizations per run, never a search request per customer (reference §7). Organizations linked
or created during the run are claimed in the index, so one organization never serves two
customers and a customer seen twice is not created twice.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class How(enum.StrEnum):
    MAPPED = "mapped"
    EXTERNAL_ID = "external_id"
    NAME = "name"
    CREATE = "create"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Match:
    how: How
    org_id: int | None = None
    candidates: tuple[int, ...] = ()


def normalize_name(name: str) -> str:
    """Case- and whitespace-insensitive form of a name (compatibility forms folded too)."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass
class OrgIndex:
    """The company's organizations, by id, external id and normalized name."""

    orgs: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    by_external_id: dict[str, list[int]] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    external_ids: dict[int, str] = field(default_factory=dict)
    claimed: dict[int, str] = field(default_factory=dict)  # org id → QuickBooks customer Id

    @classmethod
    def build(
        cls,
        orgs: Iterable[Mapping[str, Any]],
        external_id: Callable[[Mapping[str, Any]], str | None],
        claimed: Mapping[int, str] | None = None,
    ) -> OrgIndex:
        """``external_id`` reads the QuickBooks Id an organization carries; ``claimed`` are the
        organizations already linked to customers (from ``customer_org_map``)."""
        index = cls(claimed=dict(claimed or {}))
        for org in orgs:
            if org.get("is_deleted"):
                continue
            index.add(org, external_id(org))
        return index

    def add(self, org: Mapping[str, Any], external_id: str | None) -> None:
        org_id = int(org["id"])
        self.orgs[org_id] = org
        if external_id:
            self.external_ids[org_id] = external_id
            self.by_external_id.setdefault(external_id, []).append(org_id)
        name = normalize_name(str(org.get("name") or ""))
        if name:
            self.by_name.setdefault(name, []).append(org_id)

    def claim(self, org_id: int, customer_id: str) -> None:
        self.claimed[org_id] = customer_id

    def free_for(self, org_id: int, customer_id: str) -> bool:
        """Not linked to another customer and carrying no other QuickBooks Id."""
        owner = self.claimed.get(org_id)
        carried = self.external_ids.get(org_id)
        return owner in (None, customer_id) and carried in (None, customer_id)


def match(
    customer_id: str,
    name: str | None,
    mapped_org_id: int | None,
    index: OrgIndex | None,
) -> Match:
    """The customer's organization. ``index`` may be ``None`` only when ``mapped_org_id`` is set
    (a linked customer needs no listing); without an index the mapping is trusted."""
    if mapped_org_id is not None and (index is None or mapped_org_id in index.orgs):
        return Match(How.MAPPED, mapped_org_id)
    if index is None:
        raise ValueError("matching an unlinked customer needs the organization index")
    carriers = [
        o
        for o in index.by_external_id.get(customer_id, [])
        if index.claimed.get(o) in (None, customer_id)
    ]
    if len(carriers) == 1:
        return Match(How.EXTERNAL_ID, carriers[0])
    if len(carriers) > 1:
        return Match(How.AMBIGUOUS, candidates=tuple(sorted(carriers)))
    same_name = index.by_name.get(normalize_name(name or ""), []) if name else []
    if len(same_name) > 1:
        return Match(How.AMBIGUOUS, candidates=tuple(sorted(same_name)))
    if len(same_name) == 1 and index.free_for(same_name[0], customer_id):
        return Match(How.NAME, same_name[0])
    return Match(How.CREATE)
