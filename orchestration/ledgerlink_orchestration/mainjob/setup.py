"""Step 1 of the main job: the sandbox, the store, the tenant connected to all three services,
the Meltano plugins installed."""

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from ledgerlink import config, db
from ledgerlink.cli.connect import connect_pipedrive_token, connect_quickbooks
from ledgerlink.cli.demo import approve_in_background
from ledgerlink.db import migrations
from ledgerlink.errors import LedgerlinkError
from ledgerlink.tokens import TokenStore
from ledgerlink_orchestration.meltano.project import MeltanoProject
from ledgerlink_orchestration.meltano.resource import MeltanoResource


@dataclass(frozen=True)
class Connected:
    realm: str
    pipedrive_domain: str | None
    shipstation_stores: str


def prepare_store() -> str:
    dsn = db.dsn()
    migrations.upgrade(dsn)
    return f"PostgreSQL {dsn.split('@')[-1]} (schema v{migrations.current_version(dsn)})"


def connect_tenant(tenant: str, env: Mapping[str, str]) -> Connected:
    """QuickBooks by the OAuth consent flow, Pipedrive by API token, ShipStation by key pair."""
    realm = connect_quickbooks(
        tenant,
        env["LEDGERLINK_QUICKBOOKS_CLIENT_ID"],
        env["LEDGERLINK_QUICKBOOKS_CLIENT_SECRET"],
        "http://127.0.0.1:0/callback",
        approve_in_background,
        timeout=60,
    )
    domain = connect_pipedrive_token(tenant, env["LEDGERLINK_PIPEDRIVE_API_TOKEN"])
    store = TokenStore()
    store.save(
        tenant,
        "shipstation",
        auth_kind="api_key",
        api_url=env["LEDGERLINK_SHIPSTATION_API_URL"],
        secrets={
            "api_key": env["LEDGERLINK_SHIPSTATION_API_KEY"],
            "api_secret": env["LEDGERLINK_SHIPSTATION_API_SECRET"],
        },
    )
    # Verified as `ledgerlink connect shipstation` does: one call that needs the key pair.
    creds = store.credentials(tenant, "shipstation")
    answer = httpx.get(f"{creds.api_url.rstrip('/')}/stores", headers=creds.headers(), timeout=30)
    answer.raise_for_status()
    stores = ",".join(str(s.get("storeId")) for s in answer.json())
    return Connected(realm, domain, stores)


def install_plugins(project: MeltanoProject) -> bool:
    """`meltano install` once per checkout (the plugins' virtualenvs live in `.meltano`)."""
    marker = project.root / ".meltano" / "loaders" / "target-shipstation" / "venv"
    if marker.is_dir():
        return False
    executable = Path(MeltanoResource()._executable())
    log = config.state_dir() / "logs" / "mainjob-meltano-install.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # Bytecode compiled at install (uv, the plugins' venv backend): where PYTHONDONTWRITEBYTECODE
    # is set, every plugin start would otherwise compile its imports from source.
    env = {"UV_COMPILE_BYTECODE": "1"} | os.environ
    env["PATH"] = f"{executable.parent}{os.pathsep}{os.environ['PATH']}"
    with log.open("w") as out:
        done = subprocess.run(
            [str(executable), "install"],
            cwd=project.root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        raise LedgerlinkError(f"meltano install failed: see {log}")
    return True


def use_project_meltano_state() -> None:
    """Meltano's state (bookmarks) beside the store it belongs to, not in the checkout's
    .meltano/meltano.db: a fresh project state folder starts with no bookmarks."""
    meltano_db = config.state_dir() / "meltano.db"
    os.environ.setdefault("MELTANO_DATABASE_URI", f"sqlite:///{meltano_db}")


def history_cutoff(today: date, days: int) -> date:
    return date.fromordinal(today.toordinal() - days)
