"""Credentials for the three providers; see `TokenStore`."""

from ledgerlink.tokens.credentials import Connection, Credentials
from ledgerlink.tokens.grants import Grant, InvalidGrant, TokenEndpointError
from ledgerlink.tokens.store import NotConnected, ReauthRequired, TokenStore

__all__ = [
    "Connection",
    "Credentials",
    "Grant",
    "InvalidGrant",
    "NotConnected",
    "ReauthRequired",
    "TokenEndpointError",
    "TokenStore",
]
