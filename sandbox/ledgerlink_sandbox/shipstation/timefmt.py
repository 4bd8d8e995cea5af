"""ShipStation's time formats: US Pacific wall-clock time, written without an offset.

Order-level stamps carry 7 fractional digits (``2016-02-16T15:16:53.7070000``), item and store
stamps up to 3 with trailing zeros trimmed (``2014-11-12T08:45:20.55``), ``shipDate`` is a bare
date. The emulator keeps millisecond precision so both forms describe the same instant, as in
the recorded samples. Request dates are Pacific too ("make all time zone conversions ... in
PST/PDT"), so a value with an explicit offset is converted to Pacific wall time.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


def pacific(at: datetime) -> datetime:
    """Naive Pacific wall time of an aware instant, truncated to milliseconds."""
    local = at.astimezone(PACIFIC).replace(tzinfo=None)
    return local.replace(microsecond=local.microsecond // 1000 * 1000)


def order_time(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond * 10:07d}"


def item_time(dt: datetime) -> str:
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    millis = dt.microsecond // 1000
    return f"{base}.{millis:03d}".rstrip("0") if millis else base


def date_only(dt: datetime | date) -> str:
    return dt.strftime("%Y-%m-%d")


def parse(value: str) -> datetime | None:
    """Parse a request/stored timestamp into naive Pacific time; ``None`` when unparseable.

    Accepts ``yyyy-mm-dd``, ``yyyy-mm-dd hh:mm:ss``, the ``T`` form with any number of fraction
    digits (Python 3.11 truncates beyond 6), and values with ``Z`` or an offset.
    """
    text = value.strip()
    if not text:
        return None
    head, dot, fraction = text.partition(".")
    if dot:
        # Keep at most 6 fraction digits but preserve a trailing offset/Z.
        digits = len(fraction) - len(fraction.lstrip("0123456789"))
        text = f"{head}.{fraction[: min(digits, 6)]}{fraction[digits:]}" if digits else head
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return parsed.astimezone(PACIFIC).replace(tzinfo=None)
    return parsed
