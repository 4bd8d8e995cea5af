"""Every plugin, started through ``meltano invoke`` with an unknown tenant, a refused credential,
a 503 storm or an out-of-range setting, prints exactly one line (naming the tenant or setting
and what to do) and exits 1: no traceback, nothing logged twice.

Every case runs through ``meltano invoke`` at the default log level, and the check is on what the
plugin itself writes to stderr (Meltano relays it as JSON events with ``--log-format=json``;
Meltano's own lines around it are Meltano's): the failure is said in exactly one line. The unknown
tenant and the 503 storm also run the installed executable alone with the config Meltano would
give it and LOGLEVEL=ERROR (Meltano sets the plugin's level from its own, which would hide the
relayed line too), where stderr must be that one line and nothing else.

The taps get their catalog through Meltano's ``catalog`` extra: each case changes a setting, and a
changed configuration would otherwise cost a discovery run per case.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests import leakcheck
from tests.plugins.conftest import (
    PLUGINS,
    PROVIDER,
    TENANT,
    Invoked,
    World,
    connect_all,
    env_name,
)
from tests.target_shipstation.invoices import ITEMS, customer_3, invoice_12
from tests.target_shipstation.runner import messages

CASES = ("unknown tenant", "refused credential", "503 storm", "out-of-range setting")
TAPS = ("tap-quickbooks", "tap-pipedrive")
# The targets weather their storm as a tenant of their own: what a failed send leaves behind (an
# order announced but never confirmed, retried by the next run) stays out of the session's tenant.
STORM = "storm"


@pytest.fixture(scope="module")
def refused(world: World) -> Iterator[str]:
    """A tenant each provider refuses: QuickBooks tokens revoked at the provider, a Pipedrive
    API token the provider does not know, and connections the store has marked refused (the
    placeholder targets make no API call that could be refused)."""
    tenant = "refused"
    connect_all(world, TENANT)  # the session's tenant, in case tests in between emptied tables
    connect_all(world, STORM)
    store = TokenStore()
    grant = world.qbo.connect(store, tenant)
    revoked = httpx.post(
        f"{world.qbo.url}/v2/oauth2/tokens/revoke",
        json={"token": grant.refresh_token},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        timeout=30,
    )
    revoked.raise_for_status()
    store.save(
        tenant,
        "pipedrive",
        auth_kind="api_token",
        api_url=world.sandbox.url("pipedrive"),
        secrets={"api_token": "0" * 40},
    )
    store.save(
        "refusedtarget",
        "pipedrive",
        auth_kind="api_token",
        api_url=world.sandbox.url("pipedrive"),
        secrets={"api_token": "1" * 40},
    )
    store.save(
        "refusedtarget",
        "shipstation",
        auth_kind="api_key",
        api_url=world.sandbox.url("shipstation"),
        secrets={"api_key": "k" * 32, "api_secret": "s" * 32},
    )
    for provider in ("pipedrive", "shipstation"):
        world.mark_refused("refusedtarget", provider)
    yield tenant


def _executable(world: World, plugin: str) -> Path:
    kind = "extractors" if plugin.startswith("tap-") else "loaders"
    return world.project.root / ".meltano" / kind / plugin / "venv" / "bin" / plugin


@pytest.fixture(scope="module")
def catalogs(world: World) -> dict[str, str]:
    """Each tap's catalog, discovered once, as the environment variable of Meltano's extra."""
    found = {}
    for tap in TAPS:
        config = world.project.root / f"{tap}.discover-config.json"
        config.write_text(json.dumps({"tenant": TENANT}))
        catalog = world.project.root / f"{tap}.catalog.json"
        with catalog.open("w") as out:
            subprocess.run(
                [str(_executable(world, tap)), "--config", str(config), "--discover"],
                cwd=world.project.root,
                env=world.project.env,
                stdout=out,
                check=True,
                timeout=120,
            )
        found[tap.upper().replace("-", "_") + "__CATALOG"] = str(catalog)  # the extra's variable
    return found


@contextlib.contextmanager
def _storm(world: World) -> Iterator[None]:
    """Every API request of QuickBooks, Pipedrive and ShipStation answers 503 until cleared."""
    qbo = httpx.Client(base_url=world.qbo.url, timeout=30)
    pipedrive = httpx.Client(base_url=world.sandbox.url("pipedrive"), timeout=30)
    shipstation = httpx.Client(base_url=world.sandbox.url("shipstation"), timeout=30)
    qbo.post("/_sandbox/faults", json={"kind": "status", "status": 503, "path": "/v3/*"})
    pipedrive.post("/_sandbox/faults", json={"kind": "status", "status": 503, "path": "/api/*"})
    shipstation.post("/_sandbox/faults", json={"kind": "status", "status": 503, "path": "/orders*"})
    try:
        yield
    finally:
        qbo.delete("/_sandbox/faults")
        pipedrive.delete("/_sandbox/faults")
        shipstation.delete("/_sandbox/faults")


def _expectation(plugin: str, case: str, refused: str) -> tuple[dict[str, Any], str]:
    """The settings that set the case up, and what the line must say."""
    provider = PROVIDER[plugin]
    if case == "unknown tenant":
        return {"tenant": "nobody"}, f"No {provider} connection for tenant 'nobody'"
    if case == "refused credential":
        if plugin == "tap-quickbooks":
            return {"tenant": refused}, f"tenant '{refused}' needs re-authorization"
        if plugin == "tap-pipedrive":
            return {"tenant": refused}, "HTTP 401"
        return {"tenant": "refusedtarget"}, "needs re-authorization"
    if case == "out-of-range setting":
        setting, value, bound = {
            "tap-quickbooks": ("page_size", 5000, "must be at most 1000"),
            "tap-pipedrive": ("page_size", 501, "must be at most 500"),
        }.get(plugin, ("token_margin_seconds", 5, "must be at least 30"))
        return {setting: value}, f"setting '{setting}' = {value} {bound}"
    if plugin == "target-shipstation":  # an invoice to order: a createorders request
        return {"tenant": STORM, "max_retries": 2, "history_cutoff": "2000-01-01"}, "HTTP 503"
    if plugin not in TAPS:
        return {"tenant": STORM, "max_retries": 2}, "HTTP 503"
    return {"max_retries": 2}, "HTTP 503"


def _check(done: Invoked, plugin: str, says: str) -> None:
    """Through Meltano: exit 1, the failure said in exactly one of the plugin's lines (the
    warnings of a retry that follows, "...; retrying in 0.5 s (1)", are progress, not the
    failure), and that line is the plugin's own."""
    lines = done.plugin_lines()
    assert done.returncode == 1, done.stderr[-3000:]
    failure = [line for line in lines if says in line and "; retrying in " not in line]
    assert len(failure) == 1, lines
    assert failure[0].startswith(f"{plugin}: "), failure
    assert [line for line in lines if line.startswith(f"{plugin}: ")] == failure
    assert not [line for line in lines if "Traceback" in line or line.startswith("  File ")]


def _check_alone(
    world: World, plugin: str, settings: dict[str, Any], says: str, stdin: str
) -> None:
    """The executable on its own at LOGLEVEL=ERROR: stderr is exactly the one line."""
    fast = {"backoff_base_seconds": 0.01} if plugin in TAPS else {}
    config = {"tenant": TENANT, **fast, **settings}
    path = world.project.root / f"{plugin}.test-config.json"
    path.write_text(json.dumps(config))
    done = subprocess.run(
        [str(_executable(world, plugin)), "--config", str(path)],
        cwd=world.project.root,
        env=world.project.env | {"LOGLEVEL": "ERROR"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    leakcheck.record_output(done.stderr)
    assert done.returncode == 1, done.stderr[-3000:]
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith(f"{plugin}: ") and says in done.stderr, done.stderr


STDIN = '{"type":"SCHEMA","stream":"s","schema":{"properties":{}},"key_properties":[]}\n'
# A paid invoice with its customer, items and term: target-shipstation must send it.
ORDER_STDIN = "".join(
    json.dumps(m) + "\n"
    for m in messages({"invoices": [invoice_12()], "customers": [customer_3()],
                       "items": list(ITEMS.values()), "terms": [{"Id": "3", "Name": "Net 30"}]})
)  # fmt: skip
CUSTOMER = (
    '{"type":"SCHEMA","stream":"customers","schema":{"properties":{}},"key_properties":["Id"]}\n'
    '{"type":"RECORD","stream":"customers","record":{"Id":"1","DisplayName":"Storm Ltd"}}\n'
)


@pytest.mark.timeout(900)  # the first test to ask for `world` installs the plugins
@pytest.mark.parametrize("plugin", PLUGINS)
@pytest.mark.parametrize("case", CASES)
def test_one_line_and_exit_1(
    world: World, refused: str, catalogs: dict[str, str], plugin: str, case: str
) -> None:
    stdin = STDIN
    if case == "503 storm" and plugin == "target-pipedrive":
        stdin = CUSTOMER  # one record to write: the target's first request meets the storm
    elif case == "503 storm" and plugin == "target-shipstation":
        stdin = ORDER_STDIN  # a paid invoice: target-shipstation must send it
    settings, says = _expectation(plugin, case, refused)
    env = {env_name(plugin, k): str(v) for k, v in settings.items()} | catalogs
    with _storm(world) if case == "503 storm" else contextlib.nullcontext():
        _check(world.project.invoke(plugin, extra_env=env, stdin=stdin), plugin, says)
        if case in ("unknown tenant", "503 storm"):
            _check_alone(world, plugin, settings, says, stdin)
