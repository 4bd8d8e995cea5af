"""Field policies and diffing, for any source record and any current organization."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.pipedrive.fields import ADDRESS_SUBFIELDS
from target_pipedrive import diff
from target_pipedrive.mapping import Policy
from target_pipedrive.policy import Rule, Write, decide
from target_pipedrive.values import convert, is_empty, same

TYPES = ("varchar", "text", "double", "monetary", "address", "enum", "phone", "date")

texts = st.one_of(st.none(), st.just(""), st.just("  "), st.text(max_size=12))
numbers = st.one_of(st.none(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True))
addresses = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "Line1": texts,
            "City": texts,
            "CountrySubDivisionCode": texts,
            "PostalCode": texts,
            "Country": texts,
        },
    ),
)


def raw_value(kind: str) -> st.SearchStrategy[Any]:
    if kind in ("double", "monetary"):
        return numbers
    if kind == "address":
        return addresses
    if kind == "enum":
        return st.one_of(st.none(), st.integers(1, 5))
    return texts


@st.composite
def field_case(draw: st.DrawFn) -> tuple[Rule, Any, Any]:
    """A rule, what QuickBooks says and what Pipedrive holds, in Pipedrive's value shapes."""
    kind = draw(st.sampled_from(TYPES))
    policy = draw(st.sampled_from(list(Policy)))
    clear = draw(st.booleans()) and policy is Policy.OVERWRITE
    rule = Rule(policy, clear, kind)

    def value() -> Any:
        raw = draw(raw_value(kind))
        return raw if kind == "enum" else convert(kind, raw, currency="USD")

    return rule, value(), value()


@given(field_case())
def test_a_filled_field_is_only_cleared_when_configured(case: tuple[Rule, Any, Any]) -> None:
    rule, desired, current = case
    write = decide(rule, desired, current)
    if write is not None and is_empty(write.value):
        assert not is_empty(current)
        assert rule.policy is Policy.OVERWRITE and rule.clear_when_empty
        assert is_empty(desired)
    if write is not None and not is_empty(current):
        assert rule.policy is Policy.OVERWRITE  # fill_if_empty never touches a filled field
    if rule.policy is Policy.NEVER:
        assert write is None


@given(field_case())
def test_what_is_written_is_what_quickbooks_says(case: tuple[Rule, Any, Any]) -> None:
    rule, desired, current = case
    write = decide(rule, desired, current)
    if write is not None and not is_empty(write.value):
        assert write == Write(desired)
        assert not same(rule.type, desired, current)


@st.composite
def records(draw: st.DrawFn) -> tuple[dict[str, Rule], dict[str, Any], dict[str, Any]]:
    keys = draw(st.lists(st.sampled_from("abcdefgh"), unique=True, min_size=1, max_size=8))
    rules: dict[str, Rule] = {}
    desired: dict[str, Any] = {}
    current: dict[str, Any] = {}
    for key in keys:
        rule, wanted, held = draw(field_case())
        rules[key] = rule
        if draw(st.booleans()):
            desired[key] = wanted
        if draw(st.booleans()):
            current[key] = held
    return rules, desired, current


@given(records())
def test_diffing_after_applying_a_diff_yields_nothing(
    case: tuple[dict[str, Rule], dict[str, Any], dict[str, Any]],
) -> None:
    rules, desired, baseline = case
    changes = diff.plan(rules, desired, baseline)
    assert diff.plan(rules, desired, diff.applied(baseline, changes)) == {}


@given(records())
def test_a_plan_holds_only_fields_that_change(
    case: tuple[dict[str, Rule], dict[str, Any], dict[str, Any]],
) -> None:
    rules, desired, baseline = case
    for key, change in diff.plan(rules, desired, baseline).items():
        assert not same(rules[key].type, change.after, baseline.get(key))


def test_an_address_is_written_whole() -> None:
    address = convert(
        "address",
        {"Line1": "1 Main St", "City": "Austin", "CountrySubDivisionCode": "TX"},
        currency=None,
    )
    assert address is not None and set(address) == set(ADDRESS_SUBFIELDS)
    assert {k: v for k, v in address.items() if v is not None} == {
        "value": "1 Main St, Austin, TX",
        "locality": "Austin",
        "admin_area_level_1": "TX",
    }
    # Pipedrive's own geocoded subfields are not a difference.
    held = {**address, "formatted_address": "1 Main St, Austin, TX 78701, USA", "route": "Main"}
    assert (
        diff.plan(
            {"address": Rule(Policy.OVERWRITE, type="address")},
            {"address": address},
            {"address": held},
        )
        == {}
    )
