"""Running a `ledgerlink` command from an asset: its output in the Dagster run, its last line as
the failure when it fails."""

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import dagster as dg


def ledgerlink_executable() -> str:
    beside = Path(sys.executable).with_name("ledgerlink")
    found = str(beside) if beside.exists() else shutil.which("ledgerlink")
    if found is None:
        raise dg.Failure(description="the ledgerlink command is not installed: pip install -e .")
    return found


def run_ledgerlink(
    context: dg.AssetExecutionContext, args: Sequence[str], *, timeout: float = 3600
) -> list[str]:
    """`ledgerlink <args>`; its output lines (also in the run's log). dg.Failure with the
    command's last line (its one-line error) when it exits non-zero."""
    command = [ledgerlink_executable(), *args]
    context.log.info(f"ledgerlink {' '.join(args)}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    for line in lines:
        context.log.info(line)
    if done.returncode != 0:
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise dg.Failure(description=last, metadata={"exit_status": done.returncode})
    return lines
