"""Behaviour switches for the emulated company.

Where the reference (§8) marks a behaviour as unverified, the default is the variant that is
harder on clients, so code that passes against the sandbox cannot depend on the lenient one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass
class QboStoreSettings:
    # MAXRESULTS above max_results_cap: reject (4001) or silently serve the cap.
    over_cap_maxresults: Literal["cap", "error"] = "error"
    max_results_default: int = 100
    max_results_cap: int = 1000
    # Order without ORDERBY: docs say Id ASC, a 2026 live probe saw Id DESC.
    default_order: Literal["id_desc", "id_asc"] = "id_desc"
    # ORDERBY a, b: unverified whether QBO accepts several keys.
    multi_key_order: Literal["error", "allow"] = "error"
    # WHERE Balance > 0 (bare number): one project recorded a QueryParserError.
    unquoted_numbers: Literal["error", "allow"] = "error"
    # DisplayName uniqueness: compare case-insensitively (QBO's lists are case-insensitive).
    name_uniqueness: Literal["casefold", "exact"] = "casefold"
    cdc_cap: int = 1000
    # The documented cap is per request; singer-io assumes per entity.
    cdc_cap_mode: Literal["per_request", "per_entity"] = "per_request"
    cdc_lookback_days: int = 30
    # The only recording of the too-old text shows a literal "{date}" (template not filled).
    cdc_fill_date_in_error: bool = False
    batch_max_items: int = 30
    request_id_max_length: int = 50
    request_id_cache_size: int = 10_000
    invoice_link_base: str = "https://connect.intuit.com/portal/app/CommerceNetwork/view/"
