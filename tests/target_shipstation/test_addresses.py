"""QuickBooks addresses → ShipStation: structured and free-form blocks, countries, limits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from target_shipstation.addresses import AddressProblem, convert, country_code

CUSTOMER = {"GivenName": "Mark", "FamilyName": "Cho", "DisplayName": "Mark Cho"}


def test_recorded_free_form_block_with_the_customers_name() -> None:
    block = {"Id": "91", "Line1": "Mark Cho", "Line2": "36 Willow Rd",
             "Line3": "Menlo Park, CA  94304", "Lat": "37.38", "Long": "-122.18"}  # fmt: skip
    assert convert(block, CUSTOMER, default_country="US") == {
        "name": "Mark Cho", "company": None, "street1": "36 Willow Rd", "street2": None,
        "street3": None, "city": "Menlo Park", "state": "CA", "postalCode": "94304",
        "country": "US", "phone": None, "residential": None,
    }  # fmt: skip


def test_without_customer_the_first_line_names_the_addressee() -> None:
    block = {"Line1": "Jane Roe", "Line2": "Suite 4", "Line3": "1 Main St",
             "Line4": "Line four", "Line5": "Toronto, ON M5V 2T6"}  # fmt: skip
    address = convert(block, None, default_country="US")
    assert (address["name"], address["street1"], address["street2"], address["street3"]) == (
        "Jane Roe", "Suite 4", "1 Main St", "Line four")  # fmt: skip
    assert (address["city"], address["state"], address["postalCode"]) == (
        "Toronto", "ON", "M5V 2T6")  # fmt: skip


def test_countries() -> None:
    assert [country_code(c, "US") for c in ("USA", "us", "", None, "Canada", "GBR")] == [
        "US", "US", "US", "US", "CA", "GB"]  # fmt: skip
    with pytest.raises(AddressProblem, match="country 'Freedonia'"):
        country_code("Freedonia", "US")


def test_fields_over_the_limit_are_refused() -> None:
    with pytest.raises(AddressProblem, match="address street1 is 120 characters"):
        convert({"Line1": "9 " + "x" * 118, "City": "Oakland"}, CUSTOMER, default_country="US")


words = st.text(alphabet="abcdefghij KLMNOP", min_size=1, max_size=30).map(str.strip).filter(bool)
streets = st.lists(st.builds("{} {}".format, st.integers(1, 9999), words), min_size=1,
                   max_size=3)  # fmt: skip


@given(lines=streets, city=words, state=st.sampled_from(["CA", "NY", "TX"]),
       postal=st.from_regex(r"\d{5}", fullmatch=True),
       country=st.sampled_from([None, "USA", "US", "United States"]))  # fmt: skip
def test_structured_addresses_keep_every_street_line(
    lines: list[str], city: str, state: str, postal: str, country: str | None
) -> None:
    raw: dict[str, Any] = {f"Line{n}": line for n, line in enumerate(lines, start=1)}
    raw.update(City=city, CountrySubDivisionCode=state, PostalCode=postal, Country=country)
    address = convert(raw, CUSTOMER, default_country="US")
    streets_out = [address[k] for k in ("street1", "street2", "street3") if address[k]]
    assert streets_out == [" ".join(line.split()) for line in lines]
    assert (address["city"], address["state"], address["postalCode"], address["country"]) == (
        city, state, postal, "US")  # fmt: skip
    assert address["name"] == "Mark Cho"
