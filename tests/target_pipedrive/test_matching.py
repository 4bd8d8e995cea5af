"""Matching never guesses: for any company, a customer is linked only to an organization that is
unambiguously theirs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from target_pipedrive.matching import How, OrgIndex, match, normalize_name

NAMES = ("Acme", "Blue Sky", "Cobalt & Co", "Delta")


def spelling(name: str) -> st.SearchStrategy[str]:
    """The name as people type it: any case, extra or missing spaces."""
    return st.sampled_from(
        [
            name,
            name.upper(),
            name.lower(),
            f"  {name} ",
            name.replace(" ", ""),
            name.replace(" ", "  "),
        ]
    )


@st.composite
def companies(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[int, str]]:
    orgs = []
    for org_id in range(1, draw(st.integers(0, 10)) + 1):
        name = draw(st.sampled_from(NAMES).flatmap(spelling))
        external = draw(st.one_of(st.none(), st.sampled_from(["1", "2", "3", "4"])))
        orgs.append({"id": org_id, "name": name, "qbo": external})
    claimed = draw(
        st.dictionaries(st.integers(1, 10), st.sampled_from(["1", "2", "3", "4"]), max_size=3)
    )
    return orgs, claimed


def external(org: Mapping[str, Any]) -> str | None:
    return org.get("qbo")


@given(companies(), st.sampled_from(["1", "2", "3", "4"]), st.sampled_from(NAMES).flatmap(spelling))
def test_matching_never_picks_an_ambiguous_candidate(
    company: tuple[list[dict[str, Any]], dict[int, str]], customer: str, name: str
) -> None:
    orgs, claimed = company
    index = OrgIndex.build(orgs, external, claimed)
    found = match(customer, name, None, index)
    by_id = {o["id"]: o for o in orgs}
    same_name = [o for o in orgs if normalize_name(o["name"]) == normalize_name(name)]
    carriers = [
        o for o in orgs if o["qbo"] == customer and claimed.get(o["id"]) in (None, customer)
    ]
    org_id = found.org_id
    if found.how is How.EXTERNAL_ID:
        assert org_id is not None and carriers == [by_id[org_id]]
    elif found.how is How.NAME:
        assert org_id is not None and not carriers
        assert same_name == [by_id[org_id]]
        assert by_id[org_id]["qbo"] in (None, customer)
        assert claimed.get(org_id) in (None, customer)
    elif found.how is How.AMBIGUOUS:
        assert found.org_id is None
        assert len(found.candidates) > 1
    else:
        assert found.how is How.CREATE
        assert not carriers
        assert len(same_name) <= 1


def test_a_claimed_organization_serves_one_customer() -> None:
    index = OrgIndex.build([{"id": 7, "name": "Acme"}], lambda org: None)
    first = match("1", "ACME", None, index)
    assert first.how is How.NAME and first.org_id == 7
    index.claim(7, "1")
    assert match("2", "acme", None, index).how is How.CREATE


def test_a_linked_customer_needs_no_listing() -> None:
    assert match("1", "Acme", 42, None).org_id == 42


def test_a_vanished_organization_is_matched_again() -> None:
    index = OrgIndex.build([{"id": 8, "name": "Acme", "qbo": "1"}], external)
    found = match("1", "Acme", 42, index)
    assert (found.how, found.org_id) == (How.EXTERNAL_ID, 8)
