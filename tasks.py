#!/usr/bin/env python3
"""The two commands of the README, for a machine that has only Python and pip.

    python3 tasks.py demo   set up, then run the main job on the embedded defaults
    python3 tasks.py ui     the Dagster UI on the demo's setup (its run history, the sandbox)
    python3 tasks.py test   set up, then run every check and the whole test suite
    python3 tasks.py test --slow   the opt-in large-data tests (minutes; not part of CI)

Setup installs uv from PyPI when it is missing and syncs the locked workspace into `.venv`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV_BIN = ROOT / ".venv" / "bin"
PG15_BIN = Path("/usr/lib/postgresql/15/bin")
# The workspace's own packages, installed editable: their bytecode is compiled by setup.
PACKAGES = (
    *("src", "sandbox", "orchestration"),
    *("tap-quickbooks", "tap-pipedrive", "target-pipedrive", "target-shipstation"),
)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    # As if the venv were activated: tools started by tools (meltano, taps) are found.
    env = dict(os.environ if env is None else env)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    # Installs (uv sync, and `meltano install` of the plugins, whose venv backend is uv) compile
    # bytecode: where PYTHONDONTWRITEBYTECODE is set, as on many CI images, every process would
    # otherwise compile its imports from source (about 3 s of CPU per Meltano start).
    env.setdefault("UV_COMPILE_BYTECODE", "1")
    subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=True)


def uv() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    with contextlib.suppress(subprocess.CalledProcessError):
        subprocess.run([sys.executable, "-m", "uv", "--version"], check=True, capture_output=True)
        return [sys.executable, "-m", "uv"]
    print("Installing uv from PyPI", flush=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "uv"]
    if subprocess.run(pip, check=False).returncode != 0:
        run(*pip, "--user")
    return [sys.executable, "-m", "uv"]


def setup(*options: str) -> None:
    run(*uv(), "sync", "--all-packages", "--frozen")
    run(tool("python"), "-m", "compileall", "-q", "-j", "0", *PACKAGES)


CHROMIUM_INSTALL = "apt-get install -y --no-install-recommends chromium"


def ensure_chromium() -> None:
    """The browser test drives Debian's chromium: installed here when missing and possible (root,
    apt); otherwise that test is skipped and says this command."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"chromium not found: the browser test is skipped ({CHROMIUM_INSTALL})", flush=True)
        return
    print("Installing chromium for the browser test", flush=True)
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}

    def quietly(*command: str) -> bool:
        done = subprocess.run(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        return done.returncode == 0

    install = [*CHROMIUM_INSTALL.split(), "-qq"]
    if not quietly(*install) and quietly("apt-get", "update", "-qq"):  # stale package lists
        quietly(*install)


def tool(name: str) -> Path:
    return VENV_BIN / name


def demo(*options: str) -> None:
    setup()
    run(tool("ledgerlink"), "demo")


def ui(*options: str) -> None:
    setup()
    run(tool("ledgerlink-mainjob"), "ui")


# Modules as units, in the order tests/conftest.py sorts them (tests/scheduling.py).
PARALLEL = (
    *("-p", "no:cacheprovider", "--numprocesses=2"),
    *("--dist=loadscope", "--no-loadscope-reorder"),
)


def test(*options: str) -> None:
    setup()
    ensure_chromium()  # for the browser test (tests/orchestration/test_ui.py)
    if "--slow" in options:
        run(tool("pytest"), "-p", "no:cacheprovider", "--slow", "-m", "slow")
        return
    run(tool("ruff"), "check", ".")
    run(tool("ruff"), "format", "--check", ".")
    # mypy (half a minute of one core) runs beside the tests, which leave a quarter of the two
    # cores idle while they wait on servers; its report is printed after theirs.
    with beside(tool("mypy")):
        # Two workers: most of the suite waits on servers and subprocesses (tests/conftest.py
        # groups what must not run at once); the 20 slowest tests are the suite's time budget.
        pytest = (tool("pytest"), *PARALLEL, "--durations=20")
        if not PG15_BIN.is_dir():
            print(f"{PG15_BIN} not found: the store tests run on the embedded server", flush=True)
            run(*pytest)
            return
        # The store and token tests run against a real server over TCP, the rest on the
        # embedded one.
        with postgres_server() as url:
            run(*pytest, env=os.environ | {"LEDGERLINK_TEST_STORE_SERVER_URL": url})


@contextlib.contextmanager
def beside(*args: str | Path) -> Iterator[None]:
    """Runs a check while the block runs; prints its output after the block and fails the
    command when either failed."""
    print("+", " ".join(str(a) for a in args), "(beside what follows)", flush=True)
    check = subprocess.Popen(
        [str(a) for a in args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        yield
    finally:
        output, _ = check.communicate()
        print(f"+ {' '.join(str(a) for a in args)}:", flush=True)
        sys.stdout.buffer.write(output)
        sys.stdout.flush()
    if check.returncode:
        raise subprocess.CalledProcessError(check.returncode, [str(a) for a in args])


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1, run as an unprivileged user."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = Path(tempfile.mkdtemp(prefix="ledgerlink-pg15-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    run(*as_user, PG15_BIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-h 127.0.0.1 -p {port} -k {data}"
    run(*as_user, PG15_BIN / "pg_ctl", "-D", data, "-o", options, "-l", data / "log", "-w", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(*as_user, PG15_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(data, ignore_errors=True)


COMMANDS = {"demo": demo, "test": test, "setup": setup, "ui": ui}

if __name__ == "__main__":
    known = {"test": {"--slow"}}
    name, options = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if name not in COMMANDS or not set(options) <= known.get(name, set()):
        sys.exit(f"usage: python3 {Path(__file__).name} {{{'|'.join(COMMANDS)}}} [test --slow]")
    try:
        COMMANDS[name](*options)
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode or 1)
