"""The v2 cursor paginator."""

from __future__ import annotations

import requests
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override


class CursorPaginator(BaseAPIPaginator[str | None]):
    """v2 lists: ``additional_data.next_cursor`` until it is null (reference §1.3)."""

    def __init__(self) -> None:
        super().__init__(None)

    @override
    def get_next(self, response: requests.Response) -> str | None:
        additional = response.json().get("additional_data") or {}
        cursor = additional.get("next_cursor")
        return str(cursor) if cursor else None
