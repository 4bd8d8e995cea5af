"""Keeps secrets out of logs and error text.

Two nets: every secret the process handles is registered (sealing and opening do it), and
token-shaped strings are masked even when nobody registered them. `install()` makes every log
record, including formatted tracebacks, pass through `redact`.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "[redacted]"
_MIN_LENGTH = 8  # shorter values would mask ordinary words

_known: set[str] = set()
_known_lock = threading.Lock()
_known_pattern: re.Pattern[str] | None = None

# Token shapes of the three providers and of generic credentials in URLs, headers and bodies.
_SHAPES = re.compile(
    r"""
    (?P<kv>\b(?:access_token|refresh_token|api_token|api_key|api_secret|client_secret|id_token
           |password|x-api-token|code)["']?\s*[:=]\s*["']?)[^\s"'&,;}]{6,}
    | (?P<auth>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=\-:]{8,}
    | \beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_.\-]*          # JWT / JWE (QBO access tokens)
    | \b(?:AB11|RT1-)[A-Za-z0-9_\-]{20,}                   # QBO refresh tokens
    | \bv1u:[A-Za-z0-9+/=_\-]{10,}                         # Pipedrive OAuth access tokens
    | \b\d+:\d+:[0-9a-f]{40}\b                             # Pipedrive OAuth refresh tokens
    """,
    re.VERBOSE | re.IGNORECASE,
)


def register(secret: str | None) -> None:
    """Remember a secret value so it is masked wherever it appears later."""
    global _known_pattern
    if not secret or len(secret) < _MIN_LENGTH:
        return
    with _known_lock:
        if secret in _known:
            return
        _known.add(secret)
        alternatives = sorted(_known, key=len, reverse=True)
        _known_pattern = re.compile("|".join(re.escape(s) for s in alternatives))


def _mask_shape(match: re.Match[str]) -> str:
    keep = match.group("kv") or match.group("auth") or ""
    return keep + MASK


def redact(text: str) -> str:
    """`text` with every known secret and token-shaped value masked."""
    if not text:
        return text
    pattern = _known_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _SHAPES.sub(_mask_shape, text)


class _RedactingRecord(logging.LogRecord):
    """A log record whose message and traceback text are redacted when formatted."""

    def getMessage(self) -> str:
        return redact(super().getMessage())

    @property
    def exc_text(self) -> str | None:
        return self._exc_text

    @exc_text.setter
    def exc_text(self, value: str | None) -> None:
        # Formatters cache the formatted traceback here; masking on the way in covers them all.
        self._exc_text = redact(value) if value else value


_installed = False


def install() -> None:
    """Route every log record of this process through `redact` (idempotent)."""
    global _installed
    if _installed:
        return
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.__class__ = _RedactingRecord
        record.__dict__.setdefault("_exc_text", record.__dict__.pop("exc_text", None))
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
