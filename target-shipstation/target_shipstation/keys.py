"""The two identities of an order: ``orderKey`` (idempotency) and ``orderNumber`` (for people).

orderKey = ``qbo-{realm id}-{invoice id}``: stable when the DocNumber is edited, unique per
QuickBooks company, and what makes createorder an upsert (a resend updates instead of
duplicating). Longer than 50 characters (never with QuickBooks' ids) it becomes
``qbo-`` + 46 hex digits of its SHA-256.

orderNumber = ``QB-{tenant}-{DocNumber}``, at most 50 characters:
- an invoice without DocNumber is numbered by its id: ``QB-{tenant}-id{invoice id}``;
- when the number would exceed 50 characters (tenant names may have 63), the DocNumber is kept
  whole and the tenant is cut, followed by ``~`` and 6 hex digits of its SHA-256, so two long
  tenants sharing a prefix still get different numbers: ``QB-{tenant[:k]}~{hash6}-{DocNumber}``.
"""

from __future__ import annotations

import hashlib

from ledgerlink.shipstation.fields import ORDER_KEY_MAX, ORDER_NUMBER_MAX

PREFIX = "QB"
_HASH_DIGITS = 6


def _digest(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


def order_key(realm_id: str, invoice_id: str) -> str:
    realm, ident = str(realm_id).strip(), str(invoice_id).strip()
    if not realm or not ident:
        raise ValueError("an orderKey needs the realm id and the invoice id")
    key = f"qbo-{realm}-{ident}"
    if len(key) <= ORDER_KEY_MAX:
        return key
    return "qbo-" + _digest(key, ORDER_KEY_MAX - 4)


def doc_part(doc_number: str | None, invoice_id: str) -> str:
    doc = " ".join((doc_number or "").split())
    return doc if doc else f"id{str(invoice_id).strip()}"


def order_number(tenant: str, doc_number: str | None, invoice_id: str) -> str:
    doc = doc_part(doc_number, invoice_id)
    number = f"{PREFIX}-{tenant}-{doc}"
    if len(number) <= ORDER_NUMBER_MAX:
        return number
    room = ORDER_NUMBER_MAX - len(PREFIX) - 2 - len(doc)  # the two dashes
    kept = room - 1 - _HASH_DIGITS  # "~" and the digest
    if kept < 1:
        raise ValueError(
            f"DocNumber {doc!r} is too long for a ShipStation order number "
            f"({ORDER_NUMBER_MAX} characters with the QB-{{tenant}}- prefix)"
        )
    return f"{PREFIX}-{tenant[:kept]}~{_digest(tenant, _HASH_DIGITS)}-{doc}"
