"""What each Pipedrive operation costs, and which operation a request path stands for.

The costs are the official documents' ``x-token-cost``, read from ``token_costs.json`` (generated
by ``python -m ledgerlink_sandbox.pipedrive.gen_costs``; a test keeps it in step with the
documents). Keys of ``TOKEN_COSTS``: (spec, method, path as written in the spec).

Paths map to operations as the real hosts route them: ``/api/v2/X`` is v2 ``X``; ``/api/v1/X``
and ``/v1/X`` are v1 ``X``; ``/oauth/X`` (oauth.pipedrive.com) is v1 ``/oauth/X``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

COSTS_FILE = Path(__file__).with_name("token_costs.json")


def _load(path: Path) -> dict[tuple[str, str, str], int]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    table: dict[tuple[str, str, str], int] = {}
    for spec, operations in document["costs"].items():
        for key, cost in operations.items():
            method, _, spec_path = key.partition(" ")
            table[(spec, method, spec_path)] = int(cost)
    return table


TOKEN_COSTS: dict[tuple[str, str, str], int] = _load(COSTS_FILE)


def token_cost(spec: str, method: str, path: str) -> int:
    return TOKEN_COSTS[(spec, method, path)]


@cache
def template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching the concrete paths of a spec path template (``/deals/{id}``)."""
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def split_path(url_path: str) -> tuple[str, str] | None:
    """(spec, path inside that spec) of a request path, or ``None`` for a non-API path."""
    if url_path.startswith("/api/v2/"):
        return "v2", url_path[len("/api/v2") :]
    if url_path.startswith(("/api/v1/", "/v1/")):
        return "v1", url_path.split("/v1", 1)[1]
    if url_path.startswith("/oauth/"):
        return "v1", url_path
    return None


# Literal paths before templated ones, so /deals/archived is not read as /deals/{id}.
_ORDERED = sorted(TOKEN_COSTS, key=lambda key: ("{" in key[2], key))


def spec_operation(url_path: str, method: str | None = None) -> tuple[str, str] | None:
    """(spec, spec path) a request path stands for (of ``method``, when given), or ``None``."""
    split = split_path(url_path)
    if split is None:
        return None
    spec, rest = split
    for key_spec, key_method, template in _ORDERED:
        if key_spec != spec or (method is not None and key_method != method.upper()):
            continue
        if template_pattern(template).match(rest):
            return spec, template
    return None
