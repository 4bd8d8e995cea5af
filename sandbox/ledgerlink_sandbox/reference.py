"""Where the reference material lives (official OpenAPI documents, recorded samples).

The emulators are built and tested against `shared/reference/`, which sits beside the repository
checkout (`LEDGERLINK_REFERENCE_DIR` overrides). Only tests and conformance checks read it; the
running sandbox does not.
"""

from __future__ import annotations

import os
from pathlib import Path

# sandbox/ledgerlink_sandbox/reference.py -> the repository root is three levels up.
_REPO_ROOT = Path(__file__).resolve().parents[2]


def reference_dir() -> Path:
    explicit = os.environ.get("LEDGERLINK_REFERENCE_DIR")
    return Path(explicit) if explicit else _REPO_ROOT.parent / "shared" / "reference"
