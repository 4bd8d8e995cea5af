"""Reading `meltano --log-format=json run` output: plugin lines, Singer METRIC lines, the error.

Meltano prints one JSON object per line on stderr. A plugin's own stderr lines carry its
`string_id` and whether it is the `producer` (tap) or `consumer` (target); singer-sdk metrics
arrive either as the text `METRIC: {...}` in `event` or, with structured logging, pre-parsed in
`metric_info`. Counters are deltas (a line a minute and one at exit), so totals are sums.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ledgerlink.pipedrive.transport import USAGE_LINE

METRIC_PREFIX = "METRIC:"
# Meltano's own line when a run with the same state ID looks alive (a crashed run's lock).
ALREADY_RUNNING = "already running"
# A Pipedrive plugin stopped cleanly at the daily token reserve, with resumable state: the words
# of every `BudgetReserveReached` message (ledgerlink.pipedrive.limits) and of target-pipedrive's
# last line ("target-pipedrive: stopped at the daily token reserve: N customers left").
BUDGET_STOP = ("Pipedrive token budget", "stopped at the daily token reserve")
# The exit status of a plugin that stopped so (sysexits.h EX_TEMPFAIL: try again later).
BUDGET_STOP_EXIT = 75


@dataclass(frozen=True)
class LogLine:
    """One line of Meltano's output, parsed."""

    event: str
    level: str
    plugin: str | None  # string_id of the plugin that wrote it; None for Meltano's own lines
    producer: bool
    fields: dict[str, Any]

    @property
    def metric(self) -> dict[str, Any] | None:
        info = self.fields.get("metric_info")
        if isinstance(info, dict):
            return info
        if self.event.startswith(METRIC_PREFIX):
            try:
                parsed = json.loads(self.event[len(METRIC_PREFIX) :])
            except json.JSONDecodeError:
                return None
            return parsed if isinstance(parsed, dict) else None
        return None

    def render(self) -> str:
        """How the line reads in the Dagster run log."""
        return f"[{self.plugin}] {self.event}" if self.plugin else self.event


def parse_line(text: str) -> LogLine:
    """A line of output; a line that is not Meltano JSON is kept as plain text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or "event" not in data:
        return LogLine(text.rstrip("\n"), "info", None, False, {})
    return LogLine(
        event=str(data["event"]),
        level=str(data.get("level", "info")),
        plugin=data.get("string_id"),
        producer=bool(data.get("producer")),
        fields=data,
    )


@dataclass
class StreamStats:
    """One stream's totals: records the tap read and the target wrote, the tap's API requests."""

    records_extracted: int = 0
    records_loaded: int = 0
    http_requests: int = 0
    http_seconds: float = 0.0
    http_errors: int = 0  # requests that did not succeed (each retry counts)


@dataclass
class RunSummary:
    """What a Meltano run did, accumulated line by line."""

    streams: dict[str, StreamStats] = field(default_factory=lambda: defaultdict(StreamStats))
    duration_seconds: float | None = None
    succeeded: bool | None = None
    failed_plugin_kind: str | None = None  # "extractors" / "loaders" / "mappers"
    warnings: list[str] = field(default_factory=list)
    budget_stop: str | None = None  # the plugin's line when it stopped at the token reserve
    exit_codes: dict[str, int] = field(default_factory=dict)  # plugin kind → status, on failure
    # Per plugin, the Pipedrive (requests, tokens) of its last usage line (`Usage.describe()`).
    pipedrive_usage: dict[str, tuple[int, int]] = field(default_factory=dict)
    _last_line: dict[str, LogLine] = field(default_factory=dict)  # per plugin, non-metric
    _meltano_errors: list[str] = field(default_factory=list)
    _producers: set[str] = field(default_factory=set)

    def add(self, line: LogLine) -> None:
        metric = line.metric
        if metric is not None and line.plugin:
            self._add_metric(metric, producer=line.producer)
            return
        if line.plugin:
            self._last_line[line.plugin] = line
            if line.producer:
                self._producers.add(line.plugin)
            if line.event.startswith(("WARNING", "WARN ")) or line.level == "warning":
                self.warnings.append(f"{line.plugin}: {line.event}")
            usage = USAGE_LINE.search(line.event)
            if usage:
                self.pipedrive_usage[line.plugin] = (int(usage[1]), int(usage[2]))
            if any(words in line.event for words in BUDGET_STOP):
                self.budget_stop = f"{line.plugin}: {_strip_plugin_prefix(line.plugin, line.event)}"
            return
        if line.event == "Run completed":
            self.succeeded = line.fields.get("status") == "success"
            duration = line.fields.get("duration_seconds")
            self.duration_seconds = float(duration) if duration is not None else None
        elif line.event == "Block run completed" and not line.fields.get("success", True):
            codes = line.fields.get("exit_codes") or {}
            self.exit_codes = {str(kind): int(code) for kind, code in codes.items()}
            failed = [kind for kind, code in codes.items() if code]
            self.failed_plugin_kind = failed[0] if failed else None
        elif line.level in ("error", "critical") and line.event not in (
            "Extractor failed",
            "Loader failed",
            "Mappers failed",
        ):
            self._meltano_errors.append(line.event)

    def _add_metric(self, metric: dict[str, Any], *, producer: bool) -> None:
        tags = metric.get("tags") or {}
        stream = tags.get("stream")
        if not stream:
            return
        stats = self.streams[str(stream)]
        name, value = metric.get("metric"), metric.get("value") or 0
        if name == "record_count":
            if producer:
                stats.records_extracted += int(value)
            else:
                stats.records_loaded += int(value)
        elif name == "http_request_count" and producer:
            stats.http_requests += int(value)
        elif name == "http_request_duration" and producer:
            stats.http_seconds += float(value)
            if tags.get("status") not in (None, "succeeded"):
                stats.http_errors += 1

    @property
    def stopped_at_budget_reserve(self) -> bool:
        """The run ended early only because a Pipedrive plugin kept the daily token reserve: a
        clean stop (state saved up to the stop), not a failure."""
        failing = [code for code in self.exit_codes.values() if code]
        return (
            self.budget_stop is not None
            and bool(failing)
            and all(code == BUDGET_STOP_EXIT for code in failing)
        )

    @property
    def refused_as_already_running(self) -> bool:
        return any(ALREADY_RUNNING in e.lower() for e in self._meltano_errors)

    def error_line(self) -> str:
        """The one line that says why the run failed, in the failing plugin's own words."""
        kind = self.failed_plugin_kind
        if kind is not None:
            wanted_producer = kind == "extractors"
            for plugin, line in reversed(list(self._last_line.items())):
                if (plugin in self._producers) == wanted_producer:
                    return f"{plugin}: {_strip_plugin_prefix(plugin, line.event)}"
        if self._meltano_errors:
            return self._meltano_errors[-1]
        if kind is not None:
            return f"{kind} failed"
        return "meltano run failed"

    def metadata(self) -> dict[str, float | int | None]:
        """Run-level numbers for the Dagster run and every asset of it."""
        return {
            "records_extracted": sum(s.records_extracted for s in self.streams.values()),
            "records_loaded": sum(s.records_loaded for s in self.streams.values()),
            "api_requests": sum(s.http_requests for s in self.streams.values()),
            "api_seconds": round(sum(s.http_seconds for s in self.streams.values()), 3),
            "pipedrive_requests": sum(r for r, _ in self.pipedrive_usage.values()),
            "pipedrive_tokens": sum(t for _, t in self.pipedrive_usage.values()),
            "duration_seconds": self.duration_seconds,
        }


def _strip_plugin_prefix(plugin: str, text: str) -> str:
    # singer-sdk's last line often repeats the executable's name ("tap-x: message").
    prefix = f"{plugin}: "
    return text[len(prefix) :] if text.startswith(prefix) else text
