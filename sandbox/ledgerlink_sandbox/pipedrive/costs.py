"""The emulator charges what real Pipedrive charges: the core's table of ``x-token-cost``.

The table lives in ``ledgerlink.pipedrive.costs`` (clients budget with it too); it is re-exported
here so the emulator and its tests keep one import path.
"""

from __future__ import annotations

from ledgerlink.pipedrive.costs import TOKEN_COSTS, token_cost

__all__ = ["TOKEN_COSTS", "token_cost"]
