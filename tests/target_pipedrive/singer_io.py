"""Running target-pipedrive in this process on Singer messages: what it wrote to stdout (STATE
lines), to stderr (the run report) and its exit status."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any

from target_pipedrive.target import TargetPipedrive
from tests.target_pipedrive.conftest import TENANT

CUSTOMER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "Id": {"type": "string"},
        "DisplayName": {"type": ["string", "null"]},
        "Active": {"type": ["boolean", "null"]},
    },
}


@dataclass
class TargetRun:
    states: list[dict[str, Any]]
    report: list[str]
    exit_code: int


def schema(stream: str, properties: Mapping[str, Any] | None = None) -> dict[str, Any]:
    body = {"type": "object", "properties": dict(properties or CUSTOMER_SCHEMA["properties"])}
    key = ["id"] if stream == "deals" else ["Id"]  # tap-pipedrive: id; tap-quickbooks: Id
    return {"type": "SCHEMA", "stream": stream, "schema": body, "key_properties": key}


def record(stream: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": dict(data)}


def state(value: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "STATE", "value": dict(value)}


def customers_input(
    records: Iterable[Mapping[str, Any]], bookmark: str = "b1"
) -> list[dict[str, Any]]:
    """A tap-quickbooks customers stream: schema, records, then the bookmark."""
    rows = list(records)
    properties = dict(CUSTOMER_SCHEMA["properties"])
    for row in rows:
        for key in row:
            properties.setdefault(key, {})
    return [
        schema("customers", properties),
        *(record("customers", r) for r in rows),
        state({"bookmarks": {"customers": {"replication_key_value": bookmark}}}),
    ]


def run_target(messages: Iterable[Mapping[str, Any]], **config: Any) -> TargetRun:
    lines = "".join(json.dumps(m) + "\n" for m in messages)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        target = TargetPipedrive(config={"tenant": TENANT, **config})
        try:
            target.listen(io.StringIO(lines))
        except SystemExit as stop:
            code = int(stop.code or 0)
    states = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    report = [line for line in err.getvalue().splitlines() if line.startswith("target-pipedrive:")]
    return TargetRun(states, report, code)
