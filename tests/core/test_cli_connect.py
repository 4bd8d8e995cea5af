"""`ledgerlink connect`, `status` and `disconnect` as a person runs them, against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests import leakcheck
from tests.core.conftest import QboSandbox

pytestmark = pytest.mark.store
CLI = [sys.executable, "-m", "ledgerlink.cli"]


def _env(qbo: QboSandbox) -> dict[str, str]:
    return os.environ | {
        "LEDGERLINK_QUICKBOOKS_API_URL": qbo.url,
        "LEDGERLINK_QUICKBOOKS_OAUTH_URL": qbo.url,
        "LEDGERLINK_QUICKBOOKS_CLIENT_ID": DEFAULT_CLIENT_ID,
        "LEDGERLINK_QUICKBOOKS_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
    }


def _start_connect(qbo: QboSandbox, tenant: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            *CLI,
            "connect",
            "quickbooks",
            "--tenant",
            tenant,
            "--no-browser",
            "--redirect-uri",
            "http://127.0.0.1:0/callback",
            "--timeout",
            "30",
        ],
        env=_env(qbo),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith(f"{qbo.url}/connect/oauth2?"), url
    return process, url


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    leakcheck.record_output(out + err)
    return process.returncode, out, err


def _run(qbo: QboSandbox, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CLI, *args], env=_env(qbo), capture_output=True, text=True)
    leakcheck.record_output(done.stdout + done.stderr)
    return done


def test_connect_runs_the_authorization_code_flow_and_status_shows_it(qbo: QboSandbox) -> None:
    process, url = _start_connect(qbo, "acme")
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    assert query["state"][0]
    # The person approves: the consent page redirects the browser to the local callback.
    assert httpx.get(url, follow_redirects=True, timeout=30).status_code == 200
    code, out, err = _finish(process)
    assert code == 0, err
    assert f"connected tenant 'acme' to QuickBooks company {qbo.realm}" in out

    status = _run(qbo, "status", "--json")
    assert status.returncode == 0
    [row] = json.loads(status.stdout)
    assert (row["tenant"], row["provider"], row["account"], row["status"]) == (
        "acme",
        "quickbooks",
        qbo.realm,
        "active",
    )
    assert row["refresh_hard_expires_at"] and row["days_left"] >= 99


def test_a_callback_with_a_forged_state_is_refused(qbo: QboSandbox) -> None:
    process, url = _start_connect(qbo, "acme")
    consent = httpx.get(url, follow_redirects=False, timeout=30)
    callback = urlsplit(consent.headers["location"])
    params = parse_qs(callback.query)
    params["state"] = ["forged-by-someone-else"]
    forged = callback._replace(query=urlencode({k: v[0] for k, v in params.items()})).geturl()
    httpx.get(forged, timeout=30)
    code, _out, err = _finish(process)
    assert code == 1
    assert "authorization failed" in err and "state" in err
    assert json.loads(_run(qbo, "status", "--json").stdout) == []


def test_disconnect_revokes_at_the_provider_and_forgets_the_tokens(qbo: QboSandbox) -> None:
    process, url = _start_connect(qbo, "acme")
    httpx.get(url, follow_redirects=True, timeout=30)
    assert _finish(process)[0] == 0
    revoke = "POST /v2/oauth2/tokens/revoke"
    before = qbo.http.get("/_sandbox/stats").json()["routes"].get(revoke, 0)
    done = _run(qbo, "disconnect", "quickbooks", "--tenant", "acme")
    assert done.returncode == 0, done.stderr
    assert "revoked at the provider" in done.stdout
    after = qbo.http.get("/_sandbox/stats").json()["routes"][revoke]
    assert after == before + 1
    assert json.loads(_run(qbo, "status", "--json").stdout) == []
    again = _run(qbo, "disconnect", "quickbooks", "--tenant", "acme")
    assert again.returncode == 1
    assert "No quickbooks connection for tenant 'acme'" in again.stderr
