"""QuickBooks addresses → ShipStation addresses.

QuickBooks keeps an address either structured (``Line1..5``, ``City``,
``CountrySubDivisionCode``, ``PostalCode``, ``Country``) or as free lines only, the last one
"City, ST  ZIP" and the first ones often the person's and company's names (Intuit's own samples
have both). Names come from the customer (``GivenName FamilyName`` or ``DisplayName``, company
``CompanyName``); lines repeating them are dropped; the rest become ``street1..3`` (extra lines
joined into ``street3``).

Countries become ISO-2 codes: ISO-2 as is, ISO-3 and the common English names of a small table,
empty → the tenant's ``default_country`` (QuickBooks US companies usually leave it empty).
Anything else is an error naming the invoice: ShipStation would refuse it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ledgerlink.shipstation.fields import ADDRESS_FIELD_MAX

JSON = dict[str, Any]

_CITY_STATE_ZIP = re.compile(
    r"^(?P<city>[^,]+?),?\s+(?P<state>[A-Za-z]{2})\s+(?P<zip>\d{5}(?:-\d{4})?|[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d)$"
)
_COUNTRIES = {
    "usa": "US", "united states": "US", "united states of america": "US", "u.s.a.": "US",
    "u.s.": "US", "can": "CA", "canada": "CA", "gbr": "GB", "united kingdom": "GB", "uk": "GB",
    "aus": "AU", "australia": "AU", "mex": "MX", "mexico": "MX", "deu": "DE", "germany": "DE",
    "fra": "FR", "france": "FR", "irl": "IE", "ireland": "IE", "nzl": "NZ", "new zealand": "NZ",
    "ind": "IN", "india": "IN", "esp": "ES", "spain": "ES", "ita": "IT", "italy": "IT",
    "nld": "NL", "netherlands": "NL", "jpn": "JP", "japan": "JP", "chn": "CN", "china": "CN",
}  # fmt: skip


class AddressProblem(ValueError):
    """An address ShipStation would refuse; the builder names the invoice."""


def country_code(raw: str | None, default: str) -> str:
    text = " ".join((raw or "").split())
    if not text:
        return default
    if len(text) == 2 and text.isalpha():
        return text.upper()
    code = _COUNTRIES.get(text.casefold())
    if code is None:
        raise AddressProblem(
            f"country {text!r} is not one ShipStation knows; use an ISO code such as US"
        )
    return code


def person_name(customer: Mapping[str, Any] | None) -> str | None:
    if not customer:
        return None
    given = " ".join(str(customer.get(k) or "").strip() for k in ("GivenName", "FamilyName"))
    name = " ".join(given.split()) or str(customer.get("DisplayName") or "").strip()
    return name or None


def _clip(value: str | None, field: str) -> str | None:
    if value is not None and len(value) > ADDRESS_FIELD_MAX:
        raise AddressProblem(
            f"address {field} is {len(value)} characters, over ShipStation's "
            f"{ADDRESS_FIELD_MAX}: {value[:40]!r}…"
        )
    return value


def is_usable(address: Mapping[str, Any] | None) -> bool:
    """Holds at least one line or a city/postal code (QuickBooks sends ``{"Id": "91"}`` too)."""
    if not isinstance(address, Mapping):
        return False
    keys = ("Line1", "Line2", "Line3", "Line4", "Line5", "City", "PostalCode")
    return any(str(address.get(k) or "").strip() for k in keys)


def convert(
    address: Mapping[str, Any],
    customer: Mapping[str, Any] | None,
    *,
    default_country: str,
    phone: str | None = None,
) -> JSON:
    name = person_name(customer)
    company = str((customer or {}).get("CompanyName") or "").strip() or None
    lines = [" ".join(str(address.get(f"Line{n}") or "").split()) for n in range(1, 6)]
    lines = [line for line in lines if line]
    city = str(address.get("City") or "").strip() or None
    state = str(address.get("CountrySubDivisionCode") or "").strip() or None
    postal = str(address.get("PostalCode") or "").strip() or None
    if city is None and postal is None and lines:
        parsed = _CITY_STATE_ZIP.match(lines[-1])
        if parsed:
            lines.pop()
            city, state, postal = parsed["city"].strip(), parsed["state"].upper(), parsed["zip"]
    known = {n.casefold() for n in (name, company) if n}
    if not name and lines and not any(ch.isdigit() for ch in lines[0]):
        name = lines.pop(0)  # a free-form block starting with the addressee
    streets = [line for line in lines if line.casefold() not in known]
    if len(streets) > 3:
        streets = [*streets[:2], ", ".join(streets[2:])]
    streets += [None] * (3 - len(streets))  # type: ignore[list-item]
    return {
        "name": _clip(name or company, "name"),
        "company": _clip(company, "company"),
        "street1": _clip(streets[0], "street1"),
        "street2": _clip(streets[1], "street2"),
        "street3": _clip(streets[2], "street3"),
        "city": _clip(city, "city"),
        "state": state,
        "postalCode": postal,
        "country": country_code(
            address.get("Country") or address.get("CountryCode"), default_country
        ),
        "phone": phone,
        "residential": None,  # unknown: ShipStation's validation decides
    }
