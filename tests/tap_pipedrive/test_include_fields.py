"""The ``include_fields`` setting: the allowed names are the official v2 document's, the tap
asks for them, the records carry them, and the schema declares them. Run against the sandbox with
values it serves today (it is being extended to the document's whole lists)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ledgerlink.errors import LedgerlinkError
from ledgerlink_sandbox.pipedrive.store import FieldDef
from ledgerlink_sandbox.reference import reference_dir
from tap_pipedrive.includes import INCLUDE_FIELDS
from tap_pipedrive.tap import TapPipedrive
from tests.tap_pipedrive.conftest import TENANT, PipedriveSandbox, run_tap

SPEC = reference_dir() / "pipedrive-openapi" / "pipedrive-v2-openapi.2026-08-18.yaml"


def _spec_enum(document: dict[str, Any], path: str) -> list[str]:
    for parameter in document["paths"][path]["get"]["parameters"]:
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].split("/")[-1]]
        if parameter.get("name") == "include_fields":
            return list(parameter["schema"]["enum"])
    raise AssertionError(f"{path} lists no include_fields")


def test_the_allowed_names_are_the_v2_documents() -> None:
    document = yaml.safe_load(SPEC.read_text())
    for stream, fields in INCLUDE_FIELDS.items():
        assert list(fields) == _spec_enum(document, f"/{stream}"), stream


def test_included_fields_are_asked_for_emitted_and_declared(pd: PipedriveSandbox) -> None:
    wanted = {
        "deals": ["first_won_time", "notes_count"],
        "organizations": ["people_count", "won_deals_count"],
        "persons": ["open_deals_count"],
    }
    run = run_tap({"include_fields": wanted})
    assert run.tap is not None
    for stream, names in wanted.items():
        schema = run.tap.streams[stream].schema["properties"]
        assert set(names) <= set(schema), stream
        records = run.records[stream]
        assert records and all(set(names) <= set(r) for r in records), stream
    counted = [r["people_count"] for r in run.records["organizations"]]
    assert any(isinstance(n, int) and n > 0 for n in counted)  # real values, not nulls


def test_a_name_outside_the_documents_list_is_refused_in_one_line() -> None:
    with pytest.raises(LedgerlinkError, match=r"setting 'include_fields\.deals\.0' = 'owner_name'"):
        TapPipedrive(
            config={"tenant": TENANT, "include_fields": {"deals": ["owner_name"]}},
            parse_env_config=False,
        )


def test_a_custom_field_named_like_an_included_one_keeps_its_key_either_way(
    pd: PipedriveSandbox,
) -> None:
    """A custom "People count" never takes ``people_count``, whether or not that field is
    included: the readable key of a custom field does not depend on the setting."""
    code = "a" * 40
    pd.service.state.store.fields["organization"][code] = FieldDef(
        code=code, name="People count", type="double", is_custom=True
    )
    keys = []
    for config in ({}, {"include_fields": {"organizations": ["people_count"]}}):
        run = run_tap(config)
        (definition,) = [f for f in run.records["organization_fields"] if f["field_code"] == code]
        keys.append(definition["readable_key"])
    assert keys[0] == keys[1] and keys[0] not in (None, "people_count")
