"""QuickBooks values → Pipedrive field values, what counts as empty, and when two are the same.

Conversions follow the Pipedrive field's own type (reference §1.6 value shapes), so a mapping
still works when someone created the field with another type than the default:

- ``address``: a QuickBooks address (``Line1``-``Line5``, ``City``, ``CountrySubDivisionCode``,
  ``PostalCode``, ``Country``) becomes a whole Pipedrive address object. Every subfield left out
  of a written address is nulled by Pipedrive, so the object carries every subfield: those this
  module derives (``ADDRESS_KEYS``) and the others as explicit nulls. Two addresses are the same
  when the derived subfields are;
- ``monetary``: ``{"value": number, "currency": code}``;
- ``enum`` / ``set``: labels, turned into option ids by the field resolution;
- ``double``: a number; ``date``: ``YYYY-MM-DD``; text types: a trimmed string (an address or a
  QuickBooks object with one obvious text member is flattened).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ledgerlink.pipedrive.fields import ADDRESS_SUBFIELDS

# The address subfields derived from a QuickBooks address; the others are Pipedrive's own
# (geocoding) and are neither compared nor kept.
ADDRESS_KEYS = ("value", "locality", "admin_area_level_1", "postal_code", "country")
assert set(ADDRESS_KEYS) <= set(ADDRESS_SUBFIELDS)
_TEXT_TYPES = ("varchar", "varchar_auto", "text", "phone")
# QuickBooks wraps some values in objects: {"Address": ...}, {"FreeFormNumber": ...}, {"URI": ...}.
_TEXT_MEMBERS = ("Address", "FreeFormNumber", "URI", "name", "value")


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``BillAddr.City``, ``Lines.0.Amount``), ``None`` if absent."""
    value: Any = record
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, Sequence) and not isinstance(value, str) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def first_present(record: Mapping[str, Any], paths: Sequence[str]) -> Any:
    """The first non-empty value among ``paths`` (``DisplayName``, then ``CompanyName``)."""
    for path in paths:
        value = get_path(record, path)
        if not is_empty(value):
            return value
    return None


def is_empty(value: Any) -> bool:
    """No information: null, blank text, an empty list or object, an address without text, an
    amount without a number."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        # Address (``value`` is its required text), amount, range: ``value`` is what counts.
        if "value" in value:
            return is_empty(value["value"])
        return all(is_empty(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_empty(v) for v in value)
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):  # as JSON writes it, so ``values`` maps "true"/"false"
        return "true" if value else "false"
    if isinstance(value, Mapping):
        if _looks_like_qbo_address(value):
            return address_line(value)
        if "value" in value and isinstance(value["value"], str):
            return value["value"].strip() or None
        for member in _TEXT_MEMBERS:
            if member in value and value[member] is not None:
                return _text(value[member])
        return None
    text = str(value).strip()
    return text or None


def _looks_like_qbo_address(value: Mapping[str, Any]) -> bool:
    return any(k in value for k in ("Line1", "City", "PostalCode", "CountrySubDivisionCode"))


def address_line(qbo: Mapping[str, Any]) -> str | None:
    """One line: ``Line1, Line2, City, ST 12345, Country`` (the parts that are present)."""
    lines = [
        str(qbo[k]).strip() for k in ("Line1", "Line2", "Line3", "Line4", "Line5") if qbo.get(k)
    ]
    region = " ".join(
        str(qbo[k]).strip() for k in ("CountrySubDivisionCode", "PostalCode") if qbo.get(k)
    )
    parts = [*lines, str(qbo.get("City") or "").strip(), region, str(qbo.get("Country") or "")]
    line = ", ".join(p.strip() for p in parts if p and p.strip())
    return line or None


def to_address(value: Any) -> dict[str, Any] | None:
    """A whole Pipedrive address object (every subfield present, those QuickBooks does not say
    explicitly null), or ``None`` when there is no address text."""
    derived: dict[str, Any]
    if isinstance(value, Mapping) and _looks_like_qbo_address(value):

        def part(key: str) -> str | None:
            text = str(value.get(key) or "").strip()
            return text or None

        derived = {
            "value": address_line(value),
            "locality": part("City"),
            "admin_area_level_1": part("CountrySubDivisionCode"),
            "postal_code": part("PostalCode"),
            "country": part("Country"),
        }
    elif isinstance(value, Mapping) and isinstance(value.get("value"), str):  # Pipedrive's own
        derived = {k: value.get(k) for k in ADDRESS_KEYS}
    else:
        derived = {"value": _text(value)}
    if is_empty(derived["value"]):
        return None
    return {k: derived.get(k) for k in ADDRESS_SUBFIELDS}


def _number(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = value.get("value")
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def convert(field_type: str, value: Any, *, currency: str | None = None) -> Any:
    """``value`` (from a QuickBooks record) as a value of a Pipedrive field of ``field_type``;
    ``None`` when there is nothing to write. Enum/set values come out as labels."""
    if field_type == "address":
        return to_address(value)
    if field_type == "monetary":
        number = _number(value)
        if number is None:
            return None
        code = value.get("currency") if isinstance(value, Mapping) else None
        return {"value": number, "currency": code or currency}
    if field_type == "double":
        return _number(value)
    if field_type == "date":
        text = _text(value)
        return text[:10] if text else None
    if field_type == "set":
        items = value if isinstance(value, list | tuple) else [value]
        labels = [t for t in (_text(v) for v in items) if t]
        return labels or None
    return _text(value)  # text types, enum labels, anything else


def same(field_type: str, left: Any, right: Any) -> bool:
    """Whether a field holding ``right`` already says ``left`` (no write needed)."""
    if is_empty(left) or is_empty(right):
        return is_empty(left) and is_empty(right)
    if field_type == "address" and isinstance(left, Mapping) and isinstance(right, Mapping):
        return all(_same_text(left.get(k), right.get(k)) for k in ADDRESS_KEYS)
    if field_type == "monetary" and isinstance(left, Mapping) and isinstance(right, Mapping):
        return _same_number(left.get("value"), right.get("value")) and (
            left.get("currency") or None
        ) == (right.get("currency") or None)
    if field_type == "double":
        return _same_number(left, right)
    if field_type == "set" and isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return sorted(map(str, left)) == sorted(map(str, right))
    if field_type in _TEXT_TYPES and isinstance(left, str) and isinstance(right, str):
        return left.strip() == right.strip()
    return bool(left == right)


def _same_text(left: Any, right: Any) -> bool:
    if is_empty(left) or is_empty(right):
        return is_empty(left) and is_empty(right)
    return str(left).strip() == str(right).strip()


def _same_number(left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
