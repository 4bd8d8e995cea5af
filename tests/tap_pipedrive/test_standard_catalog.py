"""The catalog the SDK's standard tests are built from (``standard_catalog.json``) is what the
tap discovers for their seed. Rewrite it after a schema change with
``LEDGERLINK_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/tap_pipedrive/test_standard_catalog.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tap_pipedrive.tap import TapPipedrive
from tests.tap_pipedrive.conftest import TENANT, PipedriveSandbox, connect

SEED = "tap-pipedrive-standard"
CATALOG_FILE = Path(__file__).with_name("standard_catalog.json")
CONFIG = {"tenant": TENANT}


def serve() -> PipedriveSandbox:
    """The standard tests' sandbox, served (the caller closes it)."""
    sandbox = PipedriveSandbox(seed=SEED, size="demo")
    sandbox.no_burst_limit()
    return sandbox


def test_stored_catalog_is_what_the_tap_discovers(clean_db: str) -> None:
    sandbox = serve()
    try:
        connect(sandbox)
        catalog = TapPipedrive(config=CONFIG, parse_env_config=False).catalog_dict
        discovered = json.loads(json.dumps(catalog))  # as stored: tuples become lists
    finally:
        sandbox.close()
    if os.environ.get("LEDGERLINK_UPDATE_SNAPSHOTS") == "1":
        CATALOG_FILE.write_text(json.dumps(discovered, indent=1, sort_keys=True) + "\n")
    stored = json.loads(CATALOG_FILE.read_text())
    assert discovered == stored, "rerun with LEDGERLINK_UPDATE_SNAPSHOTS=1 to store it"
