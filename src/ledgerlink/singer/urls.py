"""Which API base URL a plugin talks to: the one stored with the connection.

A connection records the API host of the account it was made against (an Intuit sandbox company
lives on the sandbox host, a Pipedrive company on its own domain, the ledgerlink emulators on
localhost), so a plugin that followed a separate "environment" setting could send one tenant's
token to another host. The ``api_url`` setting remains only as an explicit override.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def api_base_url(config: Mapping[str, Any], stored: str) -> str:
    """The ``api_url`` setting when given, else the URL stored with the connection; no slash
    at the end."""
    override = config.get("api_url")
    return str(override or stored).rstrip("/")
