"""`ledgerlink connect` and `disconnect`: put a tenant's credentials into the TokenStore."""

from __future__ import annotations

import base64
import webbrowser
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click
import httpx

from ledgerlink import config
from ledgerlink.cli.oauth_flow import authorize
from ledgerlink.cli.options import tenant_option
from ledgerlink.errors import LedgerlinkError
from ledgerlink.tokens import TokenStore

TENANT = tenant_option(required=True)
QBO_SCOPE = "com.intuit.quickbooks.accounting"
F = TypeVar("F", bound=Callable[..., Any])


def _app_options(provider: str) -> list[Any]:
    prefix = f"LEDGERLINK_{provider.upper()}_"
    return [
        click.option(
            "--client-id", envvar=prefix + "CLIENT_ID", help=f"OAuth client id [{prefix}CLIENT_ID]"
        ),
        click.option(
            "--client-secret",
            envvar=prefix + "CLIENT_SECRET",
            help=f"OAuth client secret [{prefix}CLIENT_SECRET]; prompted when missing",
        ),
    ]


def _with(options: list[Any]) -> Callable[[F], F]:
    def wrap(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return wrap


OAUTH_FLOW = [
    click.option(
        "--redirect-uri",
        default="http://localhost:8765/callback",
        show_default=True,
        help="Registered redirect URI; ledgerlink listens on its port on 127.0.0.1.",
    ),
    click.option("--no-browser", is_flag=True, help="Only print the authorization URL."),
    click.option("--timeout", default=300, show_default=True, help="Seconds to wait for consent."),
]


@click.group()
def connect() -> None:
    """Connect a tenant to QuickBooks, Pipedrive or ShipStation."""


@connect.command()
@TENANT
@_with(_app_options("quickbooks") + OAUTH_FLOW)
def quickbooks(
    tenant: str,
    client_id: str | None,
    client_secret: str | None,
    redirect_uri: str,
    no_browser: bool,
    timeout: int,
) -> None:
    """Authorize ledgerlink for a QuickBooks company (OAuth; a person approves in the browser)."""
    client_id, client_secret = _require_app(client_id, client_secret)
    realm = connect_quickbooks(
        tenant, client_id, client_secret, redirect_uri, _announcer(no_browser), timeout
    )
    click.echo(f"connected tenant '{tenant}' to QuickBooks company {realm}")


def connect_quickbooks(
    tenant: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    on_url: Callable[[str], None],
    timeout: int = 300,
) -> str:
    """Run the OAuth flow and store the tokens; returns the realm id of the company."""
    ends = config.endpoints("quickbooks")
    result = authorize(
        "quickbooks",
        ends,
        client_id,
        client_secret,
        scope=[QBO_SCOPE],
        redirect_uri=redirect_uri,
        on_url=on_url,
        timeout=timeout,
    )
    realm = result.params.get("realmId")
    if not realm:
        raise LedgerlinkError("QuickBooks did not return a realmId with the authorization code")
    TokenStore().save(
        tenant,
        "quickbooks",
        auth_kind="oauth",
        api_url=ends.api_url,
        account_id=realm,
        token_url=ends.token_url,
        revoke_url=ends.revoke_url,
        client_id=client_id,
        secrets={"client_secret": client_secret},
        grant=result.grant,
    )
    return realm


@connect.command()
@TENANT
@click.option(
    "--api-token",
    envvar="LEDGERLINK_PIPEDRIVE_API_TOKEN",
    help="Use a personal API token instead of OAuth [LEDGERLINK_PIPEDRIVE_API_TOKEN].",
)
@_with(_app_options("pipedrive") + OAUTH_FLOW)
def pipedrive(
    tenant: str,
    api_token: str | None,
    client_id: str | None,
    client_secret: str | None,
    redirect_uri: str,
    no_browser: bool,
    timeout: int,
) -> None:
    """Connect a Pipedrive company, by OAuth or with an API token (verified before saving)."""
    if api_token:
        domain = connect_pipedrive_token(tenant, api_token)
        click.echo(f"connected tenant '{tenant}' to Pipedrive company {domain}")
        return
    ends = config.endpoints("pipedrive")
    store = TokenStore()
    client_id, client_secret = _require_app(client_id, client_secret)
    result = authorize(
        "pipedrive",
        ends,
        client_id,
        client_secret,
        scope=None,
        redirect_uri=redirect_uri,
        on_url=_announcer(no_browser),
        timeout=timeout,
    )
    api_domain = result.grant.api_domain or ends.api_url
    store.save(
        tenant,
        "pipedrive",
        auth_kind="oauth",
        api_url=api_domain,
        account_id=urlsplit(api_domain).hostname,
        token_url=ends.token_url,
        revoke_url=ends.revoke_url,
        client_id=client_id,
        secrets={"client_secret": client_secret},
        grant=result.grant,
    )
    click.echo(f"connected tenant '{tenant}' to Pipedrive at {api_domain}")


def connect_pipedrive_token(tenant: str, api_token: str) -> str | None:
    """Verify a Pipedrive API token with one call and store it; returns the company domain."""
    ends = config.endpoints("pipedrive")
    me = _verify("pipedrive", f"{ends.api_url}/api/v1/users/me", {"x-api-token": api_token})
    domain: str | None = (me.get("data") or {}).get("company_domain")
    TokenStore().save(
        tenant,
        "pipedrive",
        auth_kind="api_token",
        api_url=ends.api_url,
        account_id=domain,
        secrets={"api_token": api_token},
    )
    return domain


@connect.command()
@TENANT
@click.option(
    "--api-key",
    envvar="LEDGERLINK_SHIPSTATION_API_KEY",
    required=True,
    help="API key [LEDGERLINK_SHIPSTATION_API_KEY].",
)
@click.option(
    "--api-secret",
    envvar="LEDGERLINK_SHIPSTATION_API_SECRET",
    required=True,
    help="API secret [LEDGERLINK_SHIPSTATION_API_SECRET].",
)
def shipstation(tenant: str, api_key: str, api_secret: str) -> None:
    """Connect a ShipStation account with its API key and secret (verified before saving)."""
    ends = config.endpoints("shipstation")
    basic = base64.b64encode(f"{api_key}:{api_secret}".encode()).decode()
    stores = _verify("shipstation", f"{ends.api_url}/stores", {"Authorization": f"Basic {basic}"})
    store_ids = (
        ",".join(str(s.get("storeId")) for s in stores) if isinstance(stores, list) else None
    )
    TokenStore().save(
        tenant,
        "shipstation",
        auth_kind="api_key",
        api_url=ends.api_url,
        account_id=store_ids or None,
        secrets={"api_key": api_key, "api_secret": api_secret},
    )
    click.echo(f"connected tenant '{tenant}' to ShipStation (stores {store_ids or 'none'})")


@click.command()
@click.argument("provider", type=click.Choice(config.PROVIDERS))
@TENANT
def disconnect(provider: config.Provider, tenant: str) -> None:
    """Revoke a connection where the provider supports it and forget its credentials."""
    existed, revoked = TokenStore().disconnect(tenant, provider)
    if not existed:
        raise LedgerlinkError(f"No {provider} connection for tenant '{tenant}'")
    note = "revoked at the provider and removed" if revoked else "removed (nothing revoked)"
    click.echo(f"{provider} connection of tenant '{tenant}' {note}")


def _require_app(client_id: str | None, client_secret: str | None) -> tuple[str, str]:
    if not client_id:
        raise click.UsageError("--client-id (or its environment variable) is required for OAuth")
    if not client_secret:
        client_secret = click.prompt("OAuth client secret", hide_input=True)
    return client_id, str(client_secret)


def _announcer(no_browser: bool) -> Any:
    def announce(url: str) -> None:
        click.echo("Open this URL to authorize ledgerlink:", err=True)
        click.echo(url)
        if not no_browser:
            webbrowser.open(url)

    return announce


def _verify(provider: str, url: str, headers: dict[str, str]) -> Any:
    """One cheap authenticated call, so wrong credentials fail here rather than in a sync."""
    try:
        response = httpx.get(url, headers=headers | {"Accept": "application/json"}, timeout=30)
    except httpx.HTTPError as exc:
        raise LedgerlinkError(f"{provider} did not answer at {url}: {type(exc).__name__}") from None
    if response.status_code in (401, 403):
        raise LedgerlinkError(f"{provider} rejected the credentials (HTTP {response.status_code})")
    if response.status_code != 200:
        raise LedgerlinkError(f"{provider} answered HTTP {response.status_code} at {url}")
    return response.json()
