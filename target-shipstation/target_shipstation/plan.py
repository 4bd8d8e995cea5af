"""What the target does with one invoice, given what the mapping already says: the decision the
sinks carry out, kept pure so every combination is tested.

- Never twice: an invoice with a committed order (``created``/``updated``) is never created
  again; one whose send was interrupted (``submitting``) or failed is sent again under the same
  orderKey, which ShipStation treats as an update.
- Unchanged invoice → nothing sent (the body's digest equals the last one sent).
- Changed while its order is open → update; voided or deleted while open → cancel; either after
  the order shipped (or was cancelled in ShipStation) → left alone and flagged for a person.
- A payment reversed after ordering (the invoice waits again) → flagged, never silently undone.
- History: an invoice before the cutoff with no order is held back (counted, never sent).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ledgerlink.shiprule import Release

LOCKED_STATUSES = frozenset({"shipped", "cancelled"})
COMMITTED_STATES = frozenset({"created", "updated"})


class Action(enum.Enum):
    CREATE = "create"  # write-ahead row, then upsert
    UPDATE = "update"  # upsert the new body (read-modify-write of the open order)
    CANCEL = "cancel"  # cancel the open order
    NOOP = "noop"  # nothing changed
    WAIT = "wait"  # keep (or put) in pending_invoices
    RESOLVE = "resolve"  # voided/deleted before any order: resolve pending, nothing to cancel
    SKIP = "skip"  # never ships (zero total under ship_on: paid)
    HOLD = "hold"  # before the history cutoff: counted and reported, never sent
    FLAG = "flag"  # a change ShipStation can no longer take: audited for a person


@dataclass(frozen=True)
class Mapped:
    """The invoice's ``invoice_order_map`` row, as far as the decision needs it."""

    state: str  # submitting | created | updated | cancelled | failed
    order_status: str | None  # ShipStation's status as last sent or read
    payload_digest: str | None


def plan(mapped: Mapped | None, release: Release, digest: str | None, admitted: bool) -> Action:
    """``digest`` is the new order body's (None when no body was built); ``admitted`` is the
    history cutoff's verdict."""
    if mapped is None:
        if not admitted:
            return Action.HOLD
        return {
            Release.SHIP: Action.CREATE,
            Release.ORDER_UNPAID: Action.CREATE,
            Release.WAIT: Action.WAIT,
            Release.CANCEL: Action.RESOLVE,
            Release.SKIP: Action.SKIP,
        }[release]
    locked = mapped.state == "cancelled" or mapped.order_status in LOCKED_STATUSES
    sent = mapped.state in COMMITTED_STATES or locked
    if release is Release.CANCEL:
        if mapped.state == "cancelled" or mapped.order_status == "cancelled":
            return Action.NOOP
        if locked:
            return Action.FLAG  # shipped already: the goods are gone
        return Action.CANCEL if sent or mapped.state == "submitting" else Action.RESOLVE
    if release in (Release.WAIT, Release.SKIP):
        # An order exists (or may: an interrupted send) for an invoice that no longer ships.
        if sent or mapped.state == "submitting":
            return Action.FLAG
        return Action.WAIT if release is Release.WAIT else Action.SKIP
    if not sent:
        return Action.CREATE  # interrupted or failed: the same orderKey again, an upsert
    if digest is not None and digest == mapped.payload_digest:
        return Action.NOOP
    return Action.FLAG if locked else Action.UPDATE
