"""QBO query language: parser, errors, envelope, and a randomized check against a reference."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink_sandbox.quickbooks.generator import generate
from ledgerlink_sandbox.quickbooks.query import parse
from ledgerlink_sandbox.quickbooks.store import QboFault, RealmStore

NOW = datetime(2026, 6, 15, 18, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def store() -> RealmStore:
    s = RealmStore("9130350000000001", lambda: NOW)
    s.load(generate("query-tests", "demo", NOW))
    return s


def fault(store: RealmStore, text: str) -> QboFault:
    with pytest.raises(QboFault) as info:
        store.query(text, include=set())
    return info.value


# -- parser -------------------------------------------------------------------------------------
def test_parser_accepts_free_whitespace_case_and_both_order_spellings() -> None:
    q = parse(
        "select  *\n FROM customer where  Metadata.LastUpdatedTime >  '2020-01-01T00:00:00Z'"
        "   AND Active IN (true, false) order by MetaData.LastUpdatedTime desc "
        "STARTPOSITION 0 MAXRESULTS 100"
    )
    assert q.entity == "customer" and not q.count
    assert [(c.path, c.op) for c in q.conditions] == [
        ("Metadata.LastUpdatedTime", ">"),
        ("Active", "IN"),
    ]
    assert q.order[0].desc and q.start == 0 and q.max_results == 100
    assert parse("SELECT COUNT(*) FROM Invoice ORDERBY Id").count


def test_parser_unescapes_quotes() -> None:
    q = parse(r"SELECT * FROM Customer WHERE DisplayName = 'Adam\'s Candy Shop'")
    assert q.conditions[0].values[0].text == "Adam's Candy Shop"


def test_syntax_errors_are_4000_with_javacc_style_detail(store: RealmStore) -> None:
    f = fault(store, "SELECT * FROM Invoice WHERE TxnDate TxnDate")
    assert (f.code, f.message, f.status) == ("4000", "Error parsing query", 400)
    assert f.detail == (
        'QueryParserError: Encountered " <IDENTIFIER> "TxnDate "" at line 1, column 37.'
    )
    assert "<EOF>" in fault(store, "SELECT * FROM Invoice WHERE").detail
    assert fault(store, "SELECT * FROM Invoice WHERE Id = '1' OR Id = '2'").code == "4000"
    assert fault(store, "SELECT Id FROM Invoice").code == "4000"


def test_unquoted_number_is_a_parse_error_by_default(store: RealmStore) -> None:
    f = fault(store, "SELECT * FROM Invoice WHERE Balance > 0")
    assert f.code == "4000" and 'Encountered " ">" "> ""' in f.detail
    store.settings.unquoted_numbers = "allow"
    try:
        assert store.query("SELECT COUNT(*) FROM Invoice WHERE Balance > 0", include=set())
    finally:
        store.settings.unquoted_numbers = "error"


def test_unknown_or_non_queryable_property_is_4001(store: RealmStore) -> None:
    f = fault(store, "SELECT * FROM Invoice WHERE PrivateNote = 'x'")
    assert (f.code, f.detail) == (
        "4001",
        "QueryValidationError: Property PrivateNote not found for Entity Invoice",
    )
    assert fault(store, "SELECT * FROM Invoice ORDERBY NoSuchField").code == "4001"
    assert fault(store, "SELECT * FROM Invoice WHERE Id > '3'").code == "4001"


def test_envelope_shapes(store: RealmStore) -> None:
    page = store.query("SELECT * FROM Customer STARTPOSITION 1 MAXRESULTS 2", include=set())
    assert list(page) == ["Customer", "startPosition", "maxResults"]
    assert page["maxResults"] == 2 and page["startPosition"] == 1
    assert store.query("SELECT * FROM Customer WHERE Id = '999999'", include=set()) == {}
    count = store.query(
        "SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)", include=set()
    )
    assert count == {"totalCount": 40}
    assert store.query("SELECT * FROM Estimate", include=set()) == {}


def test_default_order_and_default_page_size(store: RealmStore) -> None:
    ids = [int(r["Id"]) for r in store.query("SELECT * FROM Invoice", include=set())["Invoice"]]
    assert len(ids) == 100 and ids == sorted(ids, reverse=True)
    store.settings.default_order = "id_asc"
    try:
        ids = [int(r["Id"]) for r in store.query("SELECT * FROM Invoice", include=set())["Invoice"]]
        assert ids == sorted(ids)
    finally:
        store.settings.default_order = "id_desc"


def test_startposition_zero_is_one_and_maxresults_cap(store: RealmStore) -> None:
    one = store.query("SELECT * FROM Invoice STARTPOSITION 1 MAXRESULTS 5", include=set())
    zero = store.query("SELECT * FROM Invoice STARTPOSITION 0 MAXRESULTS 5", include=set())
    assert one == zero
    assert fault(store, "SELECT * FROM Invoice MAXRESULTS 1001").code == "4001"
    store.settings.over_cap_maxresults = "cap"
    try:
        assert store.query("SELECT * FROM Invoice MAXRESULTS 5000", include=set())["maxResults"]
    finally:
        store.settings.over_cap_maxresults = "error"


def test_multi_key_order_is_a_setting(store: RealmStore) -> None:
    text = "SELECT * FROM Invoice ORDERBY TxnDate DESC, DocNumber"
    assert fault(store, text).code == "4000"
    store.settings.multi_key_order = "allow"
    try:
        rows = store.query(text, include=set())["Invoice"]
        dates = [r["TxnDate"] for r in rows]
        assert dates == sorted(dates, reverse=True)
        for a, b in pairwise(rows):  # ties: second key ascending
            if a["TxnDate"] == b["TxnDate"]:
                assert a["DocNumber"] <= b["DocNumber"]
    finally:
        store.settings.multi_key_order = "error"


def test_active_default_filter_on_name_lists(store: RealmStore) -> None:
    inactive = store.query("SELECT * FROM Customer WHERE Active = false", include=set())
    assert inactive, "the demo data set has deactivated customers"
    listed = store.query("SELECT * FROM Customer MAXRESULTS 1000", include=set())["Customer"]
    assert all(r["Active"] for r in listed)
    both = store.query("SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)", include=set())
    assert both["totalCount"] == len(listed) + inactive["maxResults"]


def test_datetimes_compare_as_instants_whatever_the_offset(store: RealmStore) -> None:
    base = "SELECT COUNT(*) FROM Invoice WHERE MetaData.LastUpdatedTime >= '{}'"
    a = store.query(base.format("2026-05-01T07:00:00Z"), include=set())
    b = store.query(base.format("2026-05-01T00:00:00-07:00"), include=set())
    c = store.query(base.format("2026-05-01T12:30:00+05:30"), include=set())
    assert a == b == c


# -- randomized comparison against an independent evaluation -------------------------------------
PROPS: dict[str, dict[str, str]] = {
    "Customer": {
        "Id": "id",
        "DisplayName": "s",
        "GivenName": "s",
        "FamilyName": "s",
        "CompanyName": "s",
        "Balance": "n",
        "Active": "b",
        "Job": "b",
        "PrimaryEmailAddr": "e",
        "ParentRef": "r",
        "MetaData.LastUpdatedTime": "t",
        "MetaData.CreateTime": "t",
    },
    "Invoice": {
        "Id": "id",
        "DocNumber": "s",
        "TxnDate": "d",
        "DueDate": "d",
        "CustomerRef": "r",
        "Balance": "n",
        "TotalAmt": "n",
        "MetaData.LastUpdatedTime": "t",
    },
    "Payment": {
        "Id": "id",
        "TotalAmt": "n",
        "CustomerRef": "r",
        "TxnDate": "d",
        "MetaData.LastUpdatedTime": "t",
    },
    "Item": {
        "Id": "id",
        "Name": "s",
        "Active": "b",
        "Type": "s",
        "UnitPrice": "n",
        "MetaData.LastUpdatedTime": "t",
    },
}
NAME_LISTS = {"Customer", "Item"}
OFFSETS = [UTC, timezone(timedelta(hours=-8)), timezone(timedelta(hours=5, minutes=30))]


def raw_value(row: dict[str, Any], path: str, kind: str) -> Any:
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict):
        value = value.get("Address" if kind == "e" else "value")
    return value


def comparable(value: Any, kind: str) -> Any:
    if value is None:
        return None
    converters: dict[str, Callable[[Any], Any]] = {
        "s": lambda v: str(v).lower(),
        "e": lambda v: str(v).lower(),
        "n": lambda v: Decimal(str(v)),
        "b": bool,
        "id": int,
        "r": str,
        "d": str,
        "t": lambda v: datetime.fromisoformat(v) if isinstance(v, str) else v,
    }
    return converters[kind](value)


def quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def random_case(draw: Any, word: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in word)


@st.composite
def queries(
    draw: Any, rows_by_entity: dict[str, list[dict[str, Any]]]
) -> tuple[str, dict[str, Any]]:
    entity = draw(st.sampled_from(sorted(PROPS)))
    rows = rows_by_entity[entity]
    props = PROPS[entity]
    conditions = []
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(sorted(props)))
        kind = props[path]
        sample = raw_value(draw(st.sampled_from(rows)), path, kind)
        if sample is None:
            continue
        ops = {
            "id": ["=", "IN"],
            "b": ["=", "IN"],
            "r": ["=", "IN"],
            "s": ["=", "<", ">", "<=", ">=", "IN", "LIKE"],
            "e": ["=", "IN", "LIKE"],
        }
        op = draw(st.sampled_from(ops.get(kind, ["=", "<", ">", "<=", ">=", "IN"])))
        if kind == "t":
            moment = datetime.fromisoformat(sample) + timedelta(
                seconds=draw(st.integers(-86_400, 86_400))
            )
            literal = quote(moment.astimezone(draw(st.sampled_from(OFFSETS))).isoformat())
            value: Any = moment
        elif kind == "b":
            literal, value = ("true", True) if sample else ("false", False)
        elif kind == "s" and op == "LIKE":
            text = str(sample)
            i = draw(st.integers(0, len(text)))
            j = draw(st.integers(i, len(text)))
            pattern = draw(st.sampled_from(["%{}%", "{}%", "%{}", "{}"])).format(text[i:j])
            literal, value = quote(pattern), pattern
        else:
            literal, value = quote(str(sample)), sample
        if op == "IN":
            other = raw_value(draw(st.sampled_from(rows)), path, kind)
            if other is None:
                continue
            other_literal = ("true" if other else "false") if kind == "b" else quote(str(other))
            literal, value = f"({literal}, {other_literal})", [value, other]
        conditions.append((path, kind, op, literal, value))
    order = None
    if draw(st.booleans()):
        order = (
            draw(st.sampled_from(sorted(p for p in props if props[p] != "e"))),
            draw(st.booleans()),
        )
    start = draw(st.integers(0, 60))
    limit = draw(st.integers(1, 40))
    text = f"{random_case(draw, 'select')} * FROM {random_case(draw, entity)}"
    if conditions:
        text += " WHERE " + " AND ".join(
            f"{random_case(draw, p)} {op} {lit}" for p, _, op, lit, _ in conditions
        )
    if order:
        text += f" {draw(st.sampled_from(['ORDERBY', 'ORDER BY', 'orderby']))} "
        text += f"{order[0]} {'DESC' if order[1] else 'ASC'}"
    text += f" STARTPOSITION {start} MAXRESULTS {limit}"
    spec = {
        "entity": entity,
        "conditions": conditions,
        "order": order,
        "start": start,
        "limit": limit,
    }
    return text, spec


def reference(rows: list[dict[str, Any]], spec: dict[str, Any]) -> list[str]:
    props = PROPS[spec["entity"]]

    def matches(row: dict[str, Any]) -> bool:
        for path, kind, op, _, value in spec["conditions"]:
            have = comparable(raw_value(row, path, kind), kind)
            if have is None:
                return False
            if op == "IN":
                if have not in {comparable(v, kind) for v in value}:
                    return False
            elif op == "LIKE":
                import fnmatch

                pat = value.lower().replace("[", "[[]").replace("?", "[?]").replace("*", "[*]")
                if not fnmatch.fnmatchcase(have, pat.replace("%", "*")):
                    return False
            else:
                want = comparable(value, kind)
                ok = {
                    "=": have == want,
                    "<": have < want,
                    ">": have > want,
                    "<=": have <= want,
                    ">=": have >= want,
                }[op]
                if not ok:
                    return False
        return True

    mentions_active = any(c[0] == "Active" for c in spec["conditions"])
    found = [
        r
        for r in rows
        if matches(r)
        and (spec["entity"] not in NAME_LISTS or mentions_active or r.get("Active", True))
    ]
    if spec["order"]:
        path, desc = spec["order"]
        kind = props[path]
        found.sort(key=lambda r: int(r["Id"]), reverse=desc)
        found.sort(
            key=lambda r: (
                (0, 0) if (v := comparable(raw_value(r, path, kind), kind)) is None else (1, v)
            ),
            reverse=desc,
        )
    else:
        found.sort(key=lambda r: int(r["Id"]), reverse=True)
    first = max(spec["start"], 1) - 1
    return [r["Id"] for r in found[first : first + spec["limit"]]]


def all_rows(store: RealmStore) -> dict[str, list[dict[str, Any]]]:
    return {name: list(store.books.table(name).rows.values()) for name in PROPS}


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_queries_match_reference(store: RealmStore, data: st.DataObject) -> None:
    rows = all_rows(store)
    text, spec = data.draw(queries(rows))
    got = store.query(text, include=set())
    expected = reference(rows[spec["entity"]], spec)
    if not expected:
        assert got == {}, text
        return
    assert got["startPosition"] == max(spec["start"], 1)
    assert got["maxResults"] == len(expected)
    assert [r["Id"] for r in got[spec["entity"]]] == expected, text
    count = store.query(
        "SELECT COUNT(*)" + text[text.index(" FROM") :].split(" STARTPOSITION")[0], include=set()
    )
    assert count["totalCount"] >= len(expected)
