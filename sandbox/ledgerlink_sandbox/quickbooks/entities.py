"""The entity catalogue: names, kinds, Id sequences, key order and queryable properties.

Key order follows the recorded sandbox samples so serialised records read like real ones;
queryable properties follow the API reference's "filterable" marks (anything else is 4001).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["name_list", "transaction", "singleton"]
PropType = Literal["id", "string", "number", "date", "datetime", "bool", "ref", "email"]


@dataclass(frozen=True)
class Prop:
    path: str  # canonical dotted path, e.g. "MetaData.LastUpdatedTime"
    type: PropType

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


@dataclass(frozen=True)
class EntitySpec:
    name: str
    kind: Kind
    id_group: str  # entities sharing a group share one Id sequence
    key_order: tuple[str, ...]
    props: Mapping[str, Prop]  # lower-cased path -> Prop

    def prop(self, path: str) -> Prop | None:
        return self.props.get(path.lower())


_META = ("MetaData.CreateTime:datetime", "MetaData.LastUpdatedTime:datetime")
_PARTY_ORDER = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")


def _props(*specs: str) -> dict[str, Prop]:
    out: dict[str, Prop] = {"id": Prop("Id", "id")}
    for spec in (*specs, *_META):
        path, kind = spec.split(":")
        out[path.lower()] = Prop(path, kind)  # type: ignore[arg-type]
    return out


CUSTOMER = EntitySpec(
    "Customer",
    "name_list",
    "party",
    (
        "Taxable",
        "BillAddr",
        "ShipAddr",
        "Job",
        "BillWithParent",
        "ParentRef",
        "Level",
        "Balance",
        "BalanceWithJobs",
        "CurrencyRef",
        "PreferredDeliveryMethod",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
        *_PARTY_ORDER,
        "FullyQualifiedName",
        "CompanyName",
        "DisplayName",
        "PrintOnCheckName",
        "Active",
        "PrimaryPhone",
        "Mobile",
        "Fax",
        "PrimaryEmailAddr",
        "WebAddr",
        "Notes",
        "SalesTermRef",
        "PaymentMethodRef",
        "DefaultTaxCodeRef",
    ),
    _props(
        "DisplayName:string",
        "GivenName:string",
        "MiddleName:string",
        "FamilyName:string",
        "CompanyName:string",
        "FullyQualifiedName:string",
        "PrimaryEmailAddr:email",
        "Active:bool",
        "Balance:number",
        "Job:bool",
        "ParentRef:ref",
        "PrintOnCheckName:string",
    ),
)
VENDOR = EntitySpec(
    "Vendor",
    "name_list",
    "party",
    (
        "BillAddr",
        "Balance",
        "Vendor1099",
        "CurrencyRef",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
        *_PARTY_ORDER,
        "CompanyName",
        "DisplayName",
        "PrintOnCheckName",
        "Active",
        "PrimaryPhone",
        "PrimaryEmailAddr",
        "WebAddr",
        "AcctNum",
    ),
    _props(
        "DisplayName:string",
        "GivenName:string",
        "FamilyName:string",
        "CompanyName:string",
        "PrimaryEmailAddr:email",
        "Active:bool",
        "Balance:number",
    ),
)
EMPLOYEE = EntitySpec(
    "Employee",
    "name_list",
    "party",
    (
        "BillableTime",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
        *_PARTY_ORDER,
        "DisplayName",
        "PrintOnCheckName",
        "Active",
        "PrimaryPhone",
        "PrimaryEmailAddr",
        "EmployeeNumber",
        "HiredDate",
    ),
    _props("DisplayName:string", "GivenName:string", "FamilyName:string", "Active:bool"),
)
ITEM = EntitySpec(
    "Item",
    "name_list",
    "item",
    (
        "Name",
        "Description",
        "Active",
        "FullyQualifiedName",
        "Taxable",
        "UnitPrice",
        "Type",
        "IncomeAccountRef",
        "PurchaseCost",
        "TrackQtyOnHand",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
        "Sku",
    ),
    _props(
        "Name:string",
        "Active:bool",
        "Type:string",
        "Sku:string",
        "FullyQualifiedName:string",
        "UnitPrice:number",
    ),
)
TERM = EntitySpec(
    "Term",
    "name_list",
    "term",
    (
        "Name",
        "Active",
        "Type",
        "DueDays",
        "DiscountPercent",
        "DiscountDays",
        "DayOfMonthDue",
        "DueNextMonthDays",
        "DiscountDayOfMonth",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
    ),
    _props("Name:string", "Active:bool", "Type:string", "DueDays:number"),
)
INVOICE = EntitySpec(
    "Invoice",
    "transaction",
    "txn",
    (
        "AllowIPNPayment",
        "AllowOnlinePayment",
        "AllowOnlineCreditCardPayment",
        "AllowOnlineACHPayment",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
        "CustomField",
        "DocNumber",
        "TxnDate",
        "CurrencyRef",
        "PrivateNote",
        "LinkedTxn",
        "Line",
        "TxnTaxDetail",
        "CustomerRef",
        "CustomerMemo",
        "BillAddr",
        "ShipAddr",
        "SalesTermRef",
        "DueDate",
        "ShipDate",
        "TrackingNum",
        "TotalAmt",
        "ApplyTaxAfterDiscount",
        "PrintStatus",
        "EmailStatus",
        "BillEmail",
        "BillEmailCc",
        "BillEmailBcc",
        "DeliveryInfo",
        "Balance",
        "Deposit",
        "InvoiceLink",
    ),
    _props(
        "DocNumber:string",
        "TxnDate:date",
        "DueDate:date",
        "CustomerRef:ref",
        "Balance:number",
        "TotalAmt:number",
        "SalesTermRef:ref",
        "EmailStatus:string",
        "PrintStatus:string",
    ),
)
PAYMENT = EntitySpec(
    "Payment",
    "transaction",
    "txn",
    (
        "CustomerRef",
        "DepositToAccountRef",
        "PaymentMethodRef",
        "PaymentRefNum",
        "TotalAmt",
        "UnappliedAmt",
        "ProcessPayment",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
        "TxnDate",
        "CurrencyRef",
        "PrivateNote",
        "LinkedTxn",
        "Line",
    ),
    _props(
        "TotalAmt:number",
        "CustomerRef:ref",
        "TxnDate:date",
        "PaymentRefNum:string",
        "UnappliedAmt:number",
    ),
)
COMPANY_INFO = EntitySpec("CompanyInfo", "singleton", "companyinfo", (), _props())
PREFERENCES = EntitySpec("Preferences", "singleton", "preferences", (), _props())

ENTITIES: dict[str, EntitySpec] = {
    spec.name.lower(): spec
    for spec in (
        CUSTOMER,
        VENDOR,
        EMPLOYEE,
        ITEM,
        TERM,
        INVOICE,
        PAYMENT,
        COMPANY_INFO,
        PREFERENCES,
    )
}
# Entity names QBO knows but that CDC refuses (reference §1.5).
CDC_UNSUPPORTED = frozenset({"journalcode", "taxagency", "timeactivity", "taxcode", "taxrate"})
# Parties share the DisplayName namespace (6240).
PARTIES = ("Customer", "Vendor", "Employee")


def lookup(name: str) -> EntitySpec | None:
    return ENTITIES.get(name.lower())


def ordered(spec: EntitySpec, record: Mapping[str, object]) -> dict[str, object]:
    """Re-emit ``record`` in the spec's key order; unknown keys keep their order at the end."""
    out = {key: record[key] for key in spec.key_order if key in record}
    for key, value in record.items():
        if key not in out:
            out[key] = value
    return out
