"""Options several commands share; a tenant name is checked where it is parsed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ledgerlink.config import TENANT_PATTERN

_TENANT = re.compile(TENANT_PATTERN)
TENANT_HELP = "Tenant name (lower case letters, digits, - and _; starts with a letter or digit)."


def check_tenant(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse a malformed tenant before any store access, provider call or browser consent."""
    if value is not None and not _TENANT.fullmatch(value):
        raise click.BadParameter(
            f"'{value}' is not a tenant name: use 1-63 lower case letters, digits, '-' or '_',"
            " starting with a letter or digit",
            ctx=ctx,
            param=param,
        )
    return value


F = TypeVar("F", bound=Callable[..., Any])


def tenant_option(*, required: bool, help: str = TENANT_HELP, **extra: Any) -> Callable[[F], F]:
    return click.option("--tenant", required=required, help=help, callback=check_tenant, **extra)
