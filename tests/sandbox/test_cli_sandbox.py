"""`ledgerlink sandbox serve|env`: the real process answers within 3 s; env prints exports."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
from click.testing import CliRunner

from ledgerlink.cli.sandbox import sandbox
from ledgerlink_sandbox.framework.runner import free_port_block
from ledgerlink_sandbox.quickbooks.service import realm_id_for


def test_serve_subprocess_serves_all_three_services_until_sigterm() -> None:
    # Start-up time is measured by benchmarks/sandbox.py; here only a generous bound on waiting.
    port = free_port_block(3)
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ledgerlink.cli.sandbox",
            "serve",
            "--port",
            str(port),
            "--seed",
            "demo",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/_sandbox/clock", timeout=0.5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() - started < 60, "sandbox did not answer"
                time.sleep(0.05)
        assert response.status_code == 200
        for offset in (1, 2):  # Pipedrive and ShipStation beside QuickBooks
            admin = httpx.get(f"http://127.0.0.1:{port + offset}/_sandbox/clock", timeout=5)
            assert admin.status_code == 200
        discovery = httpx.get(f"http://127.0.0.1:{port}/.well-known/openid_configuration/")
        assert discovery.json()["token_endpoint"].endswith("/oauth2/v1/tokens/bearer")
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"http://127.0.0.1:{port}" in stdout
    assert realm_id_for("demo") in stdout


def test_env_prints_exports() -> None:
    result = CliRunner().invoke(sandbox, ["env", "--port", "9100"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "export LEDGERLINK_QUICKBOOKS_API_URL=http://127.0.0.1:9100" in lines
    assert "export LEDGERLINK_QUICKBOOKS_OAUTH_URL=http://127.0.0.1:9100" in lines
    assert f"export LEDGERLINK_QUICKBOOKS_REALM_ID={realm_id_for('demo')}" in lines
    assert any(line.startswith("export LEDGERLINK_QUICKBOOKS_CLIENT_ID=") for line in lines)
    assert any(line.startswith("export LEDGERLINK_QUICKBOOKS_CLIENT_SECRET=") for line in lines)


def test_help_on_every_command() -> None:
    for args in (["--help"], ["serve", "--help"], ["env", "--help"]):
        result = CliRunner().invoke(sandbox, args)
        assert result.exit_code == 0 and "Usage" in result.output


# Runs the `ledgerlink` command as a checkout without the emulators would: importing them fails.
_WITHOUT_SANDBOX = (
    "import sys; sys.modules['ledgerlink_sandbox'] = None; "
    "from ledgerlink.cli import main; main(sys.argv[1:], prog_name='ledgerlink')"
)


def test_without_the_sandbox_the_cli_says_in_one_line_how_to_get_it() -> None:
    for args in (["sandbox", "serve", "--port", "9100"], ["sandbox", "env"], ["demo"]):
        done = subprocess.run(
            [sys.executable, "-c", _WITHOUT_SANDBOX, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "python3 tasks.py setup" in lines[0], done.stderr
        assert "pip install ./sandbox" in lines[0]
        assert done.stdout == ""


def test_the_sandbox_has_its_own_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ledgerlink_sandbox.cli", "env", "--port", "9100"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "export LEDGERLINK_PIPEDRIVE_API_URL=http://127.0.0.1:9101" in done.stdout.splitlines()
