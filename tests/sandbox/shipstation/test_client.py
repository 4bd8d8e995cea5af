"""An unchanged third-party client, npm ``shipstation-node@1.5.6``, against the sandbox.

The client hard-codes ``https://ssapi.shipstation.com/``; ``node/shipstation/client_check.mjs``
redirects it with a global axios request interceptor (the client uses axios' default instance)
and loads its extensionless ESM imports with a resolve hook (``resolve-extensionless.mjs``). The
client's own code builds every path, query, body and the Basic auth header. Runs ``npm ci`` when
``node_modules`` is missing; skips only when ``node``/``npm`` are not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ledgerlink_sandbox.framework import Clock, serve_in_thread
from ledgerlink_sandbox.shipstation.service import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    ShipStationService,
)

PROJECT = Path(__file__).parent / "node"


@pytest.fixture(scope="module")
def node_project() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run the shipstation-node client")
    if not (PROJECT / "node_modules" / "shipstation-node").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=PROJECT,
            check=True,
            capture_output=True,
            timeout=180,
        )
    return PROJECT


def test_shipstation_node_creates_and_lists_orders(node_project: Path) -> None:
    service = ShipStationService("demo", "demo", Clock())
    running = serve_in_thread(service.app)
    try:
        env = {
            **os.environ,
            "SHIPSTATION_BASE_URL": running.url,
            "SHIPSTATION_API_KEY": DEFAULT_API_KEY,
            "SHIPSTATION_API_SECRET": DEFAULT_API_SECRET,
        }
        done = subprocess.run(
            ["node", "--import", "./register.mjs", "client_check.mjs"],
            cwd=node_project,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        stats = service.core.stats.snapshot()["routes"]
    finally:
        running.stop()
    assert result["created"]["orderTotal"] == 2 * 7.5 + 3
    assert result["updated"] == {"orderId": result["created"]["orderId"], "notes": "second"}
    assert result["bulk"]["hasErrors"] is False
    assert [r["orderKey"] for r in result["bulk"]["results"]] == ["node-key-2", "node-key-3"]
    assert result["listed"] == {
        "total": 3,
        "pages": 1,
        "numbers": ["QB-node-1", "QB-node-2", "QB-node-3"],
    }
    assert result["fetched"]["orderNumber"] == "QB-node-1"
    assert result["stores"] == ["ShipStation Manual Store", "Ledgerlink Web Shop"]
    assert (result["shipments"], result["fulfillments"]) == (0, 0)
    assert result["notFound"]["status"] == 404
    assert result["notFound"]["body"]["Message"].startswith("No HTTP resource was found")
    assert isinstance(stats, dict)
    assert stats["POST /orders/createorder"] == 2 and stats["POST /orders/createorders"] == 1
