"""`ledgerlink connect shipstation`: key and secret verified with one call, then sealed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.shipstation.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tests import leakcheck
from tests.core.conftest import QboSandbox

pytestmark = pytest.mark.store
CLI = [sys.executable, "-m", "ledgerlink.cli"]


def _connect(qbo: QboSandbox, key: str, secret: str) -> subprocess.CompletedProcess[str]:
    # Secrets come through the environment, as documented, never on the command line.
    env = os.environ | {
        "LEDGERLINK_SHIPSTATION_API_URL": qbo.sandbox.url("shipstation"),
        "LEDGERLINK_SHIPSTATION_API_KEY": key,
        "LEDGERLINK_SHIPSTATION_API_SECRET": secret,
    }
    done = subprocess.run(
        [*CLI, "connect", "shipstation", "--tenant", "acme"],
        env=env,
        capture_output=True,
        text=True,
    )
    leakcheck.record_output(done.stdout + done.stderr)
    return done


def test_shipstation_keys_are_verified_then_sealed(qbo: QboSandbox) -> None:
    leakcheck.add_issued({DEFAULT_API_KEY, DEFAULT_API_SECRET})
    done = _connect(qbo, DEFAULT_API_KEY, DEFAULT_API_SECRET)
    assert done.returncode == 0, done.stderr
    assert "connected tenant 'acme' to ShipStation" in done.stdout
    creds = TokenStore().credentials("acme", "shipstation")
    assert creds.auth_kind == "api_key"
    assert creds.headers()["Authorization"].startswith("Basic ")
    assert creds.account_id  # the store ids the account holds


def test_wrong_shipstation_keys_are_refused_and_nothing_is_saved(qbo: QboSandbox) -> None:
    done = _connect(qbo, "not-a-real-key-000000", "not-a-real-secret-0000")
    assert done.returncode == 1
    assert "shipstation rejected the credentials (HTTP 401)" in done.stderr
    assert TokenStore().connections("acme") == []
