"""`ledgerlink connect pipedrive`: API token (verified) or OAuth (refresh token not rotated)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.pipedrive.credentials import (
    DEFAULT_API_TOKEN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
)
from tests import leakcheck
from tests.core.conftest import QboSandbox

pytestmark = pytest.mark.store
CLI = [sys.executable, "-m", "ledgerlink.cli"]


def _env(qbo: QboSandbox, **extra: str) -> dict[str, str]:
    url = qbo.sandbox.url("pipedrive")
    endpoints = {"LEDGERLINK_PIPEDRIVE_API_URL": url, "LEDGERLINK_PIPEDRIVE_OAUTH_URL": url}
    return os.environ | endpoints | extra


def _issued(qbo: QboSandbox) -> set[str]:
    answer = httpx.get(qbo.sandbox.url("pipedrive") + "/_sandbox/oauth/issued").json()
    items = answer["issued"] if isinstance(answer, dict) else answer
    return {item["value"] if isinstance(item, dict) else item for item in items}


def test_an_api_token_is_verified_and_sealed(qbo: QboSandbox) -> None:
    leakcheck.add_issued({DEFAULT_API_TOKEN})
    env = _env(qbo, LEDGERLINK_PIPEDRIVE_API_TOKEN=DEFAULT_API_TOKEN)
    done = subprocess.run(
        [*CLI, "connect", "pipedrive", "--tenant", "acme"], env=env, capture_output=True, text=True
    )
    leakcheck.record_output(done.stdout + done.stderr)
    assert done.returncode == 0, done.stderr
    creds = TokenStore().credentials("acme", "pipedrive")
    assert creds.auth_kind == "api_token"
    assert creds.headers() == {"x-api-token": DEFAULT_API_TOKEN}  # a header, never the URL
    assert creds.account_id and creds.account_id in done.stdout  # the company domain


def test_a_wrong_api_token_is_refused_and_nothing_saved(qbo: QboSandbox) -> None:
    env = _env(qbo, LEDGERLINK_PIPEDRIVE_API_TOKEN="0" * 40)
    done = subprocess.run(
        [*CLI, "connect", "pipedrive", "--tenant", "acme"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "pipedrive rejected the credentials (HTTP 401)" in done.stderr
    assert TokenStore().connections("acme") == []


def test_oauth_connect_then_refresh_keeps_the_refresh_token_and_extends_it(
    qbo: QboSandbox, clean_db: str
) -> None:
    env = _env(
        qbo,
        LEDGERLINK_PIPEDRIVE_CLIENT_ID=DEFAULT_CLIENT_ID,
        LEDGERLINK_PIPEDRIVE_CLIENT_SECRET=DEFAULT_CLIENT_SECRET,
    )
    env.pop("LEDGERLINK_PIPEDRIVE_API_TOKEN", None)
    process = subprocess.Popen(
        [
            *CLI,
            "connect",
            "pipedrive",
            "--tenant",
            "acme",
            "--no-browser",
            "--redirect-uri",
            "http://127.0.0.1:0/callback",
            "--timeout",
            "30",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert "/oauth/authorize?" in url
    httpx.get(url, follow_redirects=True, timeout=30)
    out, err = process.communicate(timeout=60)
    leakcheck.record_output(out + err)
    assert process.returncode == 0, err

    store = TokenStore()
    first = store.credentials("acme", "pipedrive")
    assert first.auth_kind == "oauth"
    assert first.api_url == qbo.sandbox.url("pipedrive")  # api_domain from the token response
    with psycopg.connect(clean_db, autocommit=True) as conn:
        conn.execute("UPDATE connections SET access_expires_at = now() - interval '1 minute'")
    refreshed = store.credentials("acme", "pipedrive")
    assert refreshed.access_token != first.access_token
    assert refreshed.secrets["refresh_token"] == first.secrets["refresh_token"]  # not rotated
    [connection] = store.connections("acme")
    assert connection.refresh_expires_at is not None
    assert connection.refresh_expires_at > datetime.now(UTC) + timedelta(days=59)
    leakcheck.add_issued(_issued(qbo) | {DEFAULT_CLIENT_SECRET})
