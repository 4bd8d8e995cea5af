"""A large company (about 78k deals): 10 tokens per 500 records and flat memory in the tap.

Slow (the emulator needs ~0.6 s to serve each 500-deal page of the large company, about two
minutes in all): run with the other opt-in large tests by ``python3 tasks.py test --slow``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests import leakcheck
from tests.tap_pipedrive.conftest import TENANT, PipedriveSandbox, connect

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not Path("/proc/self/status").exists(), reason="reads the tap's peak RSS from /proc"
    ),
]


def test_a_large_deal_sync_costs_ten_tokens_per_500_and_keeps_memory_flat(
    clean_db: str, tmp_path: Path
) -> None:
    sandbox = PipedriveSandbox(seed="tap-pipedrive-large", size="large")
    try:
        sandbox.no_burst_limit()
        connect(sandbox)
        config = tmp_path / "config.json"
        config.write_text(json.dumps({"tenant": TENANT}))
        tap = [sys.executable, "-m", "tap_pipedrive.tap", "--config", str(config)]
        catalog = json.loads(
            subprocess.run([*tap, "--discover"], capture_output=True, text=True, check=True).stdout
        )
        for stream in catalog["streams"]:
            top = next(m for m in stream["metadata"] if m["breadcrumb"] == [])
            top["metadata"]["selected"] = stream["tap_stream_id"] == "deals"
        (tmp_path / "catalog.json").write_text(json.dumps(catalog))
        before = sandbox.tokens()["by_operation"]

        log = tmp_path / "stderr.log"
        with log.open("w") as stderr:  # a file: a full stderr pipe would block the tap
            process = subprocess.Popen(
                [*tap, "--catalog", str(tmp_path / "catalog.json")],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
            assert process.stdout is not None
            records, peak_kib = 0, 0
            status = Path(f"/proc/{process.pid}/status")
            for line in process.stdout:
                if line.startswith('{"type":"RECORD"'):
                    records += 1
                    if records % 5000 == 0:  # the tap's own resident memory, while it runs
                        rss = [r for r in status.read_text().splitlines() if r.startswith("VmRSS")]
                        peak_kib = max(peak_kib, int(rss[0].split()[1]))
            process.wait()
        err = log.read_text()
        leakcheck.record_output(err[-20000:])
        assert process.returncode == 0, err[-2000:]
        peak_mib = peak_kib / 1024

        deals = len(sandbox.expected_ids("deal"))
        spent = sandbox.tokens()["by_operation"]
        assert records == deals > 70_000
        pages = math.ceil(deals / 500)
        assert spent["GET /api/v2/deals"] - before.get("GET /api/v2/deals", 0) == 10 * pages
        assert 0 < peak_mib < 150, f"tap peak RSS {peak_mib:.0f} MiB"  # pages, not the company
        print(f"{deals} deals, {pages} pages, {10 * pages} tokens, tap peak RSS {peak_mib:.0f} MiB")
    finally:
        sandbox.close()
