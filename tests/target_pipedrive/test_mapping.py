"""The mapping configuration: defaults, overrides, mistakes named, values converted."""

from __future__ import annotations

from typing import Any

import pytest

from target_pipedrive.fieldmap import resolve
from target_pipedrive.mapping import MappingConfig, MappingError, Policy
from tests.target_pipedrive.conftest import customer

DEFINITIONS: list[dict[str, Any]] = [
    {"field_code": "name", "field_name": "Name", "field_type": "varchar", "is_custom_field": False},
    {"field_code": "address", "field_name": "Address", "field_type": "address"},
    {"field_code": "website", "field_name": "Website", "field_type": "varchar"},
    {"field_code": "add_time", "field_name": "Created", "field_type": "date"},
]


def _custom(code: str, name: str, kind: str, *labels: str) -> dict[str, Any]:
    options = [{"id": n, "label": label} for n, label in enumerate(labels, 1)] or None
    return {
        "field_code": code,
        "field_name": name,
        "field_type": kind,
        "is_custom_field": True,
        "options": options,
    }


def test_defaults_cover_the_quickbooks_customer() -> None:
    config = MappingConfig.parse()
    names = {f.field for f in config.fields}
    assert {"Name", "Address", "Shipping Address", "Email", "Phone", "Website"} <= names
    assert {"Payment Terms", "QuickBooks Balance", "Currency", "QuickBooks Status"} <= names
    assert config.external_id.field == "QuickBooks Customer ID"
    assert config.external_id.source == ("Id",)


def test_an_entry_overrides_a_default_and_adds_any_path() -> None:
    config = MappingConfig.parse(
        {
            "external_id_field": "QBO Id",
            "organization_fields": [
                {"field": "  website ", "policy": "never"},
                {"field": "Legal Name", "source": ["CompanyName", "DisplayName"]},
                {"field": "QBO Id", "source": "DisplayName", "policy": "never"},
            ],
        }
    )
    by_name = {f.key: f for f in config.fields}
    assert by_name["website"].policy is Policy.NEVER
    assert by_name["legal name"].source == ("CompanyName", "DisplayName")
    # The external id cannot be redirected or switched off: matching depends on it.
    assert config.external_id.source == ("Id",) and config.external_id.policy is Policy.OVERWRITE
    assert "quickbooks customer id" not in by_name


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"source": "Id"}, "needs a 'field'"),
        ({"field": "x" * 256, "source": "Id"}, "1 to 255 characters"),
        ({"field": "X", "source": "Id", "policy": "sometimes"}, "'policy' must be one of"),
        ({"field": "X", "source": "Id", "type": "blob"}, "'type' must be one of"),
        ({"field": "X"}, "'source' must be"),
        (
            {"field": "X", "source": "Id", "policy": "fill_if_empty", "clear_when_empty": True},
            "clear_when_empty needs the policy 'overwrite'",
        ),
    ],
)
def test_a_wrong_entry_is_named(entry: dict[str, object], message: str) -> None:
    with pytest.raises(MappingError, match=message) as error:
        MappingConfig.parse({"organization_fields": [entry]})
    assert "organization_fields[0]" in str(error.value)


def test_resolution_names_missing_fields_then_converts_values() -> None:
    config = MappingConfig.parse()
    partial = resolve(config, DEFINITIONS)
    assert partial.fields is None
    assert {m.field for m in partial.missing} >= {"QuickBooks Customer ID", "QuickBooks Status"}
    definitions = [
        *DEFINITIONS,
        _custom("c1", "quickbooks customer id", "varchar"),
        _custom("c2", "Shipping Address", "address"),
        _custom("c3", "Email", "varchar"),
        _custom("c4", "Phone", "phone"),
        _custom("c5", "Payment Terms", "varchar"),
        _custom("c6", "QuickBooks Balance", "monetary"),
        _custom("c7", "Currency", "varchar"),
        _custom("c8", "QuickBooks Status", "enum", "Active", "Inactive"),
    ]
    fields = resolve(config, definitions).fields
    assert fields is not None and fields.external_id_code == "c1"
    record = customer(
        "42",
        "  Acme  ",
        Active=False,
        Balance=12.5,
        BillAddr={"Line1": "1 Main", "City": "Austin", "PostalCode": "78701"},
        PrimaryEmailAddr={"Address": "ap@acme.example"},
    )
    desired = fields.desired(record)
    assert desired["name"] == "Acme"
    assert desired["c1"] == "42"
    assert desired["c8"] == 2  # the option id of "Inactive"
    assert desired["c6"] == {"value": 12.5, "currency": "USD"}
    assert desired["address"]["value"] == "1 Main, Austin, 78701"
    assert desired["c2"] is None and desired["c4"] is None
    body = fields.body({"name": "Acme", "c1": "42"})
    assert body == {"name": "Acme", "custom_fields": {"c1": "42"}}


def test_a_read_only_or_doubled_field_is_refused() -> None:
    config = MappingConfig.parse({"organization_fields": [{"field": "Created", "source": "Id"}]})
    with pytest.raises(MappingError, match="cannot be written"):
        resolve(config, DEFINITIONS)
    doubled = [*DEFINITIONS, _custom("x1", "Email", "varchar"), _custom("x2", "email", "text")]
    with pytest.raises(MappingError, match="exists 2 times"):
        resolve(MappingConfig.parse(), doubled)
