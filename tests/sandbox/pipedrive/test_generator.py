"""The generated Pipedrive company: deterministic, consistent with the QBO customer names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledgerlink_sandbox.framework import Clock
from ledgerlink_sandbox.pipedrive.names import CUSTOMER_COUNTS, customer_names
from ledgerlink_sandbox.pipedrive.service import PipedriveService, build
from ledgerlink_sandbox.quickbooks.generator import generate as generate_qbo

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def service(seed: str, size: str = "demo") -> PipedriveService:
    clock = Clock()
    clock.freeze(AT)
    return build(seed, size, clock)


def snapshot(seed: str) -> list[tuple[int, str]]:
    svc = service(seed)
    try:
        return [(o["id"], o["name"]) for o in svc.state.store.rows("organization")]
    finally:
        svc.close()


def test_same_seed_same_company_other_seed_differs() -> None:
    assert snapshot("alpha") == snapshot("alpha")
    assert snapshot("alpha") != snapshot("beta")


def test_names_line_up_with_qbo_customers() -> None:
    svc = service("consistency", "small")
    gen = svc.state.generated
    names = customer_names("consistency", "small")
    assert gen.customer_names == names and len(names) == CUSTOMER_COUNTS["small"]
    assert len({n.lower() for n in names}) == len(names)
    orgs = [o for o in svc.state.store.rows("organization") if not o["is_deleted"]]
    by_name: dict[str, list[dict[str, object]]] = {}
    for org in orgs:
        by_name.setdefault(str(org["name"]), []).append(org)
    assert all(names[i] in by_name for i in gen.exact)
    assert all(len(by_name[names[i]]) == 2 for i in gen.ambiguous) and gen.ambiguous
    variants = [i for i in gen.variant if names[i] not in by_name]
    assert variants and all(
        any(
            o.casefold().replace(".", "").replace(",", "")
            in {
                names[i].casefold().replace(".", "").replace(",", "").replace("&", "and"),
                names[i].casefold(),
            }
            for o in by_name
        )
        for i in variants
    )
    linked = [o for o in orgs if o["custom_fields"].get(gen.external_id_field)]
    assert linked
    for org in linked:
        index = int(org["custom_fields"][gen.external_id_field]) - 1
        assert org["name"].casefold() in (names[index].casefold(), _variant_key(names[index]))
    unrelated = [o for o in orgs if str(o["name"]).casefold() not in {n.casefold() for n in names}]
    assert len(unrelated) >= len(names) // 5
    svc.close()


def _variant_key(name: str) -> str:
    return name.replace(",", "").replace(".", "").replace("&", "and").casefold()


def test_deals_span_pipelines_stages_ages_and_deletions() -> None:
    svc = service("deals", "small")
    deals = svc.state.store.rows("deal")
    assert {d["pipeline_id"] for d in deals} == {1, 2}
    assert len({d["stage_id"] for d in deals}) == 7
    assert any(d["add_time"] < AT - timedelta(days=31) for d in deals)
    assert any(d["is_deleted"] for d in deals) and any(d["is_archived"] for d in deals)
    assert {d["status"] for d in deals} == {"open", "won", "lost"}
    fields = svc.state.store.fields
    types = {f.type for f in fields["organization"].values() if f.is_custom}
    assert {"varchar", "monetary", "enum"} <= types
    svc.close()


def test_customer_names_are_the_qbo_generators() -> None:
    dataset = generate_qbo("shared-seed", "demo", AT)
    by_id = {int(c["Id"]): c["DisplayName"] for c in dataset.records["Customer"]}
    names = customer_names("shared-seed", "demo")
    assert [by_id[i + 1] for i in range(len(names))] == names
