"""The Dagster UI in a real browser: `dagster dev` from the repository root, headless Chromium.

It finds the assets, the schedules, the sensor and the check, launches a materialization of
`ledgerlink/connections` (the token keep-alive) from the asset's page and sees the run succeed.
The screenshot stays in .ledgerlink/test-logs/dagster-ui.png. Slow (`dagster dev` takes up to a
minute to answer on a small machine, the run half a minute): run with `--slow`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.orchestration.browser import Browser, chromium
from tests.orchestration.conftest import Box

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / ".ledgerlink" / "test-logs" / "dagster-ui.png"
RUNS = "{ runsOrError { ... on Runs { results { runId status jobName } } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dagster_ui(box: Box, tmp_path: Path) -> Iterator[str]:
    """`dagster dev` from the repository root on a fresh instance; its URL."""
    port = _free_port()
    home = tmp_path / "dagster-home"
    home.mkdir()
    log = (tmp_path / "dagster-dev.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=os.environ | {"DAGSTER_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/server_info", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "dagster-dev.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "dagster dev did not answer in 180 s"
            time.sleep(1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _runs(url: str) -> list[dict[str, str]]:
    answer = httpx.post(f"{url}/graphql", json={"query": RUNS}, timeout=30).json()
    return list(answer["data"]["runsOrError"]["results"])


@pytest.mark.slow
@pytest.mark.skipif(
    chromium() is None,
    reason="needs Debian's chromium: apt-get install -y --no-install-recommends chromium (as root;"
    " python3 tasks.py test does it when it can)",
)
def test_the_ui_shows_the_definitions_and_runs_a_materialization(
    box: Box, dagster_ui: str, tmp_path: Path
) -> None:
    box.connect_quickbooks("acme")
    executable = chromium()
    assert executable is not None
    with Browser(executable, tmp_path / "chromium-profile") as page:
        page.go(f"{dagster_ui}/assets")
        page.wait_for_text("ledgerlink / connections", "pipedrive / deals", timeout=90)
        page.click_button("Skip")  # the "Join the Dagster community" modal of a fresh profile
        for prefix in ("raw_quickbooks", "raw_pipedrive"):
            page.go(f"{dagster_ui}/assets/{prefix}")
            page.wait_for_text("customers" if prefix == "raw_quickbooks" else "deals", "raw_copies")

        page.go(f"{dagster_ui}/automation")
        page.wait_for_text(
            "raw_copies_daily",
            "customers_hourly",
            "shipment_status_every_15_minutes",
            "token_keepalive_every_30_minutes",
            "tenant_discovery",
            "paid_invoices",
        )

        page.go(f"{dagster_ui}/assets/ledgerlink/connections?view=checks")
        page.wait_for_text("no_reconnect_due")
        page.go(f"{dagster_ui}/assets/ledgerlink/customer_org_map?view=checks")
        page.wait_for_text("one_organization_per_customer", "every_active_customer_mapped")

        page.go(f"{dagster_ui}/assets/ledgerlink/connections")
        page.wait_for_text("Materialize", "Definition", "token_keepalive")
        # The button works once the page has loaded the asset; click again until a run exists.
        deadline = time.monotonic() + 60
        while not _runs(dagster_ui):
            assert time.monotonic() < deadline, "Materialize launched no run"
            page.click_button("Skip")
            page.click_button("Materialize")
            time.sleep(5)

        deadline = time.monotonic() + 120
        while not any(r["status"] in ("SUCCESS", "FAILURE") for r in _runs(dagster_ui)):
            assert time.monotonic() < deadline, f"no finished run: {_runs(dagster_ui)}"
            time.sleep(1)
        [run] = _runs(dagster_ui)
        page.go(f"{dagster_ui}/runs/{run['runId']}")
        page.wait_for_text("Success")
        page.screenshot(SCREENSHOT)
        assert run["status"] == "SUCCESS"
