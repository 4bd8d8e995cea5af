"""`ledgerlink keys`: the key that seals stored secrets."""

from __future__ import annotations

import os

import click

from ledgerlink import config, crypto
from ledgerlink.tokens import TokenStore


@click.group()
def keys() -> None:
    """The AES-256-GCM key that seals stored secrets."""


@keys.command()
def generate() -> None:
    """Print a new random key for LEDGERLINK_SECRET_KEY."""
    click.echo(crypto.generate_key())


@keys.command()
def rotate() -> None:
    """Re-seal every stored secret under a new key.

    With LEDGERLINK_SECRET_KEY set: put the new key there and the old one in
    LEDGERLINK_PREVIOUS_SECRET_KEYS, run this, then drop the old key. With the embedded default's
    key file: a new key is generated, every secret re-sealed, and the old key removed.
    """
    if os.environ.get("LEDGERLINK_SECRET_KEY"):
        changed = TokenStore().reseal_all()
        click.echo(f"re-sealed {changed} values under key {crypto.load_keyring().current_id}")
        return
    if config.database_url():
        raise click.UsageError(
            "set LEDGERLINK_SECRET_KEY (new) and LEDGERLINK_PREVIOUS_SECRET_KEYS"
        )
    old = crypto.load_keyring()
    new = crypto.generate_key()
    old_keys = [crypto.encode_key(k) for k in (old.current, *old.previous)]
    # New key first (seals), old keys kept until every value is re-sealed: a crash in between
    # leaves a key file that still opens everything.
    crypto.write_key_file([new, *old_keys])
    changed = TokenStore(keyring=crypto.load_keyring()).reseal_all()
    crypto.write_key_file([new])
    click.echo(f"re-sealed {changed} values under key {crypto.load_keyring().current_id}")
