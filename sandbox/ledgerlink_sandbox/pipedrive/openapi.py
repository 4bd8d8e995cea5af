"""Validate sandbox responses against Pipedrive's official OpenAPI documents.

    spec = OpenApiSpec.load()                      # the documents in shared/reference
    errors = spec.validate("v2", "GET", "/organizations", 200, body)

OpenAPI 3.0 schemas are turned into JSON Schema for ``jsonschema``: ``$ref`` resolved inline,
``nullable`` → also ``null``, ``allOf`` of objects merged, ``oneOf`` read as ``anyOf`` (several
branches of the spec overlap, e.g. option ids ``integer | string``). ``strict=True`` also refuses
keys a schema does not declare (``additionalProperties: false`` where the spec is silent), which
keeps the emulator from inventing fields.

Statuses an operation does not document (most v2 operations document only 200) are checked
against the spec's generic error resources: the v2 ``404`` resource of
``POST /deals/{id}/convert/lead`` (``success``/``error``/``error_info``/``data``/
``additional_data``) plus the v2 validation ``code`` observed live, or the v1
``unathorizedResponse``
gateway body; OAuth errors, which the spec does not describe, against the body Pipedrive's own SDK
tests mock. ``ERRATA_NULLABLE`` lists properties the spec types as non-null although its own
descriptions (or the real API) use ``null`` for "not set".
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ledgerlink_sandbox.reference import reference_dir

DEFAULT_DIR = reference_dir() / "pipedrive-openapi"
DOCUMENTS = {
    "v2": "pipedrive-v2-openapi.2026-08-18.yaml",
    "v1": "pipedrive-v1-openapi.2026-08-18.yaml",
}
# Non-nullable in the spec, null in practice. next_cursor: "will be null if you have reached the
# end" (its own description). Times/ids of deals and orgs: null while unset (open deals have no
# won_time; an org without address), as v1 and every recorded v1 record show.
ERRATA_NULLABLE = frozenset(
    {
        "next_cursor",
        "address",
        "won_time",
        "lost_time",
        "close_time",
        "expected_close_date",
        "person_id",
        "org_id",
        "archive_time",
        "first_name",
        "last_name",
        "picture_id",
        "value",
        "currency",
        "stage_change_time",
        "origin",
        "label",
        "description",
        "phone",
        "icon_url",
        "organization",
        "deal",
        "person",
        "project",
        "project_id",
        "lead_id",
        "deal_id",
    }
)
# Keys the live gateway adds to the documented error bodies (pipedrive.md §2.1: the 401 carries
# "error_info" although the spec's example does not).
LIVE_ERROR_KEYS = frozenset({"error_info"})
# v1 offset pagination's "next_start": declared by most v1 list operations (e.g. /notes) but not by
# /recents, whose clients page with it all the same (pipedrive.md §1.4, §6.2: Airbyte's
# /v1/recents paginator reads additional_data.pagination.next_start).
LIVE_SUCCESS_KEYS = frozenset({"next_start"})
_DROP = {
    "example",
    "examples",
    "description",
    "title",
    "xml",
    "discriminator",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
}
OAUTH_ERROR_SCHEMA: dict[str, Any] = {  # from pipedrive/client-nodejs test/functional mocks
    "type": "object",
    "required": ["success", "message", "error"],
    "properties": {
        "success": {"const": "false"},
        "message": {"type": "string"},
        "error": {"type": "string"},
    },
    "additionalProperties": False,
}


_SHARED: dict[str, OpenApiSpec] = {}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


@dataclass
class OpenApiSpec:
    documents: dict[str, dict[str, Any]]
    strict: bool = True
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    @classmethod
    def directory(cls) -> Path:
        return Path(os.environ.get("LEDGERLINK_PIPEDRIVE_OPENAPI_DIR", DEFAULT_DIR))

    @classmethod
    def shared(cls) -> OpenApiSpec:
        """One parsed copy per process (parsing both documents takes about a second)."""
        if "spec" not in _SHARED:
            _SHARED["spec"] = cls.load()
        return _SHARED["spec"]

    @classmethod
    def load(cls, directory: Path | None = None, *, strict: bool = True) -> OpenApiSpec:
        base = directory or cls.directory()
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        docs = {}
        for name, filename in DOCUMENTS.items():
            with (base / filename).open(encoding="utf-8") as handle:
                docs[name] = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
        return cls(docs, strict)

    # --- schema conversion ---------------------------------------------------------------------
    def _resolve(self, doc: dict[str, Any], ref: str) -> Any:
        node: Any = doc
        for part in ref.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def convert(
        self, spec: str, schema: Any, depth: int = 0, extra_keys: frozenset[str] = frozenset()
    ) -> Any:
        if depth > 40:  # recursive schemas: stop checking deeper than any real response nests
            return {}
        if isinstance(schema, list):
            return [self.convert(spec, item, depth + 1, extra_keys) for item in schema]
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            return self.convert(
                spec, self._resolve(self.documents[spec], schema["$ref"]), depth + 1, extra_keys
            )
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _DROP or key.startswith("x-") or key == "nullable":
                continue
            if key == "properties":
                out[key] = {
                    name: self.convert(spec, sub, depth + 1, extra_keys)
                    for name, sub in value.items()
                }
                for name in value:
                    if name in ERRATA_NULLABLE:
                        out[key][name] = _nullable(out[key][name])
            elif key in ("allOf", "oneOf", "anyOf"):
                out["anyOf" if key == "oneOf" else key] = self.convert(
                    spec, value, depth + 1, extra_keys
                )
            elif key in ("items", "additionalProperties", "not"):
                out[key] = self.convert(spec, value, depth + 1, extra_keys)
            else:
                out[key] = value
        out = self._merge_all_of(out)
        if self.strict and "allOf" in out:
            _share_property_names(out["allOf"])
        if self.strict and "properties" in out and "additionalProperties" not in out:
            # Keys the operation's own examples show count as documented (the examples carry
            # a few the schemas forgot, e.g. deals' creator_user_id).
            out["propertyNames"] = {"enum": sorted(set(out["properties"]) | extra_keys)}
        if schema.get("nullable"):
            return _nullable(out)
        return out

    @staticmethod
    def _merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
        """Merge ``allOf`` of plain object schemas so ``additionalProperties`` sees all keys."""
        parts = schema.get("allOf")
        if not parts or not all(
            isinstance(p, dict)
            and set(p) <= {"type", "properties", "required", "additionalProperties"}
            for p in parts
        ):
            return schema
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        merged.setdefault("type", "object")
        props: dict[str, Any] = dict(merged.get("properties", {}))
        required: list[str] = list(merged.get("required", []))
        for part in parts:
            props.update(part.get("properties", {}))
            required += part.get("required", [])
            if part.get("additionalProperties") not in (None, False):
                merged["additionalProperties"] = part["additionalProperties"]
        merged["properties"] = props
        if required:
            merged["required"] = sorted(set(required))
        return merged

    # --- lookup --------------------------------------------------------------------------------
    def operation(self, spec: str, method: str, path: str) -> dict[str, Any]:
        return dict(self.documents[spec]["paths"][path][method.lower()])

    def include_fields(self, spec: str, method: str, path: str) -> frozenset[str]:
        """The keys the operation's ``include_fields`` parameter may add (documented there, not in
        the response schema)."""
        for parameter in self.operation(spec, method, path).get("parameters", []):
            if "$ref" in parameter:
                parameter = self._resolve(self.documents[spec], parameter["$ref"])
            if parameter.get("name") == "include_fields":
                return frozenset(parameter.get("schema", {}).get("enum", ()))
        return frozenset()

    def token_cost(self, spec: str, method: str, path: str) -> int:
        return int(self.operation(spec, method, path)["x-token-cost"])

    def response_schema(
        self, spec: str, method: str, path: str, status: int
    ) -> dict[str, Any] | None:
        """JSON Schema of the body for ``status``; ``None`` when the spec documents no JSON body."""
        key = (spec, method, path, status)
        if key not in self._cache:
            self._cache[key] = self._response_schema(spec, method, path, status)
        result: dict[str, Any] | None = self._cache[key]
        return result

    def _response_schema(
        self, spec: str, method: str, path: str, status: int
    ) -> dict[str, Any] | None:
        responses = self.operation(spec, method, path).get("responses", {})
        documented = responses.get(str(status)) or responses.get("default")
        if documented is not None:
            content = documented.get("content", {}).get("application/json")
            if content is None:
                return None
            extra = _keys(content.get("example")) | (
                LIVE_ERROR_KEYS
                if status >= 400
                else self.include_fields(spec, method, path) | LIVE_SUCCESS_KEYS
            )
            converted: dict[str, Any] = self.convert(spec, content.get("schema", {}), 0, extra)
            return converted
        if status < 400:
            raise KeyError(f"{spec} {method} {path}: status {status} is not documented")
        if path.startswith("/oauth/"):
            return copy.deepcopy(OAUTH_ERROR_SCHEMA)
        return self.error_schema(spec, status)

    def error_schema(self, spec: str, status: int) -> dict[str, Any]:
        if spec == "v2":
            base = self.operation("v2", "POST", "/deals/{id}/convert/lead")["responses"]["404"]
        else:
            base = self.operation("v1", "GET", "/users/me")["responses"]["401"]
        schema = self.convert(spec, base["content"]["application/json"]["schema"])
        generic = self.convert(
            "v1",
            self.operation("v1", "GET", "/users/me")["responses"]["401"]["content"][
                "application/json"
            ]["schema"],
        )
        # A gateway error (401/429) may come from any API version: accept either documented form,
        # with the v2 validation "code" the live API adds.
        options = []
        for option in (schema, generic):
            option = copy.deepcopy(option)
            option["properties"]["code"] = {"type": "string"}
            option["properties"]["error_info"] = {"type": "string"}
            option["properties"]["success"] = {"const": False}
            option["required"] = ["success", "error"]
            if self.strict:
                option["propertyNames"] = {"enum": sorted(option["properties"])}
            options.append(option)
        return {"anyOf": options}

    def validate(
        self, spec: str, method: str, path: str, status: int, body: Any, content_type: str = ""
    ) -> list[str]:
        """Readable validation errors (empty when the response conforms)."""
        try:
            schema = self.response_schema(spec, method, path, status)
        except KeyError as exc:
            return [str(exc)]
        if schema is None:
            return [] if "json" not in content_type else [f"{status}: spec documents no JSON body"]
        validator = jsonschema.Draft202012Validator(schema)
        return [
            f"{'/'.join(str(p) for p in error.absolute_path) or '<body>'}: {error.message[:300]}"
            for error in validator.iter_errors(body)
        ]


def _share_property_names(parts: list[Any]) -> None:
    """A key one ``allOf`` part declares is documented for the whole object: every part that
    restricts its keys, nested ``allOf`` parts included, accepts the keys of all the others."""
    names: set[str] = set()
    restricted: list[dict[str, Any]] = []
    stack = list(parts)
    while stack:
        part = stack.pop()
        if not isinstance(part, dict):
            continue
        names |= set(part.get("properties", {}))
        if "propertyNames" in part:
            names |= set(part["propertyNames"]["enum"])
            restricted.append(part)
        stack.extend(part.get("allOf", []))
    for part in restricted:
        part["propertyNames"] = {"enum": sorted(names)}


def _keys(example: Any) -> frozenset[str]:
    """Every object key that appears anywhere in an example."""
    found: set[str] = set()
    stack = [example]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.update(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(found)
