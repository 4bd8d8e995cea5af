"""Service settings: every behaviour we could not verify against the real API is a setting.

A service keeps its settings in plain dataclasses (defaults = best-known real behaviour) and
registers them here; ``GET /_sandbox/settings`` returns them merged into one flat JSON object and
``PATCH /_sandbox/settings`` changes some of them:

    @dataclass
    class DealSettings:
        page_limit_cap: int = 500
        cursor_mode: Literal["offset", "cursor"] = "cursor"

    registry = SettingsRegistry()
    registry.register(DealSettings())            # a fixed instance, or
    registry.register(lambda: [s.settings for s in stores])   # instances found at call time

A PATCH is validated as a whole before anything changes (unknown key, wrong type or a value outside
a ``Literal`` → ``ValueError``, so a typo in a test fails loudly instead of testing the default).
Keys are flat, so names must be unique per service; when two registered dataclasses share a name
(for example one settings object per realm), a PATCH sets it on all of them.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, Literal, Union, get_args, get_origin

Provider = Callable[[], Sequence[Any]]


class SettingsRegistry:
    def __init__(self) -> None:
        self._providers: list[Provider] = []

    def register(self, source: Any) -> None:
        """Register a dataclass instance, or a callable returning a list of them."""
        if callable(source) and not dataclasses.is_dataclass(source):
            self._providers.append(source)
        elif dataclasses.is_dataclass(source) and not isinstance(source, type):
            self._providers.append(lambda: [source])
        else:
            raise TypeError("register a dataclass instance or a callable returning instances")

    def objects(self) -> list[Any]:
        return [obj for provider in self._providers for obj in provider()]

    def as_dict(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for obj in self.objects():
            for f in dataclasses.fields(obj):
                merged.setdefault(f.name, getattr(obj, f.name))
        return merged

    def patch(self, values: dict[str, Any]) -> dict[str, Any]:
        """Validate every key first, then apply; returns the merged settings after the change."""
        if not isinstance(values, dict):
            raise ValueError("settings must be a JSON object")
        targets: list[tuple[Any, str, Any]] = []
        for key, value in values.items():
            owners = [obj for obj in self.objects() if key in _field_names(obj)]
            if not owners:
                raise ValueError(f"unknown setting {key!r}")
            for obj in owners:
                targets.append((obj, key, _coerce(key, value, _hints(type(obj))[key])))
        for obj, key, value in targets:
            setattr(obj, key, value)
        return self.as_dict()

    def restore_defaults(self) -> None:
        for obj in self.objects():
            fresh = type(obj)()
            for f in dataclasses.fields(obj):
                setattr(obj, f.name, getattr(fresh, f.name))


def _field_names(obj: Any) -> set[str]:
    return {f.name for f in dataclasses.fields(obj)}


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _coerce(key: str, value: Any, annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is Literal:
        allowed = get_args(annotation)
        if value not in allowed:
            raise ValueError(f"setting {key!r} must be one of {list(allowed)}")
        return value
    if origin in (Union, types.UnionType):
        options = get_args(annotation)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(key, value, option)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0] if errors else f"setting {key!r} has the wrong type")
    if annotation is bool:
        if not isinstance(value, bool):
            raise ValueError(f"setting {key!r} must be true or false")
        return value
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"setting {key!r} must be an integer")
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"setting {key!r} must be a number")
        return float(value)
    if annotation is str:
        if not isinstance(value, str):
            raise ValueError(f"setting {key!r} must be a string")
        return value
    # Containers and anything exotic: accept JSON as-is (the owner validates on use).
    return value
