"""Which base URL a Pipedrive company is served at (reference §1.1).

Pipedrive recommends ``https://{companydomain}.pipedrive.com``; OAuth hands it out as
``api_domain``. An API-token connection stores the generic ``https://api.pipedrive.com`` (the
spec's server) and the company domain from ``/v1/users/me``: use the company's own host then.
Any other URL (a sandbox, a proxy) is used as stored.
"""

from __future__ import annotations

from urllib.parse import urlsplit

GENERIC_HOST = "api.pipedrive.com"


def company_base_url(api_url: str, company_domain: str | None) -> str:
    """The company's base URL without a trailing slash (no ``/api/v2``)."""
    url = api_url.rstrip("/")
    if company_domain and urlsplit(url).hostname == GENERIC_HOST:
        domain = company_domain.removesuffix(".pipedrive.com")
        return f"https://{domain}.pipedrive.com"
    return url
