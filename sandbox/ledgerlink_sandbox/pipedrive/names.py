"""QuickBooks customer display names for a seed and size (local stand-in).

Order of preference: ``ledgerlink.sandbox.quickbooks.generator.customer_names(seed, size)`` if
the QBO side ever exposes it; else a replay of the QBO generator's customer step (cheap: no
invoices); else a local list of the same kind. Customer ``i`` (0-based) has the QBO ``Id``
``str(i + 1)`` (QBO creates them in that order); the generator stores that id in the
external-id custom field.
"""

from __future__ import annotations

import importlib
import random
from typing import Any

CUSTOMER_COUNTS = {"demo": 40, "small": 1_000, "large": 100_000}

_FIRST = (
    "Acme",
    "Blue",
    "Cedar",
    "Delta",
    "Eagle",
    "Fox",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Maple",
    "North",
    "Oak",
    "Pioneer",
    "Quarry",
    "River",
    "Summit",
    "Timber",
    "Union",
    "Valley",
    "Willow",
    "Yellowstone",
    "Zenith",
    "Amber",
    "Birch",
    "Coastal",
    "Desert",
    "Evergreen",
    "Frontier",
    "Golden",
    "Highland",
    "Inland",
    "Jade",
    "Kingfisher",
    "Liberty",
    "Meadow",
    "Nova",
    "Orchard",
    "Pacific",
    "Redwood",
    "Silver",
    "Tidewater",
    "Upland",
    "Vista",
    "Westside",
    "Bright",
    "Copper",
    "Elm",
)
_SECOND = (
    "Plumbing",
    "Bakery",
    "Landscaping",
    "Consulting",
    "Electric",
    "Dental",
    "Auto Repair",
    "Catering",
    "Construction",
    "Design",
    "Fitness",
    "Florist",
    "Hardware",
    "Insurance",
    "Logistics",
    "Marketing",
    "Media",
    "Medical",
    "Motors",
    "Outfitters",
    "Pet Care",
    "Pharmacy",
    "Printing",
    "Realty",
    "Roofing",
    "Software",
    "Supply",
    "Tailors",
    "Travel",
    "Veterinary",
    "Wellness",
    "Woodworks",
    "Coffee",
    "Brewing",
    "Cleaning",
    "Dairy",
    "Farms",
    "Glass",
    "Heating",
    "Labs",
)
_SUFFIX = ("", "", "", " LLC", " Inc.", " Co.", " & Sons", " Ltd.", ", Inc.", " Group")


def _local_names(seed: str, size: str) -> list[str]:
    count = CUSTOMER_COUNTS[size]
    rng = random.Random(f"{seed}:qbo-customers")
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)}{rng.choice(_SUFFIX)}"
        if len(seen) > len(_FIRST) * len(_SECOND) * 3:  # beyond the small vocabulary: number it
            name = f"{name} {rng.randrange(2, 10_000)}"
        if name.lower() not in seen:  # QBO display names are unique case-insensitively
            seen.add(name.lower())
            names.append(name)
    return names


def _qbo_names(qbo: Any, seed: str, size: str) -> list[str] | None:
    """Replay the QBO generator's first step: ``make_customers(Random(seed), n, start, end)``.

    Names depend only on the RNG stream, and ``randint`` over a window of constant width
    (``SPAN_DAYS``) consumes the stream the same way for any ``now``, so any window works.
    """
    try:
        people: Any = importlib.import_module("ledgerlink.sandbox.quickbooks.generator_people")
        count = qbo.SIZES[size][0]
        end = 2_000_000_000
        customers, _ = people.make_customers(
            random.Random(seed), count, end - qbo.SPAN_DAYS * 86_400, end
        )
    except (AttributeError, ImportError, KeyError, TypeError):
        return None
    return [c.display for c in customers]


def customer_names(seed: str, size: str) -> list[str]:
    """Display names of the QBO customers with Ids ``1..n`` of the same seed and size."""
    if size not in CUSTOMER_COUNTS:
        raise ValueError(f"size must be one of {sorted(CUSTOMER_COUNTS)}")
    try:
        qbo: Any = importlib.import_module("ledgerlink.sandbox.quickbooks.generator")
    except ImportError:
        return _local_names(seed, size)
    shared = getattr(qbo, "customer_names", None)
    if callable(shared):
        return list(shared(seed, size))
    return _qbo_names(qbo, seed, size) or _local_names(seed, size)
