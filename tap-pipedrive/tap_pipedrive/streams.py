"""The eight streams: field definitions, pipelines and stages (full table, one page each), and
organizations, persons and deals (incremental on ``update_time``)."""

from __future__ import annotations

import typing as t

from singer_sdk.helpers.types import Context
from typing_extensions import override

from ledgerlink.pipedrive.fields import FieldCatalog
from ledgerlink.pipedrive.incremental import STATE_KEY, Watermark
from tap_pipedrive import schemas
from tap_pipedrive.client import PipedriveStream
from tap_pipedrive.includes import INCLUDE_FIELDS

ENTITY_STREAMS = {"organization": "organizations", "person": "persons", "deal": "deals"}


def reserved_keys(entity: str) -> set[str]:
    """Keys a readable custom-field key must not take: the entity's own properties and every
    field ``include_fields`` may add, so a custom field's key never depends on that setting."""
    stream = ENTITY_STREAMS[entity]
    return set(schemas.load(stream)["properties"]) | set(INCLUDE_FIELDS[stream])


class FieldsStream(PipedriveStream):
    """``GET /api/v2/{entity}Fields``: built-in and custom field definitions, each custom one
    with the ``readable_key`` its values carry in the entity's records."""

    entity: t.ClassVar[str]
    primary_keys = ("field_code",)

    @override
    def read(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        rows = self.session.definitions(self.entity)  # shared with the entity stream
        catalog = FieldCatalog(rows, reserved_keys(self.entity))
        for row in rows:
            yield {**row, "readable_key": catalog.key_of(str(row["field_code"]))}


class DealFieldsStream(FieldsStream):
    name = "deal_fields"
    path = "/dealFields"
    entity = "deal"


class OrganizationFieldsStream(FieldsStream):
    name = "organization_fields"
    path = "/organizationFields"
    entity = "organization"


class PersonFieldsStream(FieldsStream):
    name = "person_fields"
    path = "/personFields"
    entity = "person"


class PipelinesStream(PipedriveStream):
    name = "pipelines"
    path = "/pipelines"
    primary_keys = ("id",)


class StagesStream(PipedriveStream):
    name = "stages"
    path = "/stages"
    primary_keys = ("id",)


class EntityStream(PipedriveStream):
    """Incremental: ``updated_since=<watermark>&sort_by=update_time&sort_direction=asc``.

    The bookmark is the ``update_time`` of the last record emitted (server time, whole
    seconds), advanced record by record (``is_sorted``), so a run that stops anywhere - budget
    reserve, crash - resumes exactly there; ``Watermark`` drops the boundary records already
    emitted. Records carry their custom fields twice: raw under ``custom_fields`` and resolved
    under readable keys. The ``include_fields`` setting asks for extra v2 fields, which join
    the schema."""

    entity: t.ClassVar[str]
    primary_keys = ("id",)
    replication_key = "update_time"
    is_sorted = True
    extra_params: t.ClassVar[dict[str, str]] = {}

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.includes = self.session.settings.include_fields.get(self.name, ())
        properties = self.schema["properties"]
        for name in self.includes:
            properties.setdefault(name, dict(INCLUDE_FIELDS[self.name][name]))
        self._mark = Watermark()
        self._since: str | None = None
        self._fields: FieldCatalog | None = None

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        # The SDK caps bookmarks at the tap's wall-clock start; ours come from the server's
        # clock (update_time), and a capped bookmark would re-read or skip across clock skew.
        return None

    @override
    def get_url_params(
        self, context: Context | None, next_page_token: str | None
    ) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token)
        params.update(sort_by="update_time", sort_direction="asc", **self.extra_params)
        if self.includes:
            params["include_fields"] = ",".join(self.includes)
        if self._since:
            params["updated_since"] = self._since  # fixed for the whole read; the cursor moves
        return params

    @override
    def read(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        self._mark = Watermark.from_state(
            self.get_context_state(context), self.config.get("start_date")
        )
        self._since = self._mark.time
        self._fields = None
        for row in super().read(context):
            if self._fields is None:  # here, not in post_process: a budget stop must end cleanly
                self._fields = self.session.catalog(self.entity, reserved_keys(self.entity))
            yield row

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        # Runs right before the record is written, so "delivered" means delivered.
        if self._mark.already_delivered(row):
            return None
        self._mark.deliver(row)
        self.get_context_state(context)[STATE_KEY] = self._mark.delivered
        if self._fields is not None:
            row.update(self._fields.resolve(row.get("custom_fields")))
        return row


class OrganizationsStream(EntityStream):
    """Deleted organizations are not listed by v2 (only webhooks report them)."""

    name = "organizations"
    path = "/organizations"
    entity = "organization"


class PersonsStream(EntityStream):
    """Deleted persons are not listed by v2 (only webhooks report them)."""

    name = "persons"
    path = "/persons"
    entity = "person"


class DealsStream(EntityStream):
    """All deals, of any age, plus those deleted in the last 30 days (``status=deleted``; a
    deletion sets ``update_time``), emitted with ``_sdc_deleted_at``.

    ``/deals`` leaves archived deals out; with ``include_archived_deals`` a second partition
    reads ``/deals/archived`` (20 tokens a page) with its own bookmark."""

    name = "deals"
    path = "/deals"
    entity = "deal"
    extra_params: t.ClassVar[dict[str, str]] = {"status": "open,won,lost,deleted"}

    @property
    @override
    def partitions(self) -> list[dict[str, t.Any]] | None:
        # Keyed by a record property, so the SDK's partition stamp on records changes nothing.
        if not self.config.get("include_archived_deals"):
            return None
        return [{"is_archived": False}, {"is_archived": True}]

    @override
    def get_url(self, context: Context | None) -> str:
        url = super().get_url(context)
        return f"{url}/archived" if context and context.get("is_archived") else url

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        record = super().post_process(row, context)
        if record is not None:
            record["_sdc_deleted_at"] = record["update_time"] if record.get("is_deleted") else None
        return record


FIELD_STREAMS: tuple[type[FieldsStream], ...] = (
    DealFieldsStream,
    OrganizationFieldsStream,
    PersonFieldsStream,
)
ENTITY_STREAM_TYPES: tuple[type[EntityStream], ...] = (
    OrganizationsStream,
    PersonsStream,
    DealsStream,
)
