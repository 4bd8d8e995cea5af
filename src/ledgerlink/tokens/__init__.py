"""Credentials for the three providers; see `TokenStore`."""

from ledgerlink.tokens.credentials import Connection, Credentials
from ledgerlink.tokens.errors import NotConnected, ReauthRequired
from ledgerlink.tokens.grants import Grant, InvalidGrant, OutcomeUnknown, TokenEndpointError
from ledgerlink.tokens.held import HeldCredential
from ledgerlink.tokens.store import TokenStore

__all__ = [
    "Connection",
    "Credentials",
    "Grant",
    "HeldCredential",
    "InvalidGrant",
    "NotConnected",
    "OutcomeUnknown",
    "ReauthRequired",
    "TokenEndpointError",
    "TokenStore",
]
