"""Diff before write: the fields of one organization that need a request, with before → after.

The baseline is what Pipedrive is known to hold for the mapped fields: the mapping's
``last_pushed`` once the customer is linked, the organization's current values on a first match,
nothing for a create. ``plan`` keeps only the fields whose policy asks for a write and whose value
differs; an empty plan means no request. ``applied`` is the baseline after the plan was written:
stored as the new ``last_pushed``, so an unchanged customer plans nothing next time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from target_pipedrive.policy import Rule, decide


@dataclass(frozen=True)
class Change:
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after}


def plan(
    rules: Mapping[str, Rule], desired: Mapping[str, Any], baseline: Mapping[str, Any]
) -> dict[str, Change]:
    """Field key → change, for the fields that need writing (in the rules' order)."""
    changes: dict[str, Change] = {}
    for key, rule in rules.items():
        write = decide(rule, desired.get(key), baseline.get(key))
        if write is not None:
            changes[key] = Change(baseline.get(key), write.value)
    return changes


def applied(baseline: Mapping[str, Any], changes: Mapping[str, Change]) -> dict[str, Any]:
    """The baseline once ``changes`` are written (cleared fields are dropped)."""
    out = dict(baseline)
    for key, change in changes.items():
        if change.after is None:
            out.pop(key, None)
        else:
            out[key] = change.after
    return out


def values(changes: Mapping[str, Change]) -> dict[str, Any]:
    return {key: change.after for key, change in changes.items()}


def audit_json(changes: Mapping[str, Change], names: Mapping[str, str]) -> dict[str, Any]:
    """``{"field name": {"before", "after"}}`` for the audit, by visible name when known."""
    return {names.get(key, key): change.to_json() for key, change in changes.items()}
