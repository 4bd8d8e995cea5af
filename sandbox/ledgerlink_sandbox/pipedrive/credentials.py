"""Fixed credentials of the seeded sandbox company (sandbox-only values, not secrets).

Served at ``GET /_sandbox/credentials`` so a test or the CLI can configure a client.
"""

from __future__ import annotations

DEFAULT_API_TOKEN = "5a4db5e1f2c84c7e9b0d3a6f1e2c4b8d9a0f7e61"  # noqa: S105 - sandbox only  # 40 hex, like a real token
DEFAULT_CLIENT_ID = "b7c1d9e2a4f60813"
DEFAULT_CLIENT_SECRET = "3f9a2c7e1b5d8046a9c3e7f1b2d5a8c0e4f6b9d1"  # noqa: S105 - sandbox only
DEFAULT_SCOPES = (
    "base,deals:full,contacts:full,search:read,admin,contact-fields:full,deal-fields:full"
)
