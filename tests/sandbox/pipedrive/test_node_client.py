"""The official Pipedrive Node.js client, unchanged, lists/creates/updates organizations."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from ledgerlink_sandbox.pipedrive.openapi import OpenApiSpec
from tests.sandbox.pipedrive.harness import Harness

NODE_DIR = Path(__file__).parent / "node"
pytestmark = [
    pytest.mark.skipif(
        shutil.which("node") is None or shutil.which("npm") is None,
        reason="node/npm not installed: the official Node.js client cannot run",
    ),
]


def test_official_node_client_lists_creates_and_updates() -> None:
    if not (NODE_DIR / "node_modules" / "pipedrive").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    harness = Harness(OpenApiSpec.shared())
    try:
        field = harness.field("organization", "QuickBooks Customer ID")
        before = len([o for o in harness.state.store.rows("organization") if not o["is_deleted"]])
        result = subprocess.run(
            ["node", "client_check.js", harness.url, DEFAULT_API_TOKEN, field],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert out == {
            "listed": before,
            "created": "Node Client Co",
            "updated": "Node Client Co (renamed)",
            "fetched_custom": "QB-1",
        }
        stats = harness.admin.get("/_sandbox/stats").json()["routes"]
        assert stats["POST /api/v2/organizations"] == 1
        assert stats["PATCH /api/v2/organizations/{id}"] == 1
    finally:
        harness.close()
