"""SIGKILL of target-pipedrive at random points of a money run, then reruns of the same input:
every payment ends with exactly one note on the linked deal, and the figures are right.

The kills land while notes are being created (right after the sandbox stored the k-th note, so
before or after the target recorded it as sent) or at a random moment of the run (start-up,
ingestion, field set-up). ``LEDGERLINK_KILL_LOOPS`` sets the number of kills: 8 by default, to
keep the suite's time (each kill costs a process start); the acceptance loop is
``LEDGERLINK_KILL_LOOPS=20`` or more (it passed with 20, 30 payments).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from ledgerlink import db
from tests.target_pipedrive.conftest import TENANT, PipedriveSandbox
from tests.target_pipedrive.test_money_figures import TODAY, invoice, payment
from tests.target_pipedrive.test_money_sink import _field, _link, messages
from tests.target_pipedrive.test_money_sync import notes_on

PAYMENTS = 30
EXE = Path(sys.executable).with_name("target-pipedrive")


def _start(config: Path, stdin: Path) -> subprocess.Popen[bytes]:
    with stdin.open("rb") as source:
        return subprocess.Popen(
            [str(EXE), "--config", str(config)],
            stdin=source,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def _kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool], limit: float) -> bool:
    """SIGKILL ``process`` once ``ready()`` is true; whether it was still running then."""
    deadline = time.monotonic() + limit
    while process.poll() is None:
        if ready() or time.monotonic() > deadline:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    return False


def _noted(pd: PipedriveSandbox, deal_id: int, count: int) -> bool:
    """The sandbox holds ``count`` notes on the deal (the target may not have recorded the
    last one yet)."""
    return len(notes_on(pd, deal_id)) >= count


def _past(moment: float) -> bool:
    return time.monotonic() >= moment


def test_sigkill_at_random_points_never_duplicates_a_note(
    pd: PipedriveSandbox, tmp_path: Path
) -> None:
    org_id, deal_id = _link(pd, "91", "Killed Customer", deal=True)
    records = {
        "invoices": [
            invoice(str(700 + n), "91", 100, 100 if n % 2 else 0, TODAY) for n in range(6)
        ],
        "payments": [payment(str(800 + n), "91", 10 + n, TODAY, ("701",)) for n in range(PAYMENTS)],
    }
    stdin = tmp_path / "input.jsonl"
    stdin.write_text(messages(records))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"tenant": TENANT, "payment_notes_since": "2000-01-01"}))
    rng = random.Random(int(os.environ.get("LEDGERLINK_KILL_SEED", "12")))
    kills = int(os.environ.get("LEDGERLINK_KILL_LOOPS", "8"))
    landed = 0
    for _ in range(kills):
        process = _start(config, stdin)
        already = len(notes_on(pd, deal_id))
        if already < PAYMENTS and rng.random() < 0.75:
            target = already + rng.randint(1, 2)
            killed = _kill_when(process, partial(_noted, pd, deal_id, target), 60)
        else:
            moment = time.monotonic() + rng.uniform(0.2, 4.0)
            killed = _kill_when(process, partial(_past, moment), 60)
        landed += not killed
    final = _start(config, stdin)
    assert final.wait(timeout=120) == 0
    noted = notes_on(pd, deal_id)
    references = sorted(n["content"].split("ref qbo-payment-")[1].split("<")[0] for n in noted)
    assert references == sorted(str(800 + n) for n in range(PAYMENTS))  # each once
    with db.connection() as conn:
        states = conn.execute("SELECT state, count(*) AS n FROM payment_notes GROUP BY state")
        assert states.fetchall() == [{"state": "sent", "n": PAYMENTS}]
    assert _field(pd, "organization", org_id, "Open Balance")["value"] == 300
    assert _field(pd, "deal", deal_id, "Open Invoices") == 3
    assert landed < kills  # the loop did kill runs mid-way
