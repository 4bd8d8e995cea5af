"""QuickBooks customer display names for a seed and size, so both emulators tell one story.

Customer ``i`` (0-based) of the QuickBooks emulator has the ``Id`` ``str(i + 1)`` (QBO creates
them in that order); the Pipedrive generator names its organizations after them and stores that
id in the external-id custom field.
"""

from __future__ import annotations

import random

from ledgerlink_sandbox.quickbooks.generator import SIZES, SPAN_DAYS
from ledgerlink_sandbox.quickbooks.generator_people import make_customers

CUSTOMER_COUNTS = {size: counts[0] for size, counts in SIZES.items()}


def customer_names(seed: str, size: str) -> list[str]:
    """Display names of the QBO customers with Ids ``1..n`` of the same seed and size.

    Replays the QBO generator's first step, ``make_customers(Random(seed), n, start, end)``, which
    is cheap (no invoices). Names depend only on the RNG stream, and ``randint`` over a window of
    constant width (``SPAN_DAYS``) consumes the stream the same way for any ``now``, so any window
    works.
    """
    if size not in CUSTOMER_COUNTS:
        raise ValueError(f"size must be one of {sorted(CUSTOMER_COUNTS)}")
    end = 2_000_000_000
    customers, _ = make_customers(
        random.Random(seed), CUSTOMER_COUNTS[size], end - SPAN_DAYS * 86_400, end
    )
    return [customer.display for customer in customers]
