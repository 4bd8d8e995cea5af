"""The resources every definition shares: Meltano and the ledgerlink token store."""

import dagster as dg
from pydantic import Field

from ledgerlink.tokens import TokenStore
from ledgerlink_orchestration.meltano import MeltanoResource


class TokenStoreResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """ledgerlink's TokenStore, the only way to read or refresh a credential."""

    database_url: str = Field(
        default="", description="empty = LEDGERLINK_DATABASE_URL, else the embedded PostgreSQL"
    )

    def store(self) -> TokenStore:
        return TokenStore(database_url=self.database_url or None)


def resources() -> dict[str, object]:
    return {"meltano": MeltanoResource(), "tokens": TokenStoreResource()}
