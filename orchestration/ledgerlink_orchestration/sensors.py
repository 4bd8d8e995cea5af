"""Sensors: tenants found in `connections` become partitions; paid invoices launch their orders."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import dagster as dg

from ledgerlink.errors import LedgerlinkError
from ledgerlink.quickbooks.client import QboClient
from ledgerlink.shiprule import HistoryCutoff
from ledgerlink_orchestration.cutoff import history_cutoffs
from ledgerlink_orchestration.jobs import INVOICES
from ledgerlink_orchestration.meltano import MeltanoResource
from ledgerlink_orchestration.paid_invoices import Look, TenantCursor, look
from ledgerlink_orchestration.partitions import TENANTS, TENANTS_NAME
from ledgerlink_orchestration.resources import TokenStoreResource
from ledgerlink_orchestration.settings import SETTINGS


@dg.sensor(
    name="tenant_discovery",
    minimum_interval_seconds=SETTINGS.tenant_discovery_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds a tenant partition for every tenant with a connection",
)
def tenant_discovery(
    context: dg.SensorEvaluationContext, tokens: TokenStoreResource
) -> dg.SensorResult | dg.SkipReason:
    known = set(context.instance.get_dynamic_partitions(TENANTS_NAME))
    found = {conn.tenant for conn in tokens.store().connections()}
    new = sorted(found - known)
    if not new:
        return dg.SkipReason(f"{len(known)} tenant(s), none new")
    context.log.info(f"new tenants: {', '.join(new)}")
    return dg.SensorResult(dynamic_partitions_requests=[TENANTS.build_add_request(new)])


def run_request(tenant: str, found: Look) -> dg.RunRequest:
    """One run for the tenant's newly shippable invoices; the key names the invoice versions,
    so the same change never launches a second run."""
    changes = "+".join(s.change for s in found.shippable)
    digest = hashlib.sha256(changes.encode()).hexdigest()[:16]
    docs = ", ".join(s.doc_number or s.invoice_id for s in found.shippable)
    return dg.RunRequest(
        run_key=f"paid-invoices:{tenant}:{digest}",
        partition_key=tenant,
        tags=INVOICES.tags(tenant) | {"ledgerlink/invoices": docs[:200]},
    )


@dg.sensor(
    name="paid_invoices",
    job=INVOICES.job,
    minimum_interval_seconds=SETTINGS.paid_invoice_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Every 300 s (LEDGERLINK_PAID_INVOICE_SECONDS): one QuickBooks request per tenant; runs "
        "invoices-to-shipstation for a tenant only when an invoice became shippable (on or "
        "after the tenant's history cutoff)"
    ),
)
def paid_invoices(
    context: dg.SensorEvaluationContext, tokens: TokenStoreResource, meltano: MeltanoResource
) -> dg.SensorResult:
    cursors = json.loads(context.cursor) if context.cursor else {}
    partitions = set(context.instance.get_dynamic_partitions(TENANTS_NAME))
    store = tokens.store()
    cutoffs = _cutoffs(context, meltano, tokens)
    tenants = sorted(
        {c.tenant for c in store.connections() if c.provider == "quickbooks"} & partitions
    )
    requests, quiet = [], []
    for tenant in tenants:
        previous = cursors.get(tenant)
        client = QboClient.for_tenant(tenant, store=store)
        try:
            found = look(
                client,
                tenant,
                TenantCursor.from_json(previous) if previous else None,
                now=datetime.now(UTC),
                lookback=timedelta(days=SETTINGS.paid_invoice_lookback_days),
                settle=timedelta(seconds=SETTINGS.paid_invoice_settle_seconds),
                cutoff=cutoffs.get(tenant),
            )
        except LedgerlinkError as error:  # one tenant's trouble leaves the others' checks alone
            context.log.warning(f"tenant '{tenant}': {error}")
            continue
        except Exception as error:  # a surprise too: the cursor stays, the next tick retries
            context.log.error(f"tenant '{tenant}': {type(error).__name__}: {error}")
            continue
        finally:
            client.close()
        cursors[tenant] = found.cursor.to_json()
        if found.shippable:
            request = run_request(tenant, found)
            context.log.info(f"tenant '{tenant}': shippable {request.tags['ledgerlink/invoices']}")
            requests.append(request)
        else:
            quiet.append(f"{tenant} ({found.changed} changed)")
    skip = None if requests else f"nothing became shippable: {', '.join(quiet) or 'no tenants'}"
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursors), skip_reason=skip)


def _cutoffs(
    context: dg.SensorEvaluationContext, meltano: MeltanoResource, tokens: TokenStoreResource
) -> dict[str, HistoryCutoff]:
    try:
        return history_cutoffs(meltano.project(), tokens.store())
    except (LedgerlinkError, FileNotFoundError) as error:  # every order run fails so too
        context.log.warning(f"history cutoff unknown, not applied: {error}")
        return {}


SENSORS = [tenant_discovery, paid_invoices]
