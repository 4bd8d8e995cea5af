"""Where ledgerlink keeps its state and which endpoints it talks to, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ledgerlink.errors import LedgerlinkError

Provider = Literal["quickbooks", "pipedrive", "shipstation"]
PROVIDERS: tuple[Provider, ...] = ("quickbooks", "pipedrive", "shipstation")

STATE_DIR_NAME = ".ledgerlink"

# A tenant name, as the store's `tenant_name` domain checks it; every CLI option and plugin config
# schema validates against this before any provider call or browser consent.
TENANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class ProjectNotFound(LedgerlinkError):
    """No project around the current folder and no setting naming one."""


def find_project_dir() -> Path | None:
    """The project root: explicit setting, then Meltano's, then the nearest folder above cwd with
    `meltano.yml` or `.ledgerlink/`; None when there is none.

    Every process of one project (CLI, taps and targets under Meltano, Dagster) must agree on it,
    because the embedded database and the key file live below it.
    """
    for var in ("LEDGERLINK_PROJECT_DIR", "MELTANO_PROJECT_ROOT"):
        if value := os.environ.get(var):
            return Path(value).resolve()
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if (candidate / "meltano.yml").is_file() or (candidate / STATE_DIR_NAME).is_dir():
            return candidate
    return None


def project_dir() -> Path:
    """`find_project_dir()`, or a one-line error: a process started outside the project must
    never create a second, empty store in whatever folder it happens to run in."""
    found = find_project_dir()
    if found is None:
        raise ProjectNotFound(
            f"No ledgerlink project at or above {Path.cwd()}: run inside the project (the folder"
            " with meltano.yml), or set LEDGERLINK_PROJECT_DIR to it, or LEDGERLINK_DATABASE_URL"
            " to the store's server"
        )
    return found


def state_dir() -> Path:
    """`.ledgerlink/` in the project: embedded database, generated key file, lock files."""
    return project_dir() / STATE_DIR_NAME


def database_url() -> str | None:
    """The server DSN from `LEDGERLINK_DATABASE_URL`; None selects the embedded PostgreSQL."""
    return os.environ.get("LEDGERLINK_DATABASE_URL") or None


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one provider; real hosts by default, the sandbox by environment override."""

    authorize_url: str
    token_url: str
    revoke_url: str
    api_url: str


_REAL = {
    "quickbooks": Endpoints(
        authorize_url="https://appcenter.intuit.com/connect/oauth2",
        token_url="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
        revoke_url="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
        api_url="https://quickbooks.api.intuit.com",
    ),
    "pipedrive": Endpoints(
        authorize_url="https://oauth.pipedrive.com/oauth/authorize",
        token_url="https://oauth.pipedrive.com/oauth/token",
        revoke_url="https://oauth.pipedrive.com/oauth/revoke",
        api_url="https://api.pipedrive.com",
    ),
    "shipstation": Endpoints(
        authorize_url="",
        token_url="",
        revoke_url="",
        api_url="https://ssapi.shipstation.com",
    ),
}

# Paths below an OAuth base URL, as the real services lay them out (the sandbox copies them).
_OAUTH_PATHS = {
    "quickbooks": ("/connect/oauth2", "/oauth2/v1/tokens/bearer", "/v2/oauth2/tokens/revoke"),
    "pipedrive": ("/oauth/authorize", "/oauth/token", "/oauth/revoke"),
}


def endpoints(provider: Provider) -> Endpoints:
    """Endpoints for `provider`, honouring `LEDGERLINK_<PROVIDER>_API_URL` / `_OAUTH_URL`."""
    real = _REAL[provider]
    prefix = f"LEDGERLINK_{provider.upper()}_"
    api_url = os.environ.get(prefix + "API_URL", real.api_url).rstrip("/")
    oauth_base = os.environ.get(prefix + "OAUTH_URL")
    if not oauth_base or provider not in _OAUTH_PATHS:
        return Endpoints(real.authorize_url, real.token_url, real.revoke_url, api_url)
    authorize, token, revoke = (oauth_base.rstrip("/") + path for path in _OAUTH_PATHS[provider])
    return Endpoints(authorize, token, revoke, api_url)


@dataclass(frozen=True)
class AppCredentials:
    """An OAuth app's client id and secret, from `LEDGERLINK_<PROVIDER>_CLIENT_ID` / `_SECRET`."""

    client_id: str
    client_secret: str


def app_credentials(provider: Provider) -> AppCredentials | None:
    prefix = f"LEDGERLINK_{provider.upper()}_"
    client_id = os.environ.get(prefix + "CLIENT_ID")
    client_secret = os.environ.get(prefix + "CLIENT_SECRET")
    if client_id and client_secret:
        return AppCredentials(client_id, client_secret)
    return None
