"""One line per failure a user can act on: the command wrapper of every plugin.

Whatever stops a run for a reason outside the code (an unknown tenant, a connection that needs
reconnecting, an API that keeps failing, a setting the API cannot accept) ends with exactly one
line on stderr that names the record or setting and what to do, exit status 1, no traceback,
and nothing logged before it that says the same. Bugs keep their traceback.

The wrapper sits around the whole click command (``main``), not only the sync: singer-sdk runs
``--discover`` in an option callback, before the command's own error handling.
"""

from __future__ import annotations

import logging
import sys
import typing as t
from urllib.parse import urlsplit

import click
import requests
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError
from singer_sdk.plugin_base import SingerCommand
from typing_extensions import override

from ledgerlink import redact
from ledgerlink.errors import LedgerlinkError
from ledgerlink.singer.http import TRANSIENT_EXCEPTIONS

if t.TYPE_CHECKING:
    from collections.abc import Mapping

# Log records that announce a failure which is then raised, and so reported by the wrapper:
# singer-sdk's notice that a stream failed, and the store's note that a connection now needs a
# reconnect (``ReauthRequired`` carries the same reason and the command).
ANNOUNCED_FAILURES = (
    "An unhandled error occurred while syncing '%s'",
    "The %s connection of tenant '%s' needs re-authorization: %s",
)


BOUND_WORDS = {
    "minimum": "must be at least",
    "maximum": "must be at most",
    "exclusiveMinimum": "must be more than",
    "exclusiveMaximum": "must be less than",
}
KIND_NAMES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
}


def setting_problem(schema: Mapping[str, t.Any], config: Mapping[str, t.Any]) -> str | None:
    """The first setting the schema refuses, as ``setting 'x' = value must ...``; None when
    the config is valid."""
    errors = sorted(Draft7Validator(schema).iter_errors(dict(config)), key=_order)
    if not errors:
        return None
    return _describe(errors[0])


def _setting_of(problem: str) -> str:
    """The top-level setting a problem names (``include_fields.deals.0`` → include_fields)."""
    return problem.split("'")[1].split(".")[0]


def _order(error: ValidationError) -> tuple[str, ...]:
    return tuple(str(part) for part in error.absolute_path)


def _describe(error: ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return f"setting '{missing}' is required"
    value = error.instance if not isinstance(error.instance, dict | list) else "…"
    return f"setting '{path}' = {value!r} {_rule(str(error.validator), error)}"


def _rule(validator: str, error: ValidationError) -> str:
    bound = error.validator_value
    if validator in BOUND_WORDS:
        return f"{BOUND_WORDS[validator]} {bound}"
    if validator == "enum" and isinstance(bound, list):
        return f"must be one of {', '.join(map(str, bound))}"
    if validator == "pattern":
        return f"must match {bound}"
    if validator == "type":
        kinds = [bound] if isinstance(bound, str) else list(bound)
        return "must be " + " or ".join(KIND_NAMES.get(k, k) for k in kinds if k != "null")
    return str(error.message)


class OneLineCommand(SingerCommand):
    """The SDK's command, whose ``main`` reports actionable failures in one line."""

    plugin_name: str = "plugin"

    @override
    def main(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        try:
            return super().main(*args, **kwargs)
        except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as error:
            line = one_line(error)
            if line is None:
                raise  # a bug: keep the traceback
            print(f"{self.plugin_name}: {redact.redact(line)}", file=sys.stderr, flush=True)
            sys.exit(1)


def one_line(error: BaseException) -> str | None:
    """The line a user sees for ``error``, or None when it is a bug."""
    if isinstance(error, LedgerlinkError):
        return str(error)
    if isinstance(error, ConfigValidationError):
        return f"{'; '.join(error.errors) or error}: fix the setting (meltano config set)"
    if isinstance(error, FatalAPIError | RetriableAPIError):
        return f"the API refused a request ({error}); nothing was written for it"
    if isinstance(error, TRANSIENT_EXCEPTIONS):
        host = _host(error)
        return (
            f"the API at {host} could not be reached after every retry "
            f"({type(error).__name__}); check the network and the connection's API URL"
        )
    return None


def _host(error: BaseException) -> str:
    request = getattr(error, "request", None)
    if isinstance(request, requests.PreparedRequest | requests.Request) and request.url:
        return str(urlsplit(str(request.url)).netloc)
    return "the provider"


def _drop_failure_notice(record: logging.LogRecord) -> bool:
    """Failures announced in the log before they are raised are said once, by the wrapper."""
    return record.msg not in ANNOUNCED_FAILURES


class OneLineErrors:
    """Mixin for every ledgerlink Tap and Target (first in the bases).

    - the command line reports failures in one line (``OneLineCommand``);
    - config is checked against the schema before anything else, and the first refused setting
      is named with its bound, instead of the SDK's several log lines.

    The plugins' schemas carry a description and bounds on every setting, so a value the API
    cannot accept (QuickBooks ``page_size`` 5000) is refused here, before any request.
    """

    name: str
    config_jsonschema: t.ClassVar[dict[str, t.Any]]

    @classmethod
    def get_singer_command(cls) -> click.Command:
        command = super().get_singer_command()  # type: ignore[misc]
        for handler in logging.getLogger().handlers:  # the SDK's console handler, set up by now
            handler.addFilter(_drop_failure_notice)
        assert type(command) is SingerCommand, "singer-sdk builds a SingerCommand"
        command.__class__ = OneLineCommand  # same object, with the guarded ``main``
        guarded = t.cast("OneLineCommand", command)
        guarded.plugin_name = cls.name
        return guarded

    _config: dict[str, t.Any]

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's validation, but a refused setting raises one ``LedgerlinkError`` that names
        it and its bound (the SDK would log each error and then a summary)."""
        if raise_errors:
            schema = dict(self.config_jsonschema)
            self.append_builtin_config(schema)  # type: ignore[attr-defined]
            problem = setting_problem(schema, self._config)
            if problem is not None:
                setting = _setting_of(problem)
                raise LedgerlinkError(
                    f"{problem}: fix it with `meltano config set {self.name} {setting} <value>`"
                )
        return super()._validate_config(raise_errors=raise_errors)  # type: ignore[misc, no-any-return]
