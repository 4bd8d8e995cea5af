"""A compact set of numeric QBO Ids (a bitmap), kept in the state of transaction streams.

Transactions are hard-deleted and CDC forgets after 30 days, so after a longer pause the only
way to find deletions is to compare the Ids we delivered with the Ids that exist now (reference
§6.3). One bit per possible Id: 300 000 invoices cost ~40 KB before compression, and membership
and updates are O(1) with flat memory however many records stream through.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Iterator


class IdSet:
    def __init__(self, bits: bytearray | None = None) -> None:
        self._bits = bits if bits is not None else bytearray()

    @classmethod
    def decode(cls, text: str | None) -> IdSet | None:
        if not text:
            return None
        return cls(bytearray(zlib.decompress(base64.b64decode(text))))

    def encode(self) -> str:
        return base64.b64encode(zlib.compress(bytes(self._bits), 9)).decode("ascii")

    @staticmethod
    def _index(id_: str) -> int | None:
        return int(id_) if id_.isdigit() else None  # QBO Ids are digit strings (§6.2)

    def add(self, id_: str) -> None:
        n = self._index(id_)
        if n is None:
            return
        byte = n >> 3
        if byte >= len(self._bits):
            self._bits.extend(bytes(byte - len(self._bits) + 1 + len(self._bits) // 4))
        self._bits[byte] |= 1 << (n & 7)

    def discard(self, id_: str) -> None:
        n = self._index(id_)
        if n is not None and (n >> 3) < len(self._bits):
            self._bits[n >> 3] &= ~(1 << (n & 7)) & 0xFF

    def __contains__(self, id_: object) -> bool:
        n = self._index(id_) if isinstance(id_, str) else None
        return (
            n is not None
            and (n >> 3) < len(self._bits)
            and bool(self._bits[n >> 3] & (1 << (n & 7)))
        )

    def __iter__(self) -> Iterator[str]:
        for byte_index, byte in enumerate(self._bits):
            if byte:
                for bit in range(8):
                    if byte & (1 << bit):
                        yield str(byte_index * 8 + bit)

    def __len__(self) -> int:
        return sum(bin(b).count("1") for b in self._bits)

    def missing_from(self, other: IdSet) -> Iterable[str]:
        """Ids in this set but not in ``other``."""
        return (id_ for id_ in self if id_ not in other)
