"""Sealed secrets: confidentiality, binding to their row, key rotation, key file safety."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink import crypto
from ledgerlink.crypto import KeyRing, SecretKeyError

RING = KeyRing(os.urandom(32))
WHERE = {"tenant": "acme", "provider": "quickbooks", "field": "refresh_token"}


@given(st.text(min_size=1))
def test_sealed_values_open_to_the_original(secret: str) -> None:
    sealed = RING.seal(secret, **WHERE)
    assert RING.open(sealed, **WHERE) == secret


def test_sealed_value_hides_the_secret_and_never_repeats() -> None:
    secret = "AB11570127472xkApQcsuqTXgmXTmslIuWq7qhxlcMWHfC"
    first, second = RING.seal(secret, **WHERE), RING.seal(secret, **WHERE)
    assert first != second  # a fresh nonce per value
    assert secret not in first
    assert first.startswith(f"ll1.{RING.current_id}.")


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"tenant": "globex"},
        {"provider": "pipedrive"},
        {"field": "access_token"},
    ],
)
def test_a_sealed_value_moved_to_another_row_or_field_does_not_open(
    elsewhere: dict[str, str],
) -> None:
    sealed = RING.seal("secret-value-123", **WHERE)
    with pytest.raises(SecretKeyError, match="does not open"):
        RING.open(sealed, **(WHERE | elsewhere))


def test_tampering_is_detected() -> None:
    sealed = RING.seal("secret-value-123", **WHERE)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SecretKeyError):
        RING.open(flipped, **WHERE)


def test_rotation_opens_old_values_and_reseals_under_the_new_key() -> None:
    old, new = os.urandom(32), os.urandom(32)
    sealed_old = KeyRing(old).seal("secret-value-123", **WHERE)
    ring = KeyRing(new, (old,))
    assert ring.needs_reseal(sealed_old)
    assert ring.open(sealed_old, **WHERE) == "secret-value-123"
    assert not ring.needs_reseal(ring.seal("x" * 10, **WHERE))
    with pytest.raises(SecretKeyError, match="not configured"):
        KeyRing(new).open(sealed_old, **WHERE)


def test_malformed_key_is_an_actionable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERLINK_SECRET_KEY", "not-base64-32-bytes")
    with pytest.raises(SecretKeyError, match="ledgerlink keys generate"):
        crypto.load_keyring()


def test_a_server_database_requires_an_explicit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGERLINK_SECRET_KEY")
    monkeypatch.setenv("LEDGERLINK_DATABASE_URL", "postgresql://db.example/ledgerlink")
    with pytest.raises(SecretKeyError, match="LEDGERLINK_SECRET_KEY is required"):
        crypto.load_keyring()


def _load_current_key_id(project: str) -> str:
    os.environ["LEDGERLINK_PROJECT_DIR"] = project
    return crypto.load_keyring().current_id


def test_embedded_key_file_is_private_and_created_once_under_a_race(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEDGERLINK_SECRET_KEY")
    monkeypatch.delenv("LEDGERLINK_DATABASE_URL")
    monkeypatch.setenv("LEDGERLINK_PROJECT_DIR", str(tmp_path))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        ids = pool.map(_load_current_key_id, [str(tmp_path)] * 8)
    assert len(set(ids)) == 1  # every process ended up with the same key
    mode = stat.S_IMODE(crypto.key_file().stat().st_mode)
    assert mode == 0o600
