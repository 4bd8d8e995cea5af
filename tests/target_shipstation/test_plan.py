"""The decision per invoice against its mapping: exactly once, updates, cancels, flags."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.shiprule import Release
from target_shipstation.payments import payment_dates
from target_shipstation.plan import Action, Mapped, plan

OPEN = Mapped("created", "awaiting_shipment", "d1")
SHIPPED = Mapped("updated", "shipped", "d1")


@pytest.mark.parametrize(
    ("mapped", "release", "digest", "admitted", "expected"),
    [
        (None, Release.SHIP, "d1", True, Action.CREATE),
        (None, Release.SHIP, "d1", False, Action.HOLD),  # history: never sent
        (None, Release.ORDER_UNPAID, "d1", True, Action.CREATE),
        (None, Release.WAIT, None, True, Action.WAIT),
        (None, Release.CANCEL, None, True, Action.RESOLVE),
        (None, Release.SKIP, None, True, Action.SKIP),
        (OPEN, Release.SHIP, "d1", True, Action.NOOP),  # a rerun with nothing changed
        (OPEN, Release.SHIP, "d1", False, Action.NOOP),  # ordered before the cutoff moved
        (OPEN, Release.SHIP, "d2", True, Action.UPDATE),  # changed while open
        (Mapped("created", "awaiting_payment", "d1"), Release.SHIP, "d2", True, Action.UPDATE),
        (OPEN, Release.CANCEL, None, True, Action.CANCEL),  # voided while open
        (SHIPPED, Release.SHIP, "d2", True, Action.FLAG),  # changed after shipping
        (SHIPPED, Release.SHIP, "d1", True, Action.NOOP),
        (SHIPPED, Release.CANCEL, None, True, Action.FLAG),  # voided after shipping
        (Mapped("cancelled", "cancelled", "d1"), Release.CANCEL, None, True, Action.NOOP),
        (Mapped("submitting", None, None), Release.SHIP, "d1", True, Action.CREATE),  # resend
        (Mapped("failed", None, "d0"), Release.SHIP, "d1", True, Action.CREATE),  # retried
        (Mapped("submitting", None, None), Release.CANCEL, None, True, Action.CANCEL),
        (Mapped("failed", None, None), Release.CANCEL, None, True, Action.RESOLVE),
        (OPEN, Release.WAIT, None, True, Action.FLAG),  # a payment reversed after ordering
        (Mapped("failed", None, None), Release.WAIT, None, True, Action.WAIT),
    ],
)  # fmt: skip
def test_decisions(
    mapped: Mapped | None, release: Release, digest: str | None, admitted: bool, expected: Action
) -> None:
    assert plan(mapped, release, digest, admitted) is expected


mappings = st.one_of(
    st.none(),
    st.builds(
        Mapped,
        st.sampled_from(["submitting", "created", "updated", "cancelled", "failed"]),
        st.sampled_from([None, "awaiting_payment", "awaiting_shipment", "on_hold", "shipped",
                         "cancelled"]),
        st.sampled_from([None, "d1", "d2"]),
    ),
)  # fmt: skip


@given(mapped=mappings, release=st.sampled_from(list(Release)),
       digest=st.sampled_from([None, "d1", "d2"]), admitted=st.booleans())  # fmt: skip
def test_plan_properties(
    mapped: Mapped | None, release: Release, digest: str | None, admitted: bool
) -> None:
    action = plan(mapped, release, digest, admitted)
    committed = mapped is not None and mapped.state in ("created", "updated", "cancelled")
    # Never a second order for an invoice whose order is committed.
    assert not (committed and action is Action.CREATE)
    # Shipped or cancelled orders are never written.
    locked = mapped is not None and (
        mapped.state == "cancelled" or mapped.order_status in ("shipped", "cancelled")
    )
    assert not (locked and action in (Action.UPDATE, Action.CANCEL, Action.CREATE))
    # An unchanged body is never sent again.
    if committed and mapped is not None and digest is not None and digest == mapped.payload_digest:
        assert action not in (Action.CREATE, Action.UPDATE)
    # History is held back only when no order exists; nothing is sent for held-back invoices.
    assert (action is Action.HOLD) == (mapped is None and not admitted)
    # Only invoices released to ship get created.
    if action is Action.CREATE:
        assert release in (Release.SHIP, Release.ORDER_UNPAID)


def test_payment_dates() -> None:
    def payment(day: str, *invoices: str, **extra: object) -> dict[str, object]:
        lines = [{"Amount": 1, "LinkedTxn": [{"TxnId": i, "TxnType": "Invoice"}]}
                 for i in invoices]  # fmt: skip
        return {"TxnDate": day, "Line": lines, **extra}

    payments = [
        payment("2026-03-02", "12"),
        payment("2026-03-09", "12", "13"),
        payment("2026-03-20", "12", status="Deleted"),
        payment("2026-03-21", "12", _sdc_deleted_at="2026-03-22T00:00:00Z"),
        payment("2026-03-30", "120"),
    ]
    # One pass over the payments: each invoice's latest live payment; "14" was never paid.
    assert payment_dates(payments) == {
        "12": date(2026, 3, 9), "13": date(2026, 3, 9), "120": date(2026, 3, 30)}  # fmt: skip
