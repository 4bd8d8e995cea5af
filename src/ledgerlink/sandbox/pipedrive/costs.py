"""Daily-budget cost of every operation the sandbox serves: the spec's ``x-token-cost``.

Copied from the official OpenAPI documents (``pipedrive-v2-openapi.2026-08-18.yaml`` and
``pipedrive-v1-openapi.2026-08-18.yaml``) so the service does not parse 3 MB of YAML at start-up;
``tests/sandbox/test_pipedrive_openapi.py`` checks the table against the documents.
Keys: (spec, method, path as written in the spec).
"""

from __future__ import annotations

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
