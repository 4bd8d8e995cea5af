"""`ledgerlink replay --tenant T customer <id>` and the retry of refused customers: the next
customers-to-pipedrive run decides the customer again through the same path, even when its input
holds no record at all."""

from __future__ import annotations

from click.testing import CliRunner

from ledgerlink.cli import main
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, customer, stats
from tests.target_pipedrive.singer_io import customers_input, run_target

FAST = {"backoff_base_seconds": 0.01}


def test_a_replayed_customer_is_compared_with_its_organization_and_written_once(
    pd: PipedriveSandbox,
) -> None:
    record = customer("9501", "Replay Traders", WebAddr={"URI": "https://replay.example"})
    assert run_target(customers_input([record]), **FAST).exit_code == 0
    (org,) = [o for o in pd.rows("organization") if o["name"] == "Replay Traders"]
    pd.change("organization", org["id"], name="Renamed In Pipedrive")  # someone edits the CRM
    unchanged = run_target(customers_input([record], bookmark="b2"), **FAST)
    assert unchanged.report[0] == "target-pipedrive: customers → organizations: noop 1"

    queued = CliRunner().invoke(main, ["replay", "--tenant", TENANT, "customer", "9501"])
    assert queued.exit_code == 0, queued.output
    assert "Customer Replay Traders (QuickBooks id 9501) is queued" in queued.output
    pd.admin.post("/_sandbox/reset", json={}).raise_for_status()
    replayed = run_target(customers_input([], bookmark="b3"), **FAST)  # the tap has nothing new
    assert replayed.exit_code == 0, replayed.report
    assert replayed.report[0] == "target-pipedrive: customers → organizations: update 1"
    writes = {k: n for k, n in stats(pd).items() if not k.startswith("GET ")}
    assert writes == {"PATCH /api/v2/organizations/{id}": 1}
    (org,) = [o for o in pd.rows("organization") if o["id"] == org["id"]]
    assert org["name"] == "Replay Traders"

    pd.admin.post("/_sandbox/reset", json={}).raise_for_status()
    once = run_target(customers_input([], bookmark="b4"), **FAST)
    assert once.exit_code == 0 and stats(pd) == {}  # the replay is done

    unknown = CliRunner().invoke(main, ["replay", "--tenant", TENANT, "customer", "424242"])
    assert unknown.exit_code == 1
    assert "target-pipedrive has not seen QuickBooks customer 424242" in unknown.output
