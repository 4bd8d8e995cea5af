"""Stream schemas: every field of the recorded real records and the sandbox's rows (reference §2,
``quickbooks-samples/``), typed. Money is ``number`` (parsed as Decimal, never float), dates
without a zone are ``date``, ``MetaData`` stamps are ``date-time``. Every stream also carries
``updated_at`` (``MetaData.LastUpdatedTime`` in UTC: the replication key), ``_sdc_deleted_at``
(set on CDC tombstones and voided transactions) and ``status`` (``"Deleted"`` on tombstones).
"""

from __future__ import annotations

from typing import Any

from singer_sdk import typing as th

P = th.Property
S, N, I, B = th.StringType, th.NumberType, th.IntegerType, th.BooleanType  # noqa: E741
DT, D = th.DateTimeType, th.DateType


def ref() -> th.ObjectType:
    return th.ObjectType(P("value", S), P("name", S), P("type", S))


def address() -> th.ObjectType:
    lines = [P(f"Line{n}", S) for n in range(1, 6)]
    return th.ObjectType(
        P("Id", S),
        *lines,
        P("City", S),
        P("Country", S),
        P("CountryCode", S),
        P("CountrySubDivisionCode", S),
        P("PostalCode", S),
        P("Lat", S),  # "INVALID" in sandbox data, so a string
        P("Long", S),
    )


def linked_txn() -> th.ArrayType[Any]:
    return th.ArrayType(th.ObjectType(P("TxnId", S), P("TxnType", S), P("TxnLineId", S)))


def email() -> th.ObjectType:
    return th.ObjectType(P("Address", S))


def phone() -> th.ObjectType:
    return th.ObjectType(P("FreeFormNumber", S))


META = P("MetaData", th.ObjectType(P("CreateTime", DT), P("LastUpdatedTime", DT)))
CURRENCY = P("CurrencyRef", ref())
CUSTOM_FIELDS = P(
    "CustomField",
    th.ArrayType(
        th.ObjectType(P("DefinitionId", S), P("Name", S), P("Type", S), P("StringValue", S))
    ),
)


def common(*fields: th.Property[Any]) -> th.PropertiesList:
    """Fields every stream has, then the entity's own."""
    return th.PropertiesList(
        P("Id", S, required=True),
        P("SyncToken", S),
        P("domain", S),
        P("sparse", B),
        P("status", S, description='"Deleted" on CDC tombstones'),
        META,
        P("updated_at", DT, description="MetaData.LastUpdatedTime in UTC (replication key)"),
        P("_sdc_deleted_at", DT, description="Deletion (tombstone) or void time; else null"),
        *fields,
    )


_SALES_ITEM = th.ObjectType(
    P("ItemRef", ref()),
    P("Qty", N),
    P("UnitPrice", N),
    P("TaxCodeRef", ref()),
    P("ServiceDate", D),
    P("ClassRef", ref()),
    P("ItemAccountRef", ref()),
    P("DiscountRate", N),
    P("DiscountAmt", N),
    P("TaxInclusiveAmt", N),
)
_DISCOUNT = th.ObjectType(
    P("PercentBased", B),
    P("DiscountPercent", N),
    P("DiscountAccountRef", ref()),
    P("TaxCodeRef", ref()),
    P("ClassRef", ref()),
)
_GROUP = th.ObjectType(
    P("GroupItemRef", ref()),
    P("Quantity", N),
    # Nested lines of a bundle: the sales-item shape, kept one level deep.
    P(
        "Line",
        th.ArrayType(
            th.ObjectType(
                P("Id", S),
                P("LineNum", I),
                P("Description", S),
                P("Amount", N),
                P("DetailType", S),
                P("SalesItemLineDetail", _SALES_ITEM),
            )
        ),
    ),
)
_LINE_EX = th.ObjectType(
    P(
        "any",
        th.ArrayType(
            th.ObjectType(
                P("name", S),
                P("declaredType", S),
                P("scope", S),
                P("value", th.ObjectType(P("Name", S), P("Value", S))),
                P("nil", B),
                P("globalScope", B),
                P("typeSubstituted", B),
            )
        ),
    )
)
INVOICE_LINE = th.ObjectType(
    P("Id", S),
    P("LineNum", I),
    P("Description", S),
    P("Amount", N),
    P("DetailType", S),
    P("LinkedTxn", linked_txn()),
    P("SalesItemLineDetail", _SALES_ITEM),
    P("SubTotalLineDetail", th.ObjectType(P("ItemRef", ref()))),
    P("DiscountLineDetail", _DISCOUNT),
    P("DescriptionLineDetail", th.ObjectType(P("ServiceDate", D), P("TaxCodeRef", ref()))),
    P("GroupLineDetail", _GROUP),
)
PAYMENT_LINE = th.ObjectType(P("Amount", N), P("LinkedTxn", linked_txn()), P("LineEx", _LINE_EX))
TAX_DETAIL = th.ObjectType(
    P("TxnTaxCodeRef", ref()),
    P("TotalTax", N),
    P(
        "TaxLine",
        th.ArrayType(
            th.ObjectType(
                P("Amount", N),
                P("DetailType", S),
                P(
                    "TaxLineDetail",
                    th.ObjectType(
                        P("TaxRateRef", ref()),
                        P("PercentBased", B),
                        P("TaxPercent", N),
                        P("NetAmountTaxable", N),
                        P("TaxInclusiveAmount", N),
                        P("OverrideDeltaAmount", N),
                    ),
                ),
            )
        ),
    ),
)

CUSTOMER = common(
    P("Title", S),
    P("GivenName", S),
    P("MiddleName", S),
    P("FamilyName", S),
    P("Suffix", S),
    P("DisplayName", S),
    P("FullyQualifiedName", S),
    P("CompanyName", S),
    P("PrintOnCheckName", S),
    P("Active", B),
    P("Taxable", B),
    P("Job", B),
    P("BillWithParent", B),
    P("ParentRef", ref()),
    P("Level", I),
    P("Balance", N),
    P("BalanceWithJobs", N),
    CURRENCY,
    P("PreferredDeliveryMethod", S),
    P("PrimaryEmailAddr", email()),
    P("PrimaryPhone", phone()),
    P("Mobile", phone()),
    P("Fax", phone()),
    P("AlternatePhone", phone()),
    P("WebAddr", th.ObjectType(P("URI", S))),
    P("BillAddr", address()),
    P("ShipAddr", address()),
    P("Notes", S),
    P("SalesTermRef", ref()),
    P("PaymentMethodRef", ref()),
    P("DefaultTaxCodeRef", ref()),
    P("CustomerTypeRef", ref()),
    P("ResaleNum", S),
    P("V4IDPseudonym", S),
)

INVOICE = common(
    P("DocNumber", S),
    P("TxnDate", D),
    P("DueDate", D),
    P("ShipDate", D),
    P("TrackingNum", S),
    P("ShipMethodRef", ref()),
    P("CustomerRef", ref()),
    P("SalesTermRef", ref()),
    P("ProjectRef", ref()),
    P("RecurDataRef", ref()),
    P("ClassRef", ref()),
    P("DepartmentRef", ref()),
    P("Line", th.ArrayType(INVOICE_LINE)),
    P("TxnTaxDetail", TAX_DETAIL),
    P("TotalAmt", N),
    P("HomeTotalAmt", N),
    P("Balance", N),
    P("HomeBalance", N),
    P("Deposit", N),
    CURRENCY,
    P("ExchangeRate", N),
    P("BillEmail", email()),
    P("BillEmailCc", email()),
    P("BillEmailBcc", email()),
    P("EmailStatus", S),
    P("PrintStatus", S),
    P("DeliveryInfo", th.ObjectType(P("DeliveryType", S), P("DeliveryTime", DT))),
    P("LinkedTxn", linked_txn()),
    CUSTOM_FIELDS,
    P("BillAddr", address()),
    P("ShipAddr", address()),
    P("ShipFromAddr", address()),
    P("PrivateNote", S),
    P("CustomerMemo", th.ObjectType(P("value", S))),
    P("ApplyTaxAfterDiscount", B),
    P("AllowIPNPayment", B),
    P("AllowOnlinePayment", B),
    P("AllowOnlineCreditCardPayment", B),
    P("AllowOnlineACHPayment", B),
    P("InvoiceLink", S, description="Online payment link (include=invoiceLink)"),
)

PAYMENT = common(
    P("TxnDate", D),
    P("CustomerRef", ref()),
    P("TotalAmt", N),
    P("UnappliedAmt", N),
    P("ProcessPayment", B),
    P("PaymentMethodRef", ref()),
    P("PaymentRefNum", S),
    P("DepositToAccountRef", ref()),
    P("ARAccountRef", ref()),
    CURRENCY,
    P("ExchangeRate", N),
    P("PrivateNote", S),
    P("TxnStatus", S),
    P("LinkedTxn", linked_txn()),
    P("Line", th.ArrayType(PAYMENT_LINE)),
    P(
        "CreditCardPayment",
        th.ObjectType(
            P("CreditChargeInfo", th.ObjectType(P("ProcessPayment", B), P("Amount", N))),
            P("CreditChargeResponse", th.ObjectType(P("Status", S), P("CCTransId", S))),
        ),
    ),
)

ITEM = common(
    P("Name", S),
    P("Sku", S),
    P("Description", S),
    P("PurchaseDesc", S),
    P("Active", B),
    P("FullyQualifiedName", S),
    P("Taxable", B),
    P("SalesTaxIncluded", B),
    P("UnitPrice", N),
    P("Type", S),
    P("IncomeAccountRef", ref()),
    P("ExpenseAccountRef", ref()),
    P("AssetAccountRef", ref()),
    P("PurchaseCost", N),
    P("TrackQtyOnHand", B),
    P("QtyOnHand", N),
    P("InvStartDate", D),
    P("SubItem", B),
    P("ParentRef", ref()),
    P("Level", I),
)

TERM = common(
    P("Name", S),
    P("Active", B),
    P("Type", S),
    P("DueDays", I),
    P("DiscountPercent", N),
    P("DiscountDays", I),
    P("DayOfMonthDue", I),
    P("DueNextMonthDays", I),
    P("DiscountDayOfMonth", I),
)
