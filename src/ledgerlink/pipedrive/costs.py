"""Daily-budget cost of Pipedrive operations: the official spec's ``x-token-cost``.

Copied from the official OpenAPI documents (``pipedrive-v2-openapi.2026-08-18.yaml`` and
``pipedrive-v1-openapi.2026-08-18.yaml``) so nobody parses 3 MB of YAML at start-up. Clients
budget with it (``cost_of``). The sandbox charges from its own table generated from the same
documents; ``tests/sandbox/pipedrive/test_costs.py`` holds the two against each other.
Keys: (spec, method, path as written in the spec).
"""

from __future__ import annotations

import re
from functools import cache

TOKEN_COSTS: dict[tuple[str, str, str], int] = {
    ("v2", "GET", "/organizations"): 10,
    ("v2", "POST", "/organizations"): 5,
    ("v2", "DELETE", "/organizations/{id}"): 3,
    ("v2", "GET", "/organizations/{id}"): 1,
    ("v2", "PATCH", "/organizations/{id}"): 5,
    ("v2", "GET", "/organizations/search"): 20,
    ("v2", "GET", "/persons"): 10,
    ("v2", "POST", "/persons"): 5,
    ("v2", "DELETE", "/persons/{id}"): 3,
    ("v2", "GET", "/persons/{id}"): 1,
    ("v2", "PATCH", "/persons/{id}"): 5,
    ("v2", "GET", "/persons/search"): 20,
    ("v2", "GET", "/deals"): 10,
    ("v2", "POST", "/deals"): 5,
    ("v2", "DELETE", "/deals/{id}"): 3,
    ("v2", "GET", "/deals/{id}"): 1,
    ("v2", "PATCH", "/deals/{id}"): 5,
    ("v2", "GET", "/deals/archived"): 20,
    ("v2", "GET", "/deals/search"): 20,
    ("v2", "GET", "/pipelines"): 5,
    ("v2", "GET", "/pipelines/{id}"): 1,
    ("v2", "GET", "/stages"): 5,
    ("v2", "GET", "/stages/{id}"): 1,
    ("v2", "GET", "/organizationFields"): 10,
    ("v2", "POST", "/organizationFields"): 5,
    ("v2", "GET", "/organizationFields/{field_code}"): 1,
    ("v2", "DELETE", "/organizationFields/{field_code}"): 3,
    ("v2", "GET", "/dealFields"): 10,
    ("v2", "POST", "/dealFields"): 5,
    ("v2", "GET", "/dealFields/{field_code}"): 1,
    ("v2", "DELETE", "/dealFields/{field_code}"): 3,
    ("v2", "GET", "/personFields"): 10,
    ("v2", "POST", "/personFields"): 5,
    ("v2", "GET", "/personFields/{field_code}"): 1,
    ("v2", "DELETE", "/personFields/{field_code}"): 3,
    ("v2", "GET", "/itemSearch/field"): 20,
    ("v1", "GET", "/notes"): 20,
    ("v1", "POST", "/notes"): 10,
    ("v1", "GET", "/notes/{id}"): 2,
    ("v1", "GET", "/users/me"): 2,
    ("v1", "GET", "/webhooks"): 10,
    ("v1", "POST", "/webhooks"): 10,
    ("v1", "DELETE", "/webhooks/{id}"): 6,
    ("v1", "GET", "/oauth/authorize"): 0,
    ("v1", "POST", "/oauth/token"): 0,
    ("v1", "POST", "/oauth/token/"): 0,
    ("v1", "POST", "/oauth/revoke"): 0,  # not in the spec (SDK only); OAuth is never charged
}


def token_cost(spec: str, method: str, path: str) -> int:
    return TOKEN_COSTS[(spec, method, path)]


# Literal paths before templated ones, so /deals/archived is not read as /deals/{id}.
_ORDER = sorted(TOKEN_COSTS, key=lambda key: "{" in key[2])


@cache
def template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching the concrete paths of a spec path template (``/deals/{id}``)."""
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def split_path(url_path: str) -> tuple[str, str] | None:
    """(spec, path inside that spec) of a request path as the hosts route it, or ``None``.

    ``/api/v2/X`` is v2 ``X``; ``/api/v1/X`` and ``/v1/X`` are v1 ``X``; ``/oauth/X`` is v1.
    """
    if url_path.startswith("/api/v2/"):
        return "v2", url_path[len("/api/v2") :]
    if url_path.startswith(("/api/v1/", "/v1/")):
        return "v1", url_path.split("/v1", 1)[1]
    if url_path.startswith("/oauth/"):
        return "v1", url_path
    return None


def operation(method: str, url_path: str) -> tuple[str, str] | None:
    """(spec, spec path) of a request, or ``None`` if unknown."""
    split = split_path(url_path)
    if split is None:
        return None
    spec, rest = split
    method = method.upper()
    for key_spec, key_method, template in _ORDER:
        if key_spec == spec and key_method == method and template_pattern(template).match(rest):
            return spec, template
    return None


def cost_of(method: str, url_path: str, default: int = 10) -> int:
    """Tokens a request will be charged; ``default`` (a v2 list page) for an unknown operation,
    so a budget estimate errs on the careful side."""
    found = operation(method, url_path)
    return default if found is None else TOKEN_COSTS[(found[0], method.upper(), found[1])]
