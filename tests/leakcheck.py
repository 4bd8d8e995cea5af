"""Whole-run check: no token the sandboxes issued appears in any log or exception text.

Every log record of the test process goes to a file at DEBUG level; subprocess output is appended
by the tests that start processes (`record_output`); failed tests' reports are appended too. The
sandbox fixtures hand in every token they issued before they stop. At the end of the session the
file is scanned, and the run fails if a token is found.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

# One file per pytest-xdist worker ("gw0", ...): each scans what its own tests logged and issued.
LOG = (
    Path(__file__).resolve().parents[1]
    / ".ledgerlink"
    / "test-logs"
    / f"run-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
)
ISSUED: set[str] = set()
_handler: logging.Handler | None = None


def record_output(text: str) -> None:
    """Add output of a subprocess (stdout and stderr) to the scanned log."""
    with LOG.open("a") as handle:
        handle.write(text + "\n")


def add_issued(tokens: set[str]) -> None:
    ISSUED.update(t for t in tokens if t)


def _is_xdist_controller(config: pytest.Config) -> bool:
    """The process that hands tests to pytest-xdist workers and runs none itself."""
    return not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no"


def pytest_sessionstart(session: pytest.Session) -> None:
    global _handler
    LOG.parent.mkdir(parents=True, exist_ok=True)
    if _is_xdist_controller(session.config):
        for old in LOG.parent.glob("verdict-*.json"):
            old.unlink()
    LOG.write_text("")
    _handler = logging.FileHandler(LOG)
    _handler.setLevel(logging.DEBUG)
    _handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(_handler)
    root.setLevel(logging.DEBUG)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and report.longrepr is not None:
        record_output(str(report.longrepr))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _handler is not None:
        _handler.flush()
    text = LOG.read_text() if LOG.exists() else ""
    leaked = sorted(t for t in ISSUED if t in text)
    verdict = {"issued": len(ISSUED), "leaked": len(leaked), "characters": len(text)}
    if _is_xdist_controller(session.config):
        # The workers scanned their own logs; their verdicts add up here, where the run's exit
        # status is decided (a worker's own exit status does not reach it).
        for path in LOG.parent.glob("verdict-*.json"):
            for key, value in json.loads(path.read_text()).items():
                verdict[key] += value
    else:
        (LOG.parent / f"verdict-{LOG.stem}.json").write_text(json.dumps(verdict))
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    if verdict["leaked"]:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if terminal:
            terminal.write_line(
                f"LEAK CHECK FAILED: {verdict['leaked']} issued token(s) appear in"
                f" {LOG.parent}/run-*.log",
                red=True,
            )
    elif terminal and verdict["issued"]:
        terminal.write_line(
            f"leak check: {verdict['issued']} issued tokens, none in"
            f" {verdict['characters']} characters of logs"
        )
