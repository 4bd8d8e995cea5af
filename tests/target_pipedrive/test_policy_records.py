"""The field policies over whole records: for any QuickBooks customer, any current organization
and any policy configuration, no filled field is cleared unless configured."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.pipedrive.fields import ADDRESS_SUBFIELDS
from target_pipedrive import diff
from target_pipedrive.fieldmap import OrgFields, resolve
from target_pipedrive.mapping import MappingConfig, Policy, default_fields
from target_pipedrive.values import is_empty

BUILTINS: list[dict[str, Any]] = [
    {"field_code": "name", "field_name": "Name", "field_type": "varchar"},
    {"field_code": "address", "field_name": "Address", "field_type": "address"},
    {"field_code": "website", "field_name": "Website", "field_type": "varchar"},
]
CUSTOM_TYPES = {
    "Shipping Address": "address",
    "Email": "varchar",
    "Phone": "phone",
    "Payment Terms": "varchar",
    "QuickBooks Balance": "monetary",
    "Currency": "varchar",
    "QuickBooks Status": "enum",
    "QuickBooks Customer ID": "varchar",
}
DEFINITIONS: list[dict[str, Any]] = [
    *BUILTINS,
    *(
        {
            "field_code": f"c{n}",
            "field_name": name,
            "field_type": kind,
            "is_custom_field": True,
            "options": [{"id": 1, "label": "Active"}, {"id": 2, "label": "Inactive"}]
            if kind == "enum"
            else None,
        }
        for n, (name, kind) in enumerate(CUSTOM_TYPES.items())
    ),
]

text = st.one_of(st.none(), st.just(""), st.just(" "), st.text(min_size=1, max_size=8))
qbo_address = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {}, optional={"Line1": text, "City": text, "PostalCode": text, "Country": text}
    ),
)
records = st.fixed_dictionaries(
    {"Id": st.sampled_from(["1", "2", "3"])},
    optional={
        "DisplayName": text,
        "CompanyName": text,
        "BillAddr": qbo_address,
        "ShipAddr": qbo_address,
        "PrimaryEmailAddr": st.fixed_dictionaries({}, optional={"Address": text}),
        "PrimaryPhone": st.fixed_dictionaries({}, optional={"FreeFormNumber": text}),
        "WebAddr": st.fixed_dictionaries({}, optional={"URI": text}),
        "SalesTermRef": st.fixed_dictionaries({}, optional={"name": text, "value": text}),
        "Balance": st.one_of(st.none(), st.floats(-1e6, 1e6), st.integers(-10, 10)),
        "CurrencyRef": st.fixed_dictionaries({}, optional={"value": text}),
        "Active": st.one_of(st.none(), st.booleans()),
    },
)
pd_address = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"value": text}, optional={"locality": text, "route": text, "formatted_address": text}
    ),
)
current_values: dict[str, st.SearchStrategy[Any]] = {
    "varchar": text,
    "phone": text,
    "address": pd_address,
    "monetary": st.one_of(
        st.none(),
        st.fixed_dictionaries({"value": st.one_of(st.none(), st.integers()), "currency": text}),
    ),
    "enum": st.one_of(st.none(), st.sampled_from([1, 2])),
}


@st.composite
def organizations(draw: st.DrawFn) -> dict[str, Any]:
    org: dict[str, Any] = {"id": 1, "custom_fields": {}}
    for definition in DEFINITIONS:
        value = draw(current_values[str(definition["field_type"])])
        if definition.get("is_custom_field"):
            org["custom_fields"][definition["field_code"]] = value
        else:
            org[str(definition["field_code"])] = value
    return org


@st.composite
def configurations(draw: st.DrawFn) -> OrgFields:
    entries = []
    for mapping in default_fields():
        policy = draw(st.sampled_from(list(Policy)))
        clear = policy is Policy.OVERWRITE and draw(st.booleans())
        entries.append({"field": mapping.field, "policy": policy.value, "clear_when_empty": clear})
    fields = resolve(MappingConfig.parse({"organization_fields": entries}), DEFINITIONS).fields
    assert fields is not None
    return fields


@given(configurations(), records, organizations())
def test_no_filled_field_is_cleared_unless_configured(
    fields: OrgFields, record: dict[str, Any], org: dict[str, Any]
) -> None:
    current = fields.current(org)
    changes = diff.plan(fields.rules, fields.desired(record), current)
    rules = fields.rules
    for key, change in changes.items():
        assert rules[key].policy is not Policy.NEVER
        if is_empty(change.after):
            assert rules[key].clear_when_empty and not is_empty(current[key])
        if not is_empty(current[key]):
            assert rules[key].policy is Policy.OVERWRITE
    body = fields.body(diff.values(changes))
    sent = {
        **{k: v for k, v in body.items() if k != "custom_fields"},
        **body.get("custom_fields", {}),
    }
    assert set(sent) == set(changes)
    for key, value in sent.items():
        if key in ("address", "c0") and value is not None:  # addresses go whole
            assert set(value) == set(ADDRESS_SUBFIELDS)
