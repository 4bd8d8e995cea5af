"""The Dagster UI in a real browser: the webserver and a code server from the repository root,
headless Chromium.

It finds the assets, the schedules, the sensor and the check, launches a materialization of
`ledgerlink/connections` (the token keep-alive) from the asset's page and sees the run succeed.
The screenshot stays in .ledgerlink/test-logs/dagster-ui.png. About 30 s (a minute on 2 busy
cores; with `dagster dev` it took 4-6 minutes), so it is part of the default run. It runs no
`meltano`, so it is not in the root-project group.
"""

from __future__ import annotations

import contextlib
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


# The test's instance: runs launch at once (no run queue, so no daemon is needed to start them),
# nothing is sent anywhere.
INSTANCE = (
    "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
)
INSTANCE += "telemetry:\n  enabled: false\n"
LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"


class _Processes:
    """Processes started in their own session, stopped together."""

    def __init__(self, log: Path) -> None:
        self.log = log.open("w")
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in self.started:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(2)  # the webserver may wait for open connections: not this long
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.log.close()


def _locations_loaded(url: str) -> bool:
    try:
        answer = httpx.post(f"{url}/graphql", json={"query": LOCATIONS}, timeout=5).json()
    except (httpx.TransportError, ValueError):
        return False
    entries = answer["data"]["workspaceOrError"]["locationEntries"]
    return bool(entries) and all(e["loadStatus"] == "LOADED" for e in entries)


@pytest.fixture
def dagster_ui(box: Box, tmp_path: Path) -> Iterator[str]:
    """The UI as production serves it (docs/operations.md): a code server for the code location
    and `dagster-webserver` reaching it over gRPC, both started at once from the repository root
    on a fresh instance; its URL once the code location is loaded. (`dagster dev` would also
    start the daemon and let the webserver start the code server only after its own start-up:
    minutes on a small machine, for nothing this test looks at.)"""
    grpc_port, port = _free_port(), _free_port()
    home = tmp_path / "dagster-home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE)
    env = os.environ | {"DAGSTER_HOME": str(home)}
    bin_dir = Path(sys.executable).parent
    processes = _Processes(tmp_path / "dagster-ui.log")
    url = f"http://127.0.0.1:{port}"
    try:
        code_server = processes.start(
            [
                str(bin_dir / "dagster"),
                *("api", "grpc", "-m", "ledgerlink_orchestration.definitions"),
                *("-h", "127.0.0.1", "-p", str(grpc_port), "--location-name", "ledgerlink"),
            ],
            env,
        )
        webserver = processes.start(
            [
                str(bin_dir / "dagster-webserver"),
                *("-h", "127.0.0.1", "-p", str(port)),
                *("--grpc-host", "127.0.0.1", "--grpc-port", str(grpc_port)),
            ],
            env,
        )
        deadline = time.monotonic() + 180
        reloaded = 0.0
        while not _locations_loaded(url):
            for process in (code_server, webserver):
                assert process.poll() is None, (tmp_path / "dagster-ui.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the Dagster UI did not load the code in 180 s"
            if time.monotonic() - reloaded > 5 and _code_server_up(grpc_port):
                # The webserver may have asked before the code server listened: ask it again
                # (a webserver not listening yet loads the location itself once it starts).
                reloaded = time.monotonic()
                with contextlib.suppress(httpx.TransportError):
                    httpx.post(f"{url}/graphql", json={"query": RELOAD}, timeout=30)
            time.sleep(0.5)
        yield url
    finally:
        processes.stop()


RELOAD = "mutation { reloadWorkspace { __typename } }"


def _code_server_up(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _runs(url: str) -> list[dict[str, str]]:
    answer = httpx.post(f"{url}/graphql", json={"query": RUNS}, timeout=30).json()
    return list(answer["data"]["runsOrError"]["results"])


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
