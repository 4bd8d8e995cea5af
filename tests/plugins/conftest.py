"""A copy of the Meltano project with the four plugins installed, the sandbox, and tenants
connected to it; plugins are run as Meltano runs them (``meltano invoke``), as subprocesses."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledgerlink.tokens import TokenStore
from ledgerlink_sandbox.pipedrive.credentials import DEFAULT_API_TOKEN
from ledgerlink_sandbox.pipedrive.credentials import (
    DEFAULT_CLIENT_SECRET as PIPEDRIVE_CLIENT_SECRET,
)
from ledgerlink_sandbox.quickbooks.service_settings import DEFAULT_CLIENT_SECRET
from ledgerlink_sandbox.sandbox import Sandbox
from ledgerlink_sandbox.shipstation.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tests import leakcheck
from tests.core.conftest import QboSandbox

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PLUGINS = ("tap-quickbooks", "tap-pipedrive", "target-pipedrive", "target-shipstation")
PROVIDER = {
    "tap-quickbooks": "quickbooks",
    "tap-pipedrive": "pipedrive",
    "target-pipedrive": "pipedrive",
    "target-shipstation": "shipstation",
}
COPIED = (
    "meltano.yml",
    "pyproject.toml",
    "README.md",
    "src",
    "orchestration",
    "sandbox",  # a workspace member: uv reads every member of the root pyproject
    *[p for p in PLUGINS],
)
TENANT = "demo"  # the sandbox environment of meltano.yml sets LEDGERLINK_TENANT=demo


def env_name(plugin: str, setting: str) -> str:
    """The environment variable Meltano reads a plugin setting from."""
    return f"{plugin}_{setting}".upper().replace("-", "_")


@dataclass
class Invoked:
    returncode: int
    stdout: str
    stderr: str

    def plugin_lines(self) -> list[str]:
        """What the plugin itself wrote on stderr (Meltano relays it as JSON log events)."""
        lines = []
        for line in self.stderr.splitlines():
            if line.startswith("{"):
                event = json.loads(line)
                if event.get("stdio") == "stderr":
                    lines.append(str(event["event"]))
        return lines


class Project:
    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.root = root
        self.env = dict(env)

    def meltano(self, *args: str, env: Mapping[str, str] | None = None) -> list[str]:
        return [str(BIN / "meltano"), "--log-format=json", *args]

    def invoke(
        self, plugin: str, *, extra_env: Mapping[str, str] | None = None, stdin: str = ""
    ) -> Invoked:
        done = subprocess.run(
            self.meltano("invoke", plugin),
            cwd=self.root,
            env=self.env | dict(extra_env or {}),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        leakcheck.record_output(done.stdout + done.stderr)
        return Invoked(done.returncode, done.stdout, done.stderr)

    def invoke_and_kill(self, plugin: str, *, until: str, stdin: str = "") -> str:
        """Start the plugin, SIGKILL Meltano and the plugin once stdout or stderr shows
        ``until`` (or after 60 s); returns what they printed."""
        process = subprocess.Popen(
            self.meltano("invoke", plugin),
            cwd=self.root,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: the kill reaches the plugin too
        )
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(stdin)
        process.stdin.flush()
        seen: list[str] = []
        deadline = threading.Timer(60, os.killpg, (process.pid, signal.SIGKILL))
        deadline.start()
        try:
            for line in process.stdout:
                seen.append(line)
                if until in line:
                    break
        finally:
            deadline.cancel()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        text = "".join(seen)
        leakcheck.record_output(text)
        return text


def _copy_project(target: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source,
                target / name,
                ignore=shutil.ignore_patterns("__pycache__", ".venv", "*.egg-info"),
            )
        else:
            shutil.copy2(source, target / name)


@dataclass
class World:
    project: Project
    sandbox: Sandbox
    qbo: QboSandbox
    database_url: str

    def secrets(self) -> set[str]:
        """Every secret the sandbox issued or holds for the connections."""
        return self.qbo.issued() | {
            DEFAULT_CLIENT_SECRET,
            DEFAULT_API_TOKEN,
            PIPEDRIVE_CLIENT_SECRET,
            DEFAULT_API_KEY,
            DEFAULT_API_SECRET,
        }

    def database_text(self) -> str:
        """Every row of every ledgerlink table, as plain text."""
        out = []
        with psycopg.connect(self.database_url) as conn:
            tables = [
                r[0]
                for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ]
            for table in tables:
                query = psycopg.sql.SQL("SELECT t::text FROM {} t").format(
                    psycopg.sql.Identifier(table)
                )
                out += [str(row[0]) for row in conn.execute(query)]
        return "\n".join(out)

    def mark_refused(self, tenant: str, provider: str) -> None:
        """What the store records once the provider refused the grant."""
        with psycopg.connect(self.database_url) as conn:
            conn.execute(
                "UPDATE connections SET status = 'needs_reauth',"
                " status_detail = 'refused by the provider' WHERE tenant = %s AND provider = %s",
                (tenant, provider),
            )


def connect_all(world: World, tenant: str) -> None:
    store = TokenStore()
    world.qbo.connect(store, tenant)
    box = world.sandbox
    store.save(
        tenant,
        "pipedrive",
        auth_kind="api_token",
        api_url=box.url("pipedrive"),
        account_id=None,
        secrets={"api_token": DEFAULT_API_TOKEN},
    )
    store.save(
        tenant,
        "shipstation",
        auth_kind="api_key",
        api_url=box.url("shipstation"),
        secrets={"api_key": DEFAULT_API_KEY, "api_secret": DEFAULT_API_SECRET},
    )


@pytest.fixture(scope="session")  # one install of the four plugins for every test here
def world(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[World]:
    root = tmp_path_factory.mktemp("project")
    _copy_project(root)
    with Sandbox(seed="demo").start() as box:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
        env |= box.env()  # as `ledgerlink sandbox env` sets it up: secrets in the environment
        env |= {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "LEDGERLINK_TENANT": TENANT,
            "LEDGERLINK_PROJECT_DIR": str(root),
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
        }
        env.pop("VIRTUAL_ENV", None)
        project = Project(root, env)
        # One command: Meltano installs the four in parallel (target-postgres is not needed).
        subprocess.run(
            project.meltano("install", *PLUGINS),
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
        # A decimal setting, set as a user would (Meltano 4.4 cannot pass a decimal read from an
        # environment variable: "Object of type Decimal is not JSON serializable").
        for tap in ("tap-quickbooks", "tap-pipedrive"):
            subprocess.run(
                project.meltano("config", "set", tap, "backoff_base_seconds", "0.01"),
                cwd=root,
                env=env,
                check=True,
                capture_output=True,
                timeout=120,
            )
        world = World(project, box, QboSandbox(box), database_url)
        connect_all(world, TENANT)
        yield world
        leakcheck.add_issued(world.secrets())


def scan(folder: Path, secrets: set[str]) -> dict[str, list[str]]:
    """Which secrets appear in which files below ``folder`` (plugin virtualenvs skipped: they
    hold installed code, written before any run)."""
    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if not path.is_file() or "venv" in path.relative_to(folder).parts:
            continue
        data = path.read_bytes()
        hits = [s for s in secrets if s.encode() in data]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def as_json(value: Any) -> str:
    return json.dumps(value)
