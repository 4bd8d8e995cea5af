"""Static company data: CompanyInfo, Preferences, the sandbox Terms and the tax code.

Values mirror Intuit's US sandbox company ("Craig's Design and Landscaping Services"), with
the 2025 address change (ISO-3 ``Country``, no ``Lat``/``Long`` on company addresses).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .timefmt import pacific

Row = dict[str, Any]

USD = {"value": "USD", "name": "United States Dollar"}
DEFAULT_MEMO = "Thank you for your business and have a great day!"
CUSTOM_FIELDS = ({"DefinitionId": "1", "Name": "Crew #", "Type": "StringType"},)
DEFAULT_TERM_ID = "3"
UNDEPOSITED_FUNDS = {"value": "4", "name": "Undeposited Funds"}
SERVICES_INCOME = {"value": "1", "name": "Services"}
# TaxCode Id -> (TaxRate Id, percent). Code 2 is the sandbox's California rate.
TAX_CODES: dict[str, tuple[str, int]] = {"2": ("3", 8)}

# The five terms of a fresh sandbox company (reference §2.4): Id, Name, DueDays.
SANDBOX_TERMS = (
    ("1", "Due on receipt", 0),
    ("2", "Net 15", 15),
    ("3", "Net 30", 30),
    ("4", "Net 60", 60),
    ("5", "Net 10", 10),
)


def meta(created: datetime, updated: datetime | None = None) -> dict[str, str]:
    return {"CreateTime": pacific(created), "LastUpdatedTime": pacific(updated or created)}


def term_rows(at: datetime) -> list[Row]:
    return [
        {
            "Name": name,
            "Active": True,
            "Type": "STANDARD",
            "DueDays": days,
            "DiscountDays": 0,
            "domain": "QBO",
            "sparse": False,
            "Id": id_,
            "SyncToken": "0",
            "MetaData": meta(at),
        }
        for id_, name, days in SANDBOX_TERMS
    ]


def company_info(realm_id: str, name: str, at: datetime) -> Row:
    address = {
        "Id": "1",
        "Line1": "123 Sierra Way",
        "City": "San Pablo",
        "Country": "USA",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "87999",
    }
    return {
        "CompanyName": name,
        "LegalName": name,
        "CompanyAddr": address,
        "CustomerCommunicationAddr": address,
        "LegalAddr": address,
        "PrimaryPhone": {},
        "CompanyStartDate": at.date().replace(month=1, day=1).isoformat(),
        "FiscalYearStartMonth": "January",
        "Country": "US",
        "Email": {"Address": "noreply@quickbooks.com"},
        "WebAddr": {},
        "SupportedLanguages": "en",
        "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IndustryType", "Value": "Landscaping Services"},
            {"Name": "SubscriptionStatus", "Value": "SUBSCRIBED"},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            {"Name": "PayrollFeature", "Value": "false"},
            {"Name": "AccountantFeature", "Value": "false"},
            {"Name": "IsQbdtMigrated", "Value": "false"},
        ],
        "domain": "QBO",
        "sparse": False,
        "Id": "1",
        "SyncToken": "0",
        "MetaData": meta(at),
    }


def preferences(at: datetime) -> Row:
    return {
        "AccountingInfoPrefs": {
            "TrackDepartments": False,
            "ClassTrackingPerTxn": False,
            "ClassTrackingPerTxnLine": False,
            "CustomerTerminology": "Customers",
            "BookCloseDate": "",
        },
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityWithPriceAndRate": True,
            "QuantityOnHand": True,
        },
        "SalesFormsPrefs": {
            "CustomField": [
                {
                    "CustomField": [
                        {
                            "Name": "SalesFormsPrefs.UseSalesCustom1",
                            "Type": "BooleanType",
                            "BooleanValue": True,
                        },
                        {
                            "Name": "SalesFormsPrefs.SalesCustomName1",
                            "Type": "StringType",
                            "StringValue": "Crew #",
                        },
                    ]
                }
            ],
            "AllowDeposit": True,
            "AllowDiscount": True,
            "DefaultDiscountAccount": "86",
            "AllowEstimates": True,
            "AllowShipping": False,
            "AllowServiceDate": False,
            "ETransactionEnabledStatus": "NotApplicable",
            "DefaultCustomerMessage": DEFAULT_MEMO,
            "DefaultTerms": {"value": DEFAULT_TERM_ID},
            "CustomTxnNumbers": False,
            "AutoApplyCredit": True,
            "AutoApplyPayments": True,
            "PrintItemWithZeroAmount": False,
            "IPNSupportEnabled": False,
            "UsingProgressInvoicing": False,
            "UsingPriceLevels": False,
        },
        "EmailMessagesPrefs": {
            "InvoiceMessage": {
                "Subject": "Invoice [Invoice No.] from Craig's Design and Landscaping Services",
                "Message": "Dear [Name],\n\nWe appreciate your business. Please find your "
                "invoice details here. Feel free to contact us if you have any "
                "questions.\n\nHave a great day!\nCraig's Design and Landscaping "
                "Services",
            },
        },
        "VendorAndPurchasesPrefs": {"TrackingByCustomer": True, "BillableExpenseTracking": True},
        "TimeTrackingPrefs": {
            "UseServices": True,
            "BillCustomers": True,
            "ShowBillRateToAll": False,
            "WorkWeekStartDate": "Monday",
            "MarkTimeEntriesBillable": True,
        },
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": True},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {
            "NameValue": [
                {"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": DEFAULT_MEMO},
                {"Name": "DTXCopyMemo", "Value": "false"},
                {"Name": "UncategorizedAssetAccountId", "Value": "32"},
            ]
        },
        "domain": "QBO",
        "sparse": False,
        "Id": "1",
        "SyncToken": "0",
        "MetaData": meta(at),
    }
