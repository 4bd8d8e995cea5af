"""What the business does in the sandbox during the main job, through the providers' APIs with
the tenant's own credentials (QuickBooks writes, a Pipedrive deal) and ShipStation's sandbox admin
endpoints (a warehouse shipping an order in two parts, which no V1 endpoint does)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from ledgerlink.config import Provider
from ledgerlink.errors import LedgerlinkError
from ledgerlink.pipedrive.client import PipedriveClient
from ledgerlink.quickbooks.client import QboClient
from ledgerlink.tokens import TokenStore

# The demo company's "Due on receipt" term (QuickBooks term Id 1 in every sandbox seed).
DUE_ON_RECEIPT = "1"
NEW_CUSTOMER = "Larkspur Tea Roasters"
UNITS = 2  # shipped one at a time: "1/2 Shipped", then "Shipped"


@dataclass(frozen=True)
class NewInvoice:
    invoice_id: str
    doc_number: str
    total: Decimal
    customer_id: str


class Business:
    """The tenant's staff, customers and warehouse, acting in the sandbox."""

    def __init__(self, tenant: str, store: TokenStore | None = None) -> None:
        self.tenant = tenant
        self.store = store or TokenStore()
        self.http = httpx.Client(timeout=30)

    def close(self) -> None:
        self.http.close()

    def _post(self, provider: Provider, path: str, body: dict[str, Any]) -> dict[str, Any]:
        creds = self.store.credentials(self.tenant, provider)
        response = self.http.post(
            creds.api_url.rstrip("/") + path,
            json=body,
            headers=creds.headers() | {"Accept": "application/json"},
        )
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def _qbo(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        realm = self.store.credentials(self.tenant, "quickbooks").account_id
        answer = self._post("quickbooks", f"/v3/company/{realm}/{entity.lower()}", body)
        created: dict[str, Any] = answer[entity]
        return created

    def new_customer(self) -> str:
        """The bookkeeper adds a customer in QuickBooks; its Id."""
        address = {
            "Line1": "12 Orchard Row",
            "City": "Portland",
            "CountrySubDivisionCode": "OR",
            "PostalCode": "97205",
            "Country": "US",
        }
        customer = self._qbo(
            "Customer",
            {
                "DisplayName": NEW_CUSTOMER,
                "CompanyName": NEW_CUSTOMER,
                "PrimaryEmailAddr": {"Address": "orders@larkspur.example"},
                "PrimaryPhone": {"FreeFormNumber": "(503) 555-0142"},
                "BillAddr": address,
                "ShipAddr": address,
            },
        )
        return str(customer["Id"])

    def new_deal(self, org_id: int) -> int:
        """The salesperson opens a deal on the new organization in Pipedrive; its id."""
        client = PipedriveClient.for_tenant(self.tenant, store=self.store)
        try:
            deal = client.create_deal({"title": f"{NEW_CUSTOMER}: first order", "org_id": org_id})
        finally:
            client.close()
        return int(deal["id"])

    def due_on_receipt_invoice(self, customer_id: str) -> NewInvoice:
        """The bookkeeper invoices the customer: UNITS of a product, Due on receipt."""
        item = self._product()
        price = Decimal(str(item.get("UnitPrice") or "25"))
        total = price * UNITS
        invoice = self._qbo(
            "Invoice",
            {
                "CustomerRef": {"value": customer_id},
                "SalesTermRef": {"value": DUE_ON_RECEIPT},
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": float(total),
                        "SalesItemLineDetail": {
                            "ItemRef": {"value": str(item["Id"])},
                            "Qty": UNITS,
                            "UnitPrice": float(price),
                        },
                    }
                ],
            },
        )
        return NewInvoice(
            str(invoice["Id"]),
            str(invoice.get("DocNumber") or ""),
            Decimal(str(invoice["TotalAmt"])),
            customer_id,
        )

    def _product(self) -> dict[str, Any]:
        client = QboClient.for_tenant(self.tenant, store=self.store)
        try:
            items = client.query("SELECT * FROM Item", "Item")
        finally:
            client.close()
        # Goods that ship (the demo company sells no Inventory items; Services never ship).
        goods = [i for i in items if i.get("Type") in ("Inventory", "NonInventory")]
        if not goods:
            raise LedgerlinkError("The QuickBooks company has no product that ships")
        return min(goods, key=lambda i: int(i["Id"]))

    def pay(self, invoice: NewInvoice) -> str:
        """The customer pays the invoice in full; the Payment's Id."""
        payment = self._qbo(
            "Payment",
            {
                "CustomerRef": {"value": invoice.customer_id},
                "TotalAmt": float(invoice.total),
                "Line": [
                    {
                        "Amount": float(invoice.total),
                        "LinkedTxn": [{"TxnId": invoice.invoice_id, "TxnType": "Invoice"}],
                    }
                ],
            },
        )
        return str(payment["Id"])

    def time_passes(self, seconds: float) -> None:
        """The sandbox's clock (one for the three services) moves on: QuickBooks changes younger
        than the tap's settle time are read by the next run only."""
        base = self.store.credentials(self.tenant, "quickbooks").api_url.rstrip("/")
        self.http.post(f"{base}/_sandbox/clock", json={"advance": seconds}).raise_for_status()

    def ship_one_unit(self, order_id: int) -> str:
        """The warehouse ships one unit of the order (a label); its tracking number."""
        creds = self.store.credentials(self.tenant, "shipstation")
        base = creds.api_url.rstrip("/")
        order = self.http.get(f"{base}/orders/{order_id}", headers=creds.headers())
        order.raise_for_status()
        [line] = [i for i in order.json()["items"] if not i.get("adjustment")]
        label = {"items": [{"orderItemId": line["orderItemId"], "quantity": 1}]}
        answer = self._post(
            "shipstation", f"/_sandbox/orders/{order_id}/shipments", {"shipments": [label]}
        )
        return str(answer["shipments"][0].get("trackingNumber") or "")
