"""The tap as Meltano runs it: ``--discover`` in one process, the sync with ``--catalog`` in the
next; a budget stop exits 0 with resumable state and says so on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests import leakcheck
from tests.tap_pipedrive.conftest import TENANT, PipedriveSandbox

TAP = [sys.executable, "-m", "tap_pipedrive.tap"]


def _run(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*TAP, "--config", str(tmp / "config.json"), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),  # the session's LEDGERLINK_DATABASE_URL and key
        timeout=120,
    )
    leakcheck.record_output(done.stdout + done.stderr)
    return done


def _messages(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_discover_then_sync_then_budget_stop_then_resume(
    pd: PipedriveSandbox, tmp_path: Path
) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"tenant": TENANT, "budget_reserve": 100}))

    discovered = _run(["--discover"], tmp_path)
    assert discovered.returncode == 0, discovered.stderr
    catalog = json.loads(discovered.stdout)
    deals = next(s for s in catalog["streams"] if s["tap_stream_id"] == "deals")
    assert {"invoice_status", "invoice_total", "_sdc_deleted_at"} <= set(
        deals["schema"]["properties"]
    )
    for stream in catalog["streams"]:  # select everything, as `meltano select` would
        top = next(m for m in stream["metadata"] if m["breadcrumb"] == [])
        top["metadata"]["selected"] = True
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    spent_by_discovery = pd.tokens()["spent_total"]
    assert spent_by_discovery == 30  # three pages of field definitions

    pd.settings(plan="lite", seats=1, daily_base_tokens=1000)
    pd.set_remaining(125)  # 25 to spend: the deal field page and one deal page of two
    stopped = _run(["--catalog", str(tmp_path / "catalog.json")], tmp_path)
    assert stopped.returncode == 0, stopped.stderr
    assert "are reserved for its other apps" in stopped.stderr
    assert "Run ended early at the token budget reserve; state is resumable" in stopped.stderr
    assert "Pipedrive tokens spent this run: 20 tokens" in stopped.stderr
    messages = _messages(stopped.stdout)
    state = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    first = [
        m["record"]["id"] for m in messages if m["type"] == "RECORD" and m["stream"] == "deals"
    ]
    assert len(first) == 500 and state["bookmarks"]["deals"]["replication_key_value"]

    (tmp_path / "state.json").write_text(json.dumps(state))
    pd.set_remaining(1000)
    resumed = _run(
        ["--catalog", str(tmp_path / "catalog.json"), "--state", str(tmp_path / "state.json")],
        tmp_path,
    )
    assert resumed.returncode == 0, resumed.stderr
    rest = [
        m["record"]["id"]
        for m in _messages(resumed.stdout)
        if m["type"] == "RECORD" and m["stream"] == "deals"
    ]
    assert sorted(first + rest) == sorted(pd.expected_ids("deal"))
    assert "Run ended early" not in resumed.stderr
