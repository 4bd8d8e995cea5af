"""SIGKILL of the target at random points of its writes, then a rerun: every customer ends with
exactly one organization, one person for its contact (``contacts: person``) and one linked
mapping row of each; nothing is created twice.

The kill lands after a random number of answered creates (the client logs each answered request
before the target records it), so the windows between a create and its mapping row, and between
a custom field's creation and the stored definitions, are all hit over the loop. Three rounds by
default, 25 with ``--slow``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ledgerlink import db
from tests import leakcheck
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox, customer
from tests.target_pipedrive.singer_io import customers_input

EXE = Path(sys.executable).with_name("target-pipedrive")
PER_ROUND = 12


def _input(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(m) + "\n" for m in customers_input(records)))
    return path


def _run(config: Path, messages: Path, kill_after: int | None) -> int:
    """The target on ``messages``; SIGKILLed once ``kill_after`` creates were answered."""
    with messages.open() as stdin:
        process = subprocess.Popen(
            [str(EXE), "--config", str(config)],
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | {"LOGLEVEL": "INFO"},
        )
        assert process.stderr is not None
        answered, seen = 0, []
        for line in process.stderr:
            seen.append(line)
            if "HTTP Request: POST" in line:
                answered += 1
            if kill_after is not None and answered >= kill_after:
                process.send_signal(signal.SIGKILL)
                break
        process.stderr.close()
        code = process.wait(timeout=120)
    leakcheck.record_output("".join(seen))
    return code


def _check(pd: PipedriveSandbox, records: list[dict[str, Any]]) -> None:
    external = pd.field_code("organization", "QuickBooks Customer ID")
    live = [o for o in pd.rows("organization") if not o["is_deleted"]]
    carried = Counter(str((o.get("custom_fields") or {}).get(external)) for o in live)
    names = Counter(str(o["name"]) for o in live)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT qbo_customer_id, pipedrive_org_id, state FROM customer_org_map"
            " WHERE tenant = %s",
            (TENANT,),
        ).fetchall()
        people = conn.execute(
            "SELECT qbo_customer_id, pipedrive_person_id, state FROM customer_person_map"
            " WHERE tenant = %s",
            (TENANT,),
        ).fetchall()
    mapping = {r["qbo_customer_id"]: r for r in rows}
    persons = {r["qbo_customer_id"]: r for r in people}
    emails = Counter(
        e["value"] for p in pd.rows("person") if not p["is_deleted"] for e in p["emails"]
    )
    for r in records:
        assert emails[r["PrimaryEmailAddr"]["Address"]] == 1, r["Id"]  # one person each
        assert persons[r["Id"]]["state"] == "linked", r["Id"]
        assert carried[r["Id"]] == 1, r["Id"]  # one organization carries the customer's Id
        assert names[r["DisplayName"]] == 1, r["DisplayName"]  # and none was created twice
        assert mapping[r["Id"]]["state"] == "linked", r["Id"]
    assert not [r for r in rows + people if r["state"] == "pending"]
    linked = [r["pipedrive_org_id"] for r in rows if r["state"] == "linked"]
    assert len(linked) == len(set(linked))


@pytest.mark.parametrize(
    "rounds", [pytest.param(3, id="3"), pytest.param(25, id="25", marks=pytest.mark.slow)]
)
@pytest.mark.timeout(1200)
def test_a_killed_run_and_its_rerun_leave_exactly_one_organization_per_customer(
    pd: PipedriveSandbox, tmp_path: Path, rounds: int
) -> None:
    config = tmp_path / "config.json"
    settings = {"tenant": TENANT, "backoff_base_seconds": 0.01, "contacts": "person"}
    config.write_text(json.dumps(settings))
    rng = random.Random(os.environ.get("CRASH_SEED", "target-pipedrive"))
    seen: list[dict[str, Any]] = []
    codes: list[int] = []  # of the runs meant to be killed (a late kill point may come too late)
    for round_ in range(rounds):
        records = [
            customer(
                f"{round_ + 1}{n:03d}",
                f"Crash Round {round_} Customer {n}",
                GivenName=f"Person{n}",
                PrimaryEmailAddr={"Address": f"r{round_}c{n}@crash.example"},
            )
            for n in range(PER_ROUND)
        ]
        messages = _input(tmp_path / f"round{round_}.singer", records)
        # The first round also creates the custom fields: the kill may land among them.
        # An organization and a person per customer: 2 creates each.
        kill_after = rng.randint(0, 2 * PER_ROUND + (8 if round_ == 0 else 0))
        codes.append(_run(config, messages, kill_after))
        assert _run(config, messages, None) == 0
        seen += records
        _check(pd, seen)
    assert -signal.SIGKILL in codes
