"""QBO business faults: one exception type plus constructors for the codes the emulator raises.

Texts follow the reference (§1.6) and the recorded batch sample, so clients that match on
``code``/``Message``/``Detail`` behave as they would against the real API.
"""

from __future__ import annotations

from typing import Any


class QboFault(Exception):
    """A ``Fault`` as QBO returns it. The HTTP layer turns it into ``{"Fault": ...}``."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str,
        *,
        element: str | None = None,
        status: int = 400,
        type: str = "ValidationFault",  # QBO's own field name
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.element = element
        self.type = type

    def to_fault(self) -> dict[str, Any]:
        """The ``Fault`` object (without the envelope ``time``)."""
        return {
            "Error": [
                {
                    "Message": self.message,
                    "Detail": self.detail,
                    "code": self.code,
                    "element": self.element or "",
                }
            ],
            "type": self.type,
        }


def parse_error(detail: str) -> QboFault:
    return QboFault("4000", "Error parsing query", f"QueryParserError: {detail}")


def invalid_query(detail: str) -> QboFault:
    return QboFault("4001", "Invalid query", f"QueryValidationError: {detail}")


def property_not_found(prop: str, entity: str) -> QboFault:
    return invalid_query(f"Property {prop} not found for Entity {entity}")


def not_found(entity: str | None = None) -> QboFault:
    # Deleted transactions and unknown ids both answer with the same 610 text.
    return QboFault(
        "610",
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees.",
        element=entity,
    )


def required_missing(field: str) -> QboFault:
    return QboFault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {field} is missing in the request.",
        element=field,
    )


def string_too_long(field: str, supplied: int, maximum: int) -> QboFault:
    return QboFault(
        "2050",
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. "
        f"Min:0 Max:{maximum} supplied length:{supplied}",
        element=field,
    )


def invalid_reference(field: str, value: str) -> QboFault:
    return QboFault(
        "2500", "Invalid Reference Id", f"Invalid Reference Id : {field} {value}", element=field
    )


def stale_object() -> QboFault:
    return QboFault(
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and root were working on this at the same time. "
        "root finished before you did, so your work was not saved.",
    )


def business_error(detail: str, element: str | None = None) -> QboFault:
    return QboFault(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        element=element,
    )


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QboFault:
    return QboFault(
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. "
        f"This number has already been used. DocNumber={doc_number} is assigned to "
        f"TxnType={txn_type} with TxnId={txn_id}",
    )


def duplicate_name(name: str) -> QboFault:
    return QboFault(
        "6240",
        "Duplicate Name Exists Error",
        "The name supplied already exists. : Another customer, vendor or employee is already "
        f"using this name. Please use a different name. Name={name}",
    )


def list_has_balance() -> QboFault:
    # ruckus/quickbooks-ruby #390 recorded message and detail; the numeric code is not recorded.
    return QboFault(
        "6250",
        "Delete List Has Balance Error",
        "The entity you are trying to delete has an open balance. : "
        "This customer cannot be deleted because it has a non-zero balance",
    )


def unsupported_operation(operation: str) -> QboFault:
    # Recorded live for void on Purchase/BillPayment (reference §1.3).
    return QboFault(
        "500",
        "Unsupported Operation",
        f"Operation {operation} is not supported.",
        element="Operation",
    )


def cdc_too_old(date_text: str) -> QboFault:
    # Only the text is recorded (Wish-Org/QuickBooksSharp #19); code and Message are our choice.
    return QboFault(
        "4000",
        "Error parsing query",
        f"Operation cdc with changedSince date {date_text} which is older than fixed days "
        "is not supported.",
    )


def request_rejected(message: str, detail: str, element: str | None = None) -> QboFault:
    """A generic request-level 400 (bad batch size, bad parameter ...)."""
    return QboFault("2010", message, detail, element=element)
