"""Customers merged in QuickBooks: the loser's mapping is marked inactive and points at the
survivor, whose organization then holds its money; nothing is deleted in Pipedrive.

How a merge reaches the target: QuickBooks merges two customers when one is renamed to the
other's exact name; the loser is then deactivated (customers are never deleted, reference §1.1)
and shown as ``<name> (deleted)``, the suffix QuickBooks gives deleted list entries (reference
§1.1 observes it on accounts; on customers it is unverified), and its transactions move to the
survivor (tap-quickbooks re-emits them with the survivor's ``CustomerRef``). So a customer that
arrives inactive and named ``X (deleted)`` is a merge loser when exactly one other linked,
active customer was last written as ``X``; otherwise it is an ordinary deactivation (its status
field is set, nothing else changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from target_pipedrive import ledger
from target_pipedrive.matching import normalize_name
from target_pipedrive.store import AuditEntry, Connection, OrgMapping

SUFFIX = " (deleted)"
STREAM = "customers"


def former_name(record: Mapping[str, Any]) -> str | None:
    """The name a deactivated ``X (deleted)`` customer was merged under, else ``None``."""
    name = str(record.get("DisplayName") or "").strip()
    if record.get("Active") is not False or not name.endswith(SUFFIX):
        return None
    return name.removesuffix(SUFFIX).strip() or None


@dataclass(frozen=True)
class Outcome:
    entries: list[AuditEntry]  # one per record this module decided
    handled: set[str]  # customers that take no further part in the run


def apply(
    conn: Connection,
    tenant: str,
    records: Iterable[Mapping[str, Any]],
    mappings: Mapping[str, OrgMapping],
    *,
    dry_run: bool,
) -> Outcome:
    """Re-point merge losers to their survivor; skip customers merged earlier."""
    entries: list[AuditEntry] = []
    handled: set[str] = set()
    by_name: dict[str, list[OrgMapping]] = {}
    for m in mappings.values():
        name = m.last_pushed.get("name")
        if m.linked and m.active and isinstance(name, str):
            by_name.setdefault(normalize_name(name), []).append(m)
    for record in records:
        customer = str(record.get("Id") or "").strip()
        mapping = mappings.get(customer)
        if not customer:
            continue
        if mapping is not None and mapping.state == "merged":
            handled.add(customer)
            reason = f"merged into customer {mapping.merged_into} in QuickBooks"
            entries.append(AuditEntry(STREAM, customer, "skip", changed={"reason": reason}))
            continue
        name = former_name(record)
        if name is None:
            continue
        survivors = [
            m for m in by_name.get(normalize_name(name), []) if m.qbo_customer_id != customer
        ]
        if len(survivors) != 1:
            continue  # no survivor known (or several): an ordinary deactivation
        survivor = survivors[0]
        handled.add(customer)
        before = mapping.pipedrive_org_id if mapping is not None else None
        changed = {
            "merged_into": survivor.qbo_customer_id,
            "organization": {"before": before, "after": survivor.pipedrive_org_id},
        }
        if not dry_run:
            mark_merged(conn, tenant, customer, survivor.qbo_customer_id)
            ledger.mark_dirty(conn, tenant, {customer, survivor.qbo_customer_id})
        target = str(survivor.pipedrive_org_id)
        entries.append(AuditEntry(STREAM, customer, "update", target, changed))
    return Outcome(entries, handled)


def mark_merged(conn: Connection, tenant: str, customer: str, survivor: str) -> None:
    conn.execute(
        """
        INSERT INTO customer_org_map (tenant, qbo_customer_id, pipedrive_org_id, state,
            match_method, active, merged_into)
        VALUES (%s, %s, NULL, 'merged', NULL, false, %s)
        ON CONFLICT (tenant, qbo_customer_id) DO UPDATE SET
            pipedrive_org_id = NULL, state = 'merged', active = false,
            merged_into = EXCLUDED.merged_into, updated_at = now()
        """,
        (tenant, customer, survivor),
    )
