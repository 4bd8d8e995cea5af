"""Run a parsed query against a ``Table``: validation (4001), filtering, ordering, paging.

Ordering rules (documented because QBO does not specify them):
- no ORDERBY -> ``settings.default_order`` (Id DESC as observed live, or Id ASC);
- rows missing the sort property come first ascending, last descending;
- ties are broken by Id in the direction of the last sort key.

Plans that read rows in index order (Id, LastUpdatedTime) are evaluated lazily; the partial
match list is cached per statement until the table changes, so walking the pages of one
statement costs O(page) per page instead of re-scanning from the start.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from .entities import EntitySpec, Prop
from .faults import QboFault, invalid_query, parse_error, property_not_found
from .query import Condition, Literal_, Query, encountered
from .settings import QboStoreSettings
from .table import Row, Table
from .timefmt import is_date, parse_instant

Pred = Callable[[Row], bool]
Getter = Callable[[Row], Any]
LUT_PATH = "MetaData.LastUpdatedTime"


def getter(prop: Prop) -> Getter:
    """A function returning the comparable value of ``prop`` in a row (None when absent)."""
    parts = prop.parts
    kind = prop.type

    def raw(row: Row) -> Any:
        value: Any = row
        for part in parts:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        if isinstance(value, dict):
            value = value.get("Address") if kind == "email" else value.get("value")
        return value

    if kind in ("string", "email"):
        return lambda row: None if (v := raw(row)) is None else str(v).casefold()
    if kind == "number":
        return lambda row: None if (v := raw(row)) is None else float(v)
    if kind == "datetime":
        return lambda row: None if (v := raw(row)) is None else _instant(str(v))
    if kind == "id":
        return lambda row: int(row["Id"])
    return raw


def _instant(text: str) -> float | None:
    parsed = parse_instant(text)
    return None if parsed is None else parsed.timestamp()


def convert(prop: Prop, lit: Literal_) -> Any:
    """Convert a literal to the comparable form of ``prop``; invalid values are 4001."""
    text = lit.text
    bad = invalid_query(f"Invalid value {text} for property {prop.path}")
    kind = prop.type
    if kind in ("string", "email"):
        return text.casefold()
    if kind == "id":
        if not text.strip().isdigit():
            return -1  # matches nothing, like an unknown Id
        return int(text)
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise bad from None
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise bad
        return text.lower() == "true"
    if kind == "date":
        if is_date(text[:10]):
            return text[:10]
        raise bad
    if kind == "datetime":
        instant = _instant(text)
        if instant is None:
            raise bad
        return instant
    return text  # ref: compare the referenced Id verbatim


def like_regex(pattern: str) -> re.Pattern[str]:
    # Only % is a wildcard in QBO; everything else (including _) is literal.
    body = ".*".join(re.escape(part) for part in pattern.split("%"))
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def predicate(prop: Prop, cond: Condition) -> Pred:
    get = getter(prop)
    if cond.op == "IN":
        wanted = {convert(prop, lit) for lit in cond.values}
        return lambda row: get(row) in wanted
    if cond.op == "LIKE":
        rx = like_regex(cond.values[0].text)
        return lambda row: (v := get(row)) is not None and rx.match(str(v)) is not None
    target = convert(prop, cond.values[0])
    cmp = _COMPARE[cond.op]
    return lambda row: (v := get(row)) is not None and cmp(v, target)


@dataclass
class Plan:
    preds: list[Pred] = field(default_factory=list)
    lut_preds: list[Pred] = field(default_factory=list)  # satisfied by a LUT range scan
    ids: set[int] | None = None
    lo: float | None = None
    lo_incl: bool = True
    hi: float | None = None
    hi_incl: bool = True
    order: list[tuple[Prop, bool]] = field(default_factory=list)

    def narrow(self, op: str, value: float) -> None:
        """Tighten the LastUpdatedTime range with one comparison."""
        if op in (">", ">=", "="):
            incl = op != ">"
            if self.lo is None or value > self.lo or (value == self.lo and not incl):
                self.lo, self.lo_incl = value, incl
        if op in ("<", "<=", "="):
            incl = op != "<"
            if self.hi is None or value < self.hi or (value == self.hi and not incl):
                self.hi, self.hi_incl = value, incl

    def in_range(self, table: Table) -> Pred:
        """Range test on the table's cached epoch (no timestamp parsing per row)."""
        lo, lo_incl, hi, hi_incl = self.lo, self.lo_incl, self.hi, self.hi_incl

        def test(row: Row) -> bool:
            t = table.lut_epoch(row["Id"])
            if lo is not None and (t < lo or (t == lo and not lo_incl)):
                return False
            return hi is None or not (t > hi or (t == hi and not hi_incl))

        return test


def build_plan(query: Query, spec: EntitySpec, settings: QboStoreSettings) -> Plan:
    plan = Plan()
    mentions_active = False
    for cond in query.conditions:
        prop = spec.prop(cond.path)
        if prop is None:
            raise property_not_found(cond.path, spec.name)
        if settings.unquoted_numbers == "error" and any(v.kind == "number" for v in cond.values):
            # Recorded live: "QueryParserError: Encountered ">"" for WHERE Balance > 0.
            raise parse_error(encountered(cond.op_token))
        mentions_active = mentions_active or prop.path == "Active"
        if prop.type == "id":
            if cond.op not in ("=", "IN"):
                raise invalid_query(f"Operator {cond.op} not supported for property Id")
            wanted = {convert(prop, lit) for lit in cond.values}
            plan.ids = wanted if plan.ids is None else plan.ids & wanted
            continue
        if (
            prop.type == "bool"
            and cond.op == "IN"
            and {convert(prop, v) for v in cond.values} == {True, False}
        ):
            continue  # "Active IN (true, false)": lifts the default filter, tests nothing
        pred = predicate(prop, cond)
        if prop.path == LUT_PATH and cond.op in _COMPARE:
            plan.narrow(cond.op, convert(prop, cond.values[0]))
            plan.lut_preds.append(pred)
        else:
            plan.preds.append(pred)
    if spec.kind == "name_list" and not mentions_active:
        plan.preds.append(lambda row: row.get("Active", True) is True)
    if query.extra_keys and settings.multi_key_order == "error":
        assert query.extra_key_token is not None
        raise parse_error(encountered(query.extra_key_token))
    for key in query.order:
        prop = spec.prop(key.path)
        if prop is None:
            raise property_not_found(key.path, spec.name)
        plan.order.append((prop, key.desc))
    if not plan.order:
        id_prop = spec.props["id"]
        plan.order.append((id_prop, settings.default_order == "id_desc"))
    return plan


def sort_rows(rows: list[Row], order: list[tuple[Prop, bool]]) -> None:
    """Stable multi-key sort: missing values first ascending, ties by Id (last key's way)."""
    rows.sort(key=lambda r: int(r["Id"]), reverse=order[-1][1])
    for prop, desc in reversed(order):
        get = getter(prop)
        rows.sort(
            key=lambda r, g=get: (0, 0) if (v := g(r)) is None else (1, v),  # type: ignore[misc]
            reverse=desc,
        )


def _matching(preds: list[Pred], rows: Iterator[Row]) -> Iterator[Row]:
    return filter(lambda r: all(p(r) for p in preds), rows) if preds else rows


@dataclass
class _Slice:
    """An index range needing no per-row test: pages are cut straight out of the index."""

    table: Table
    lut: bool
    rng: tuple[float | None, bool, float | None, bool]
    desc: bool

    def count(self) -> int:
        return self.table.count_lut(*self.rng) if self.lut else len(self.table)

    def page(self, start: int, stop: int) -> list[Row]:
        if self.lut:
            return self.table.lut_slice(*self.rng, self.desc, start, stop)
        return self.table.id_slice(self.desc, start, stop)


def _source(plan: Plan, table: Table) -> Iterator[Row] | _Slice:
    """Matching rows in final order, read lazily when an index gives that order."""
    preds = plan.preds
    key, desc = plan.order[0]
    single = len(plan.order) == 1
    has_range = plan.lo is not None or plan.hi is not None
    rng = (plan.lo, plan.lo_incl, plan.hi, plan.hi_incl)
    if plan.ids is not None:
        found = (r for i in plan.ids if (r := table.get(str(i))) is not None)
        rows = list(_matching([*preds, *plan.lut_preds], found))
    elif single and key.path == LUT_PATH:
        if not preds:
            return _Slice(table, True, rng, desc)
        return _matching(preds, table.by_lut(*rng, desc))
    elif single and key.type == "id" and (not has_range or table.count_lut(*rng) > len(table) // 4):
        # A wide range is cheaper to test per row than to sort.
        extra = [plan.in_range(table)] if has_range else []
        if not preds and not extra:
            return _Slice(table, False, rng, desc)
        return _matching([*preds, *extra], table.by_id(desc))
    else:
        source = table.by_lut(*rng, False) if has_range else iter(table.rows.values())
        rows = list(_matching(preds, source))
    sort_rows(rows, plan.order)
    return iter(rows)


class _Cursor:
    def __init__(self, version: int, source: Iterator[Row] | _Slice) -> None:
        self.version = version
        self.slice = source if isinstance(source, _Slice) else None
        self.source: Iterator[Row] = iter(()) if isinstance(source, _Slice) else source
        self.rows: list[Row] = []
        self.done = False

    def count(self) -> int:
        if self.slice is not None:
            return self.slice.count()
        self.fill(None)
        return len(self.rows)

    def page(self, start: int, stop: int) -> list[Row]:
        if self.slice is not None:
            return self.slice.page(start, stop)
        self.fill(stop)
        return self.rows[start:stop]

    def fill(self, upto: int | None) -> None:
        if self.done:
            return
        want = None if upto is None else max(0, upto - len(self.rows))
        before = len(self.rows)
        self.rows.extend(islice(self.source, want))
        if want is None or len(self.rows) - before < want:
            self.done = True


class QueryEngine:
    """Per-realm query runner with a small cache of partially read statements."""

    def __init__(self, settings: QboStoreSettings, cache_size: int = 16) -> None:
        self.settings = settings
        self._cache: OrderedDict[tuple[str, ...], _Cursor] = OrderedDict()
        self._cache_size = cache_size

    def run(
        self,
        query: Query,
        spec: EntitySpec,
        table: Table,
        render: Callable[[Row], Row] | None = None,
    ) -> dict[str, Any]:
        settings = self.settings
        plan = build_plan(query, spec, settings)
        start = max(query.start if query.start is not None else 1, 1)  # 0 behaves as 1
        limit = settings.max_results_default if query.max_results is None else query.max_results
        if limit > settings.max_results_cap:
            if settings.over_cap_maxresults == "error":
                raise QboFault(
                    "4001",
                    "Invalid query",
                    f"QueryValidationError: MAXRESULTS value {limit} exceeds the maximum "
                    f"allowed value of {settings.max_results_cap}",
                )
            limit = settings.max_results_cap
        key = (spec.name, settings.default_order, _statement_key(query))
        cursor = self._cursor(plan, table, key)
        if query.count:
            return {"totalCount": cursor.count()}
        page = cursor.page(start - 1, start - 1 + limit)
        if not page:
            return {}
        if render is not None:
            page = [render(row) for row in page]
        return {spec.name: page, "startPosition": start, "maxResults": len(page)}

    def _cursor(self, plan: Plan, table: Table, key: tuple[str, ...]) -> _Cursor:
        cursor = self._cache.get(key)
        if cursor is None or cursor.version != table.version:
            cursor = _Cursor(table.version, _source(plan, table))
            self._cache[key] = cursor
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return cursor


def _statement_key(query: Query) -> str:
    """Identity of a statement without its paging clause (what a page walk keeps constant)."""
    conds = [(c.path.lower(), c.op, [(v.text, v.kind) for v in c.values]) for c in query.conditions]
    order = [(k.path.lower(), k.desc) for k in query.order]
    return repr((conds, order))
