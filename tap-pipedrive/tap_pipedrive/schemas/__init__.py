"""JSON schemas of the streams (``<stream>.json``), following the v2 OpenAPI document."""

from __future__ import annotations

import json
import typing as t
from importlib import resources


def load(name: str) -> dict[str, t.Any]:
    """A fresh copy of a stream's static schema (callers may extend it)."""
    text = resources.files(__name__).joinpath(f"{name}.json").read_text()
    return t.cast(dict[str, t.Any], json.loads(text))
