"""No secret in any plugin's Meltano config (issue 10): each plugin runs through ``meltano
invoke`` in a copy of the project, with the sandbox's credentials in the environment as
``ledgerlink sandbox env`` sets them, and is killed (SIGKILL) mid-run. Then ``.meltano/``
(``run/`` with the generated config files included), everything printed, and the database (every
table as plain text) hold none of the secrets the sandbox issued: access and refresh tokens, the
OAuth app's client secret, the Pipedrive API token, the ShipStation key and secret."""

from __future__ import annotations

import pytest

from tests.plugins.conftest import PLUGINS, TENANT, World, connect_all, scan

RECORD = '"type":"RECORD"'


@pytest.mark.timeout(900)  # the first test to ask for `world` installs the plugins
def test_killed_runs_leave_no_secret_in_meltano_files_logs_or_database(world: World) -> None:
    connect_all(world, TENANT)  # again: tests in between may have emptied the tables
    printed = []
    for plugin in PLUGINS:
        if plugin.startswith("tap-"):
            printed.append(world.project.invoke_and_kill(plugin, until=RECORD))
        else:
            # Killed once the target has started (its config written, its input still open).
            schema = '{"type":"SCHEMA","stream":"s","schema":{"properties":{}},"key_properties":[]}'
            printed.append(
                world.project.invoke_and_kill(plugin, until=f"{plugin} v0.1.0", stdin=schema + "\n")
            )
    assert RECORD in printed[0] and RECORD in printed[1], "the taps were killed mid-sync"
    run = world.project.root / ".meltano" / "run"
    configs = list(run.rglob("*config.json"))
    assert {p.parent.name for p in configs} >= set(PLUGINS), "Meltano wrote each plugin's config"

    assert scan(run, {"demo"}), "the scan reads the generated config files (they name the tenant)"
    secrets = world.secrets()
    assert len(secrets) >= 7  # tokens issued by the QuickBooks sandbox, plus the fixed ones
    assert scan(world.project.root / ".meltano", secrets) == {}
    assert not [s for s in secrets if any(s in text for text in printed)]
    database = world.database_text()
    assert "connections" in database or database  # the rows are there, sealed
    assert not [s for s in secrets if s in database]
