"""The money sink inside target-pipedrive: Singer messages of tap-quickbooks' invoices and
payments in, figures and notes out at the end of the run; bad records named, the rest landed."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ledgerlink import db
from tap_quickbooks import schemas
from target_pipedrive.target import TargetPipedrive
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, stats
from tests.target_pipedrive.test_money_figures import TODAY, invoice, payment
from tests.target_pipedrive.test_money_sync import notes_on

SCHEMAS = {"invoices": schemas.INVOICE.to_dict(), "payments": schemas.PAYMENT.to_dict()}


def messages(records: dict[str, list[dict[str, Any]]]) -> str:
    lines: list[dict[str, Any]] = []
    for stream, schema in SCHEMAS.items():
        lines.append(
            {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["Id"]}
        )
        lines += [
            {"type": "RECORD", "stream": stream, "record": r} for r in records.get(stream, [])
        ]
    lines.append({"type": "STATE", "value": {"bookmarks": {}}})
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def run_target(records: dict[str, list[dict[str, Any]]], **config: Any) -> None:
    target = TargetPipedrive(
        config={"tenant": TENANT, "payment_notes_since": "2026-11-01", **config},
        parse_env_config=False,
    )
    target.listen(io.StringIO(messages(records)))


def _link(pd: PipedriveSandbox, customer: str, name: str, deal: bool = False) -> tuple[int, int]:
    org = pd.create("organization", name=name)
    deal_id = 0
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO customer_org_map (tenant, qbo_customer_id, pipedrive_org_id, state,"
            " match_method) VALUES (%s, %s, %s, 'linked', 'manual')",
            (TENANT, customer, org["id"]),
        )
        if deal:
            deal_id = int(pd.create("deal", title=f"{name} deal", org_id=org["id"])["id"])
            conn.execute(
                "INSERT INTO deal_map (tenant, pipedrive_deal_id, pipedrive_org_id,"
                " qbo_customer_id) VALUES (%s, %s, %s, %s)",
                (TENANT, deal_id, org["id"], customer),
            )
    return int(org["id"]), deal_id


def _field(pd: PipedriveSandbox, entity: str, record_id: int, name: str) -> Any:
    """A custom field's value as the sandbox holds it (no API request: stats stay exact)."""
    with db.connection() as conn:
        row = conn.execute(
            "SELECT definitions FROM pipedrive_fields WHERE tenant = %s AND entity = %s",
            (TENANT, entity),
        ).fetchone()
    assert row is not None
    code = next(d["field_code"] for d in row["definitions"] if d["field_name"] == name)
    record = next(r for r in pd.rows(entity) if r["id"] == record_id)
    return (record.get("custom_fields") or {}).get(code)


def test_the_target_pushes_figures_and_notes_once_at_the_end_of_the_run(
    pd: PipedriveSandbox,
) -> None:
    org_id, deal_id = _link(pd, "71", "Sink Customer", deal=True)
    records = {
        "invoices": [
            invoice("501", "71", 300, 300, TODAY, TODAY, "https://pay/501"),
            invoice("502", "71", 200, 0, TODAY),
            {**invoice("503", "71", 1, 1, TODAY), "CustomerRef": None},  # no customer
        ],
        "payments": [
            payment("601", "71", 200, TODAY, ("502",)),
            payment("602", "71", 50, TODAY.replace(month=10), ()),  # before the cutoff
        ],
    }
    run_target(records)
    assert _field(pd, "organization", org_id, "Open Balance")["value"] == 300
    assert _field(pd, "organization", org_id, "Pay Online Link") == "https://pay/501"
    assert _field(pd, "deal", deal_id, "Open Invoices") == 1
    noted = notes_on(pd, deal_id)
    assert len(noted) == 1 and "qbo-payment-601" in noted[0]["content"]
    assert "Invoice paid: 10502" in noted[0]["content"]
    with db.connection() as conn:
        failed = conn.execute(
            "SELECT stream, source_key, error FROM sync_audit WHERE action = 'fail'"
        ).fetchall()
        owed = conn.execute(
            "SELECT m.open_balance, m.open_invoices, o.pipedrive_org_id FROM customer_money m"
            " LEFT JOIN customer_org_map o USING (tenant, qbo_customer_id)"
            " WHERE m.tenant = %s AND m.qbo_customer_id = '71'",
            (TENANT,),
        ).fetchone()
    assert failed == [
        {"stream": "invoices", "source_key": "503", "error": "an invoice without a CustomerRef"}
    ]
    assert owed == {"open_balance": 300, "open_invoices": 1, "pipedrive_org_id": org_id}
    before = stats(pd)
    run_target(records)  # the same input again: nothing changed, nothing sent, nothing read
    assert stats(pd) == before
    assert len(notes_on(pd, deal_id)) == 1 and before["POST /api/v1/notes"] == 1


def test_a_run_without_records_makes_no_pipedrive_request(pd: PipedriveSandbox) -> None:
    run_target({})
    assert sum(stats(pd).values()) == 0


def test_html_in_quickbooks_text_is_escaped_in_the_note(pd: PipedriveSandbox) -> None:
    _, deal_id = _link(pd, "72", "Escaping Customer", deal=True)
    hostile = {**invoice("511", "72", 10, 0, TODAY), "DocNumber": "<script>x</script>&1"}
    run_target({"invoices": [hostile], "payments": [payment("611", "72", 10, TODAY, ("511",))]})
    (note,) = notes_on(pd, deal_id)
    assert "&lt;script&gt;x&lt;/script&gt;&amp;1" in note["content"]
    assert "<script>" not in note["content"]


def test_by_default_only_payments_since_the_pipedrive_connection_get_a_note(
    pd: PipedriveSandbox,
) -> None:
    _, deal_id = _link(pd, "73", "Cutoff Customer", deal=True)
    connected = datetime.now(UTC).date()  # the pd fixture connected the tenant just now
    history = [payment(str(620 + n), "73", 10, connected - timedelta(days=n)) for n in (1, 30, 400)]
    news = payment("629", "73", 25, connected)
    target = TargetPipedrive(config={"tenant": TENANT}, parse_env_config=False)
    target.listen(io.StringIO(messages({"payments": [*history, news]})))
    (note,) = notes_on(pd, deal_id)
    assert "qbo-payment-629" in note["content"]


def _invoice_deals(pd: PipedriveSandbox, org_id: int) -> dict[str, dict[str, Any]]:
    """The organization's live deals by title."""
    return {
        d["title"]: d
        for d in pd.rows("deal")
        if d.get("org_id") == org_id and not d.get("is_deleted")
    }


def test_invoice_deals_one_per_invoice_won_when_paid_lost_when_voided_never_twice(
    pd: PipedriveSandbox,
) -> None:
    org_id, _ = _link(pd, "75", "Deal Customer")
    setting = {"invoice_deals": "create"}
    first = {
        "invoices": [
            invoice("901", "75", 300, 300, TODAY),
            invoice("902", "75", 120, 0, TODAY),
            invoice("903", "75", 50, 50, TODAY.replace(month=9)),  # before the cutoff
        ]
    }
    run_target(first, **setting)
    deals = _invoice_deals(pd, org_id)
    assert set(deals) == {"Invoice 10901", "Invoice 10902"}
    assert (deals["Invoice 10901"]["status"], deals["Invoice 10901"]["value"]) == ("open", 300)
    assert deals["Invoice 10902"]["status"] == "won"
    before = stats(pd)
    run_target(first, **setting)  # replay: nothing to send
    assert stats(pd) == before
    paid_and_voided = {
        "invoices": [
            invoice("901", "75", 300, 0, TODAY),
            {"Id": "902", "status": "Deleted", "_sdc_deleted_at": "2026-11-20T10:00:00+00:00"},
        ]
    }
    run_target(paid_and_voided, **setting)
    deals = _invoice_deals(pd, org_id)
    assert deals["Invoice 10901"]["status"] == "won"
    assert deals["Invoice 10902"]["status"] == "lost"
    assert len(deals) == 2
    assert stats(pd)["POST /api/v2/deals"] == 2


def test_an_invoice_deal_whose_create_answer_was_lost_is_found_not_created_again(
    pd: PipedriveSandbox,
) -> None:
    org_id, _ = _link(pd, "76", "Lost Deal Customer")
    run_target({"invoices": [invoice("911", "76", 10, 10, TODAY)]}, invoice_deals="create")
    with db.connection() as conn:
        row = conn.execute(
            "SELECT definitions FROM pipedrive_fields WHERE tenant = %s AND entity = 'deal'",
            (TENANT,),
        ).fetchone()
        assert row is not None
        code = next(
            d["field_code"]
            for d in row["definitions"]
            if d["field_name"] == "QuickBooks Invoice ID"
        )
        # A second invoice whose create was sent, landed, and whose answer never came back.
        conn.execute(
            "INSERT INTO invoice_deal_map (tenant, qbo_invoice_id, qbo_customer_id, state)"
            " VALUES (%s, '912', '76', 'pending')",
            (TENANT,),
        )
    landed = pd.create(
        "deal", title="Invoice 10912", org_id=org_id, value=20, custom_fields={code: "912"}
    )
    posts = stats(pd)["POST /api/v2/deals"]
    invoices = [invoice("911", "76", 10, 10, TODAY), invoice("912", "76", 20, 20, TODAY)]
    run_target({"invoices": invoices}, invoice_deals="create")
    assert stats(pd)["POST /api/v2/deals"] == posts  # found, not created again
    assert len(_invoice_deals(pd, org_id)) == 2
    with db.connection() as conn:
        mapped = conn.execute(
            "SELECT state, pipedrive_deal_id FROM invoice_deal_map WHERE qbo_invoice_id = '912'"
        ).fetchone()
    assert mapped == {"state": "linked", "pipedrive_deal_id": landed["id"]}
