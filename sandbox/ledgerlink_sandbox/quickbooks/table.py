"""One entity's rows plus the two orderings queries need: by Id and by LastUpdatedTime.

Rows are treated as immutable: every change stores a new dict, so rows already handed out
(query pages, test snapshots) never change under the caller. ``version`` moves on every change
so cached query plans can tell they are stale.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .timefmt import stamp_epoch

Row = dict[str, Any]


def lut_key(row: Row) -> tuple[int, int]:
    return (stamp_epoch(row["MetaData"]["LastUpdatedTime"]), int(row["Id"]))


class Table:
    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.rows: dict[str, Row] = {}
        self._ids: list[int] = []  # sorted numeric Ids
        self._lut: list[tuple[int, int]] = []  # sorted (LastUpdatedTime epoch, Id)
        self._lut_of: dict[str, tuple[int, int]] = {}
        self.version = 0

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, id_: str) -> Row | None:
        return self.rows.get(id_)

    def bulk_load(self, rows: Iterable[Row]) -> None:
        """Replace the content in one go (sorting once instead of inserting one by one)."""
        self.rows = {row["Id"]: row for row in rows}
        self._ids = sorted(int(i) for i in self.rows)
        self._lut_of = {id_: lut_key(row) for id_, row in self.rows.items()}
        self._lut = sorted(self._lut_of.values())
        self.version += 1

    def put(self, row: Row) -> None:
        id_ = row["Id"]
        if id_ in self.rows:
            self._drop_lut(id_)
        else:
            insort(self._ids, int(id_))
        key = lut_key(row)
        insort(self._lut, key)
        self._lut_of[id_] = key
        self.rows[id_] = row
        self.version += 1

    def remove(self, id_: str) -> None:
        if id_ not in self.rows:
            return
        self._drop_lut(id_)
        ids = self._ids
        del ids[bisect_left(ids, int(id_))]
        del self.rows[id_]
        self.version += 1

    def _drop_lut(self, id_: str) -> None:
        key = self._lut_of.pop(id_)
        del self._lut[bisect_left(self._lut, key)]

    def lut_epoch(self, id_: str) -> int:
        return self._lut_of[id_][0]

    def count_lut(self, lo: float | None, lo_incl: bool, hi: float | None, hi_incl: bool) -> int:
        start, end = self._lut_span(lo, lo_incl, hi, hi_incl)
        return max(0, end - start)

    def id_slice(self, desc: bool, start: int, stop: int) -> list[Row]:
        """Rows ``start:stop`` (0-based) in Id order, without walking the rows before."""
        return self._cut(self._ids, 0, len(self._ids), desc, start, stop, lambda k: k)

    def lut_slice(
        self,
        lo: float | None,
        lo_incl: bool,
        hi: float | None,
        hi_incl: bool,
        desc: bool,
        start: int,
        stop: int,
    ) -> list[Row]:
        first, end = self._lut_span(lo, lo_incl, hi, hi_incl)
        return self._cut(self._lut, first, end, desc, start, stop, lambda k: k[1])

    def _cut(
        self,
        keys: list[Any],
        first: int,
        end: int,
        desc: bool,
        start: int,
        stop: int,
        id_of: Callable[[Any], int],
    ) -> list[Row]:
        if desc:
            chosen = keys[max(first, end - stop) : max(first, end - start)][::-1]
        else:
            chosen = keys[first + start : min(end, first + stop)]
        rows = self.rows
        return [rows[str(id_of(k))] for k in chosen]

    def by_id(self, desc: bool) -> Iterator[Row]:
        rows = self.rows
        ids = reversed(self._ids) if desc else iter(self._ids)
        return (rows[str(i)] for i in ids)

    def _lut_span(
        self, lo: float | None, lo_incl: bool, hi: float | None, hi_incl: bool
    ) -> tuple[int, int]:
        keys = self._lut
        start = 0 if lo is None else bisect_left(keys, (_first_second(lo, lo_incl),))
        end = len(keys) if hi is None else bisect_left(keys, (_last_second(hi, hi_incl) + 1,))
        return start, end

    def by_lut(
        self, lo: float | None, lo_incl: bool, hi: float | None, hi_incl: bool, desc: bool
    ) -> Iterator[Row]:
        """Rows whose LastUpdatedTime lies in the range, ordered by (time, Id)."""
        keys = self._lut
        start, end = self._lut_span(lo, lo_incl, hi, hi_incl)
        rows = self.rows
        span = range(end - 1, start - 1, -1) if desc else range(start, end)
        return (rows[str(keys[i][1])] for i in span)


def _first_second(bound: float, inclusive: bool) -> int:
    """Smallest whole second t with t >= bound (inclusive) or t > bound."""
    return math.ceil(bound) if inclusive else math.floor(bound) + 1


def _last_second(bound: float, inclusive: bool) -> int:
    """Largest whole second t with t <= bound (inclusive) or t < bound."""
    return math.floor(bound) if inclusive else math.ceil(bound) - 1
