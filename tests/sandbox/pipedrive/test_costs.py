"""The emulator's token costs come from the official documents; the product's table agrees."""

from __future__ import annotations

import pytest

from ledgerlink.pipedrive import costs as product
from ledgerlink_sandbox.pipedrive import costs as emulator
from ledgerlink_sandbox.pipedrive.gen_costs import render
from ledgerlink_sandbox.pipedrive.openapi import OpenApiSpec

# The product budgets a revoke at 0 although the documents do not list it (OAuth is never charged).
NOT_IN_THE_DOCUMENTS = {("v1", "POST", "/oauth/revoke")}


def test_the_generated_cost_file_is_up_to_date_with_the_documents() -> None:
    generated = render(OpenApiSpec.shared().documents)
    assert emulator.COSTS_FILE.read_text(encoding="utf-8") == generated, (
        "run: python -m ledgerlink_sandbox.pipedrive.gen_costs"
    )


def test_every_operation_of_the_documents_has_its_cost() -> None:
    spec = OpenApiSpec.shared()
    for (name, method, path), cost in emulator.TOKEN_COSTS.items():
        assert spec.token_cost(name, method, path) == cost
    assert len(emulator.TOKEN_COSTS) == sum(
        1
        for document in spec.documents.values()
        for item in document["paths"].values()
        for method in ("get", "post", "put", "patch", "delete")
        if method in item
    )


@pytest.mark.parametrize("key", sorted(set(product.TOKEN_COSTS) - NOT_IN_THE_DOCUMENTS))
def test_the_product_budgets_what_the_emulator_charges(key: tuple[str, str, str]) -> None:
    assert product.TOKEN_COSTS[key] == emulator.TOKEN_COSTS[key]


@pytest.mark.parametrize(
    ("method", "url_path"),
    [
        ("GET", "/api/v2/deals/archived"),
        ("GET", "/api/v2/deals/17"),
        ("PATCH", "/api/v2/persons/3"),
        ("GET", "/api/v2/organizations/search"),
        ("GET", "/api/v2/dealFields/abc123"),
        ("GET", "/v1/notes/5"),
        ("GET", "/api/v1/users/me"),
        ("POST", "/oauth/token"),
    ],
)
def test_the_product_and_the_emulator_read_request_paths_alike(method: str, url_path: str) -> None:
    assert product.operation(method, url_path) == emulator.spec_operation(url_path, method)
