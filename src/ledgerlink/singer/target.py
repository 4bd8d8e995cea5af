"""The base of every ledgerlink target: the shared settings, one-line errors, and the tenant's
credentials checked before the first record is read.

A target writes to a provider on a tenant's behalf, so a tenant that is not connected, or whose
connection needs a person to reconnect, is reported at start, in one line, instead of after the
tap has already spent its run.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import Target

from ledgerlink import redact
from ledgerlink.config import Provider
from ledgerlink.singer.auth import TokenStoreAuthenticator
from ledgerlink.singer.cli import OneLineErrors
from ledgerlink.singer.settings import StoreSettings


class StoreTarget(OneLineErrors, Target):
    """Subclasses set ``name``, ``provider``, ``config_jsonschema`` (starting with
    ``common_properties``) and their sinks."""

    provider: t.ClassVar[Provider]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        redact.install()  # before anything can log: tokens never reach a log line
        super().__init__(*args, **kwargs)
        _ = self.authenticator.credentials  # unknown tenant, reconnect needed: fail first

    @cached_property
    def authenticator(self) -> TokenStoreAuthenticator:
        store = StoreSettings.from_config(self.config)
        return TokenStoreAuthenticator(
            tenant=store.tenant, provider=self.provider, store=store.store()
        )
