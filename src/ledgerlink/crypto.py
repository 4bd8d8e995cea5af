"""Sealed secrets: AES-256-GCM with a fresh nonce per value, bound to (tenant, provider, field).

A sealed value reads `ll1.<key id>.<base64url(nonce || ciphertext || tag)>`. The key id lets keys
rotate: the key ring opens values sealed under any key it holds and seals under its current key.
The associated data means a value copied into another row or field no longer opens.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledgerlink import config, redact
from ledgerlink.errors import LedgerlinkError

PREFIX = "ll1"
KEY_FILE_NAME = "secret.key"


class SecretKeyError(LedgerlinkError):
    """The secret key is missing, malformed, or does not open a stored value."""


def generate_key() -> str:
    """A new random 256-bit key, base64 encoded (the format of `LEDGERLINK_SECRET_KEY`)."""
    return encode_key(secrets.token_bytes(32))


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


def _decode_key(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        msg = (
            f"{origin} must be 32 random bytes in base64; "
            "create one with `ledgerlink keys generate`"
        )
        raise SecretKeyError(msg)
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@dataclass(frozen=True)
class KeyRing:
    """The current key (seals) and older keys (only open)."""

    current: bytes
    previous: tuple[bytes, ...] = ()
    _by_id: dict[str, bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {key_id(k): k for k in (*self.previous, self.current)})

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def seal(self, plaintext: str, *, tenant: str, provider: str, field: str) -> str:
        redact.register(plaintext)
        nonce = secrets.token_bytes(12)
        aad = _aad(tenant, provider, field)
        body = AESGCM(self.current).encrypt(nonce, plaintext.encode(), aad)
        encoded = base64.urlsafe_b64encode(nonce + body).decode().rstrip("=")
        return f"{PREFIX}.{self.current_id}.{encoded}"

    def open(self, sealed: str, *, tenant: str, provider: str, field: str) -> str:
        where = f"{provider} {field} of tenant '{tenant}'"
        try:
            prefix, kid, encoded = sealed.split(".", 2)
        except ValueError:
            prefix, kid, encoded = "", "", ""
        if prefix != PREFIX:
            raise SecretKeyError(f"The stored {where} is not a sealed value")
        key = self._by_id.get(kid)
        if key is None:
            msg = (
                f"The stored {where} was sealed with key {kid}, which is not configured; "
                "set it in LEDGERLINK_PREVIOUS_SECRET_KEYS or reconnect"
            )
            raise SecretKeyError(msg)
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        try:
            plaintext = AESGCM(key).decrypt(raw[:12], raw[12:], _aad(tenant, provider, field))
        except InvalidTag:
            msg = f"The stored {where} does not open: it was altered or belongs to another row"
            raise SecretKeyError(msg) from None
        value = plaintext.decode()
        redact.register(value)
        return value

    def needs_reseal(self, sealed: str) -> bool:
        return not sealed.startswith(f"{PREFIX}.{self.current_id}.")


def _aad(tenant: str, provider: str, field: str) -> bytes:
    # Length-prefixed so ("a.b", "c") and ("a", "b.c") can never produce the same bytes.
    parts = [p.encode() for p in (tenant, provider, field)]
    return b"".join(len(p).to_bytes(2, "big") + p for p in parts)


def key_file() -> Path:
    return config.state_dir() / KEY_FILE_NAME


def load_keyring() -> KeyRing:
    """Keys from the environment; for the embedded default only, a generated 0600 key file.

    `LEDGERLINK_SECRET_KEY` is the current key, `LEDGERLINK_PREVIOUS_SECRET_KEYS` (comma
    separated) are keys that still open older values during a rotation.
    """
    env_key = os.environ.get("LEDGERLINK_SECRET_KEY")
    if env_key:
        previous = [
            _decode_key(k, "LEDGERLINK_PREVIOUS_SECRET_KEYS")
            for k in os.environ.get("LEDGERLINK_PREVIOUS_SECRET_KEYS", "").split(",")
            if k.strip()
        ]
        return KeyRing(_decode_key(env_key, "LEDGERLINK_SECRET_KEY"), tuple(previous))
    if config.database_url():
        msg = (
            "LEDGERLINK_SECRET_KEY is required when LEDGERLINK_DATABASE_URL names a server; "
            "create one with `ledgerlink keys generate` and keep it in your secret manager"
        )
        raise SecretKeyError(msg)
    return _file_keyring(create=True)


def _file_keyring(create: bool) -> KeyRing:
    path = key_file()
    if not path.exists():
        if not create:
            raise SecretKeyError(f"No key file at {path}")
        _create_key_file_once(path)
    keys = [_decode_key(line, str(path)) for line in path.read_text().split() if line]
    if not keys:
        raise SecretKeyError(f"The key file {path} is empty")
    return KeyRing(keys[0], tuple(keys[1:]))


def _create_key_file_once(path: Path) -> None:
    # Two processes may start at once on a fresh project: exactly one key file must win, or
    # values sealed by the loser would never open again. link() fails if the file exists.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generate_key() + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def write_key_file(keys: list[str]) -> None:
    """Write the key file atomically with mode 0600; the first key is the current one."""
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    tmp.replace(path)
