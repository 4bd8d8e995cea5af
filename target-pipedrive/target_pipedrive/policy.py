"""What to write to one field: the field's policy applied to what QuickBooks says and what
Pipedrive holds.

- ``never``: nothing, ever;
- ``fill_if_empty``: QuickBooks' value, only into an empty field;
- ``overwrite``: QuickBooks' value whenever it differs.

An empty QuickBooks value (null, blank, no address text) never clears a filled field, except
under ``overwrite`` with ``clear_when_empty``: then the field is cleared (``null`` in v2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from target_pipedrive.mapping import Policy
from target_pipedrive.values import is_empty, same


@dataclass(frozen=True)
class Rule:
    policy: Policy
    clear_when_empty: bool = False
    type: str = "varchar"


@dataclass(frozen=True)
class Write:
    """A value to send (``None`` clears the field)."""

    value: Any


def decide(rule: Rule, desired: Any, current: Any) -> Write | None:
    """The write one field needs, or ``None`` when it must be left alone."""
    if rule.policy is Policy.NEVER:
        return None
    if is_empty(desired):
        if rule.policy is Policy.OVERWRITE and rule.clear_when_empty and not is_empty(current):
            return Write(None)
        return None
    if rule.policy is Policy.FILL_IF_EMPTY:
        return Write(desired) if is_empty(current) else None
    return None if same(rule.type, desired, current) else Write(desired)
