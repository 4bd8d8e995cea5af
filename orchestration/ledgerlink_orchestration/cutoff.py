"""The tenant's history cutoff, read where target-shipstation keeps it: its `history_cutoff`
setting (TARGET_SHIPSTATION_HISTORY_CUTOFF, else meltano.yml), by default the day ShipStation
was connected for the tenant. The rule itself is the core's (`ledgerlink.shiprule`)."""

from ledgerlink.shiprule import HISTORY_CUTOFF_SETTING, HistoryCutoff
from ledgerlink.tokens import TokenStore
from ledgerlink_orchestration.meltano import MeltanoProject

TARGET = "target-shipstation"


def history_cutoffs(project: MeltanoProject, store: TokenStore) -> dict[str, HistoryCutoff]:
    """Per tenant with a ShipStation connection, the cutoff its next order run applies. A tenant
    without one is absent: the target cannot order for it anyway."""
    setting = project.setting(TARGET, HISTORY_CUTOFF_SETTING)
    return {
        conn.tenant: HistoryCutoff.from_setting(setting, conn.connected_at)
        for conn in store.connections()
        if conn.provider == "shipstation" and conn.connected_at is not None
    }
