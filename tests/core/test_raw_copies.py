"""Each tenant's raw copies get a PostgreSQL schema of their own, whatever the tenant's name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink import raw_copies

TENANTS = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,62}", fullmatch=True)


def test_a_short_name_is_the_load_schema_and_the_tenant() -> None:
    assert raw_copies.schema("raw_quickbooks", "acme") == "raw_quickbooks_acme"
    assert raw_copies.schema("raw_pipedrive", "beta-co") == "raw_pipedrive_beta-co"
    assert raw_copies.load_schema_variable("tap-quickbooks") == "TAP_QUICKBOOKS__LOAD_SCHEMA"


@given(TENANTS, TENANTS)
def test_every_tenant_fits_postgresql_and_two_tenants_never_share_a_schema(a: str, b: str) -> None:
    first, second = (raw_copies.schema("raw_quickbooks", t) for t in (a, b))
    assert len(first.encode()) <= raw_copies.MAX_IDENTIFIER
    assert (first == second) == (a == b)
