"""Time formatting and parsing the way QBO does it.

QBO stamps ``MetaData`` in US-Pacific with whole seconds and a ``-08:00``/``-07:00`` offset,
whatever the company's location; query literals may carry any offset and compare as instants.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


def pacific(dt: datetime) -> str:
    """``2023-02-18T12:57:24-08:00`` (second precision, Pacific offset)."""
    return dt.astimezone(PACIFIC).replace(microsecond=0).isoformat()


def pacific_epoch(epoch: int) -> str:
    """``pacific`` for a whole-second epoch (fast path for bulk generation)."""
    return datetime.fromtimestamp(epoch, PACIFIC).isoformat()


def envelope_time(dt: datetime) -> str:
    """The envelope ``time``: Pacific with milliseconds."""
    return dt.astimezone(PACIFIC).isoformat(timespec="milliseconds")


def pacific_date(dt: datetime) -> str:
    """The company-local calendar date (``TxnDate`` default)."""
    return dt.astimezone(PACIFIC).date().isoformat()


def parse_instant(text: str) -> datetime | None:
    """Parse a date or date-time literal; values without an offset are taken as Pacific.

    Accepts ``YYYY-MM-DD``, ``…THH:MM[:SS[.fff]]`` with ``Z``/``±HH:MM``/``±HHMM`` or no offset.
    Returns None when the text is not a date/time.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(), PACIFIC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PACIFIC)
    return parsed


def epoch(dt: datetime) -> float:
    return dt.timestamp()


def stamp_epoch(stamp: str) -> int:
    """Epoch seconds of a stored ``MetaData`` stamp (always has an offset)."""
    return int(datetime.fromisoformat(stamp).timestamp())


def add_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
