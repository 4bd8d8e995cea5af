"""Runs target-shipstation in this process on Singer messages, as Meltano would feed it, and
reads what a user would look at afterwards: the state it released, its report, the rows."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from target_shipstation.report import RunReport
from target_shipstation.target import TargetShipStation

JSON = dict[str, Any]
TENANT = "acme"
REALM = "9341455649204247"
KEYS = {"invoices": "Id", "payments": "Id", "customers": "Id", "items": "Id", "terms": "Id"}


def schema(stream: str) -> JSON:
    return {"type": "SCHEMA", "stream": stream, "key_properties": [KEYS.get(stream, "Id")],
            "schema": {"type": "object", "properties": {"Id": {"type": "string"}}}}  # fmt: skip


def messages(records: Mapping[str, Iterable[JSON]], state: JSON | None = None) -> list[JSON]:
    out: list[JSON] = []
    for stream, rows in records.items():
        out.append(schema(stream))
        out += [{"type": "RECORD", "stream": stream, "record": row} for row in rows]
    if state is not None:
        out.append({"type": "STATE", "value": state})
    return out


@dataclass
class Ran:
    states: list[JSON]
    report: RunReport


def run_target(config: Mapping[str, Any], lines: Iterable[JSON]) -> Ran:
    target = TargetShipStation(config={"tenant": TENANT, "realm_id": REALM, **config})
    stdin = io.StringIO("".join(json.dumps(m) + "\n" for m in lines))
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        target.listen(stdin)
    assert target.report is not None
    states = [json.loads(line) for line in stdout.getvalue().splitlines() if line.strip()]
    return Ran(states, target.report)


def rows(url: str, sql: str, *params: Any) -> list[JSON]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return list(conn.execute(sql, params).fetchall())
