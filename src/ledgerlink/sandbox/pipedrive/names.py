"""QuickBooks customer display names for a seed and size (local stand-in).

The QBO generator (``ledgerlink.sandbox.quickbooks.generator``) was not written yet when this
emulator was; ``customer_names`` prefers its ``customer_names(seed, size)`` when it exists and
otherwise builds the same kind of list here. Customer ``i`` (0-based) is assumed to have the QBO
``Id`` ``str(i + 1)``; the generator stores that id in the external-id custom field.
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


def customer_names(seed: str, size: str) -> list[str]:
    if size not in CUSTOMER_COUNTS:
        raise ValueError(f"size must be one of {sorted(CUSTOMER_COUNTS)}")
    try:
        qbo: Any = importlib.import_module("ledgerlink.sandbox.quickbooks.generator")
    except ImportError:
        qbo = None
    shared = getattr(qbo, "customer_names", None)
    if callable(shared):
        return list(shared(seed, size))
    return _local_names(seed, size)
