"""orderKey and orderNumber: deterministic, within ShipStation's 50 characters, documented
fallbacks for an empty DocNumber and a long tenant."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from target_shipstation.keys import order_key, order_number

tenants = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,62}", fullmatch=True)
docs = st.from_regex(r"[0-9A-Za-z/\-]{0,21}", fullmatch=True)
ids = st.integers(min_value=1, max_value=10**12).map(str)
realms = st.integers(min_value=10**9, max_value=10**19 - 1).map(str)


def test_examples() -> None:
    assert order_number("acme", "1042", "130") == "QB-acme-1042"
    assert order_number("acme", " 1042 ", "130") == "QB-acme-1042"
    assert order_number("acme", "", "130") == "QB-acme-id130"
    assert order_number("acme", None, "130") == "QB-acme-id130"
    long_tenant = "a-very-long-tenant-name-for-a-company-with-many-words"
    number = order_number(long_tenant, "INV-2026-000123", "5")
    assert len(number) == 50
    assert re.fullmatch(r"QB-[a-z-]+~[0-9a-f]{6}-INV-2026-000123", number)
    assert number != order_number(long_tenant + "x", "INV-2026-000123", "5")
    assert number.startswith("QB-a-very-long-tenant-") and number.endswith("-INV-2026-000123")
    assert order_key("9341455649204247", "130") == "qbo-9341455649204247-130"
    with pytest.raises(ValueError, match="too long"):
        order_number("acme", "9" * 60, "1")


@given(tenant=tenants, doc=docs, ident=ids)
def test_order_numbers_fit_and_keep_the_doc_number(tenant: str, doc: str, ident: str) -> None:
    number = order_number(tenant, doc, ident)
    assert len(number) <= 50 and number.startswith("QB-")
    assert number.endswith(f"-{doc}" if doc else f"-id{ident}")
    assert number == order_number(tenant, doc, ident)


@given(tenant=tenants, a=docs, b=docs)
def test_distinct_doc_numbers_give_distinct_order_numbers(tenant: str, a: str, b: str) -> None:
    if a and b and a != b:
        assert order_number(tenant, a, "1") != order_number(tenant, b, "1")


@given(t1=tenants, t2=tenants, doc=docs.filter(bool))
def test_distinct_tenants_give_distinct_order_numbers(t1: str, t2: str, doc: str) -> None:
    if t1 != t2:
        assert order_number(t1, doc, "1") != order_number(t2, doc, "1")


@given(realm=realms, ident=ids, other=ids)
def test_order_keys(realm: str, ident: str, other: str) -> None:
    key = order_key(realm, ident)
    assert len(key) <= 50 and key == order_key(realm, ident)
    assert (key == order_key(realm, other)) == (ident == other)
