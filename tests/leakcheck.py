"""Whole-run check: no token the sandboxes issued appears in any log or exception text.

Every log record of the test process goes to a file at DEBUG level; subprocess output is appended
by the tests that start processes (`record_output`); failed tests' reports are appended too. The
sandbox fixtures hand in every token they issued before they stop. At the end of the session the
file is scanned, and the run fails if a token is found.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

LOG = Path(__file__).resolve().parents[1] / ".ledgerlink" / "test-logs" / "run.log"
ISSUED: set[str] = set()
_handler: logging.Handler | None = None


def record_output(text: str) -> None:
    """Add output of a subprocess (stdout and stderr) to the scanned log."""
    with LOG.open("a") as handle:
        handle.write(text + "\n")


def add_issued(tokens: set[str]) -> None:
    ISSUED.update(t for t in tokens if t)


def pytest_sessionstart(session: pytest.Session) -> None:
    global _handler
    LOG.parent.mkdir(parents=True, exist_ok=True)
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
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaked:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if terminal:
            terminal.write_line(
                f"LEAK CHECK FAILED: {len(leaked)} issued token(s) appear in {LOG}", red=True
            )
    elif terminal and ISSUED:
        terminal.write_line(
            f"leak check: {len(ISSUED)} issued tokens, none in {len(text)} characters of logs"
        )
