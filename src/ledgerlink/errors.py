"""The error types users see; their text never carries a secret."""

from __future__ import annotations

from ledgerlink import redact


class LedgerlinkError(Exception):
    """Base of every error ledgerlink raises on purpose; the message says what to do."""

    def __str__(self) -> str:
        return redact.redact(super().__str__())
