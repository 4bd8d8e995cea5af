"""v1 endpoints still supported: notes, users/me and webhooks (served under /api/v1 and /v1)."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink_sandbox.pipedrive.http import (
    ApiError,
    api_routes,
    gateway_error,
    int_path,
    ok,
    v1_body,
)
from ledgerlink_sandbox.pipedrive.limits import Principal
from ledgerlink_sandbox.pipedrive.render import render_note, v1_time
from ledgerlink_sandbox.pipedrive.state import State
from ledgerlink_sandbox.pipedrive.v1_pages import v1_page
from ledgerlink_sandbox.pipedrive.webhooks import EVENT_ACTIONS, EVENT_OBJECTS

_LINKS = {"deal_id": "deal", "person_id": "person", "org_id": "organization"}
_PINS = ("pinned_to_deal_flag", "pinned_to_organization_flag", "pinned_to_person_flag")


def _sanitize(content: str) -> str:
    """ "Subject to sanitization on the back-end": scripts and event handlers are dropped."""
    content = re.sub(r"(?is)<script.*?</script>", "", content)
    return re.sub(r"(?i)\son\w+=(\"[^\"]*\"|'[^']*'|\S+)", "", content)


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true")


async def create_note(state: State, request: Request) -> Response:
    body = await v1_body(request)
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(gateway_error(400, "Content is required"))
    links: dict[str, Any] = {}
    for key, entity in _LINKS.items():
        raw = body.get(key)
        if raw in (None, ""):
            continue
        if not str(raw).isdigit():
            raise ApiError(gateway_error(400, f"{key} must be an integer"))
        target = state.store.get(entity, int(raw))
        if target is None or target.get("is_deleted"):
            raise ApiError(gateway_error(400, f"{entity.capitalize()} not found"))
        links[key] = int(raw)
    if not links and not body.get("lead_id"):
        raise ApiError(
            gateway_error(400, "Either deal_id, person_id, org_id or lead_id is required")
        )
    note = {
        "content": _sanitize(content),
        "active_flag": True,
        "user_id": state.store.company.user_id,
        "lead_id": body.get("lead_id"),
        **dict.fromkeys(_LINKS),
        **links,
        **{pin: _flag(body.get(pin)) for pin in _PINS},
    }
    return ok(render_note(state.store, state.store.insert("note", note)))


async def list_notes(state: State, request: Request) -> Response:
    params = request.query_params
    rows = [n for n in state.store.rows("note") if n["active_flag"]]
    for key in _LINKS:
        wanted = params.get(key)
        if wanted:
            rows = [n for n in rows if str(n.get(key)) == wanted]
    sort = (params.get("sort") or "id ASC").split(",")[0].split()
    field = sort[0] if sort and sort[0] in ("id", "add_time", "update_time") else "id"
    rows.sort(
        key=lambda n: (n[field], n["id"]), reverse=len(sort) > 1 and sort[1].upper() == "DESC"
    )
    page, pagination = v1_page(rows, params)
    return ok([render_note(state.store, n) for n in page], {"pagination": pagination})


async def get_note(state: State, request: Request) -> Response:
    note = state.store.get("note", int_path(request))
    if note is None:
        raise ApiError(gateway_error(404, "Note not found"))
    return ok(render_note(state.store, note))


async def users_me(state: State, request: Request) -> Response:
    company, now = state.store.company, v1_time(state.store.clock.now())
    return ok(
        {
            "id": company.user_id,
            "name": company.user_name,
            "default_currency": company.currency,
            "locale": "en_US",
            "lang": 1,
            "email": company.user_email,
            "phone": None,
            "activated": True,
            "last_login": now,
            "created": "2024-01-02 09:00:00",
            "modified": now,
            "has_created_company": True,
            "access": [
                {"app": "sales", "admin": True, "permission_set_id": "sandbox-sales-admin"},
                {"app": "global", "admin": True, "permission_set_id": "sandbox-global-admin"},
            ],
            "active_flag": True,
            "timezone_name": "UTC",
            "timezone_offset": "+00:00",
            "role_id": 1,
            "icon_url": None,
            "is_you": True,
            "is_deleted": False,
            "company_id": company.id,
            "company_name": company.name,
            "company_domain": company.domain,
            "company_country": "US",
            "company_industry": "Software",
            "language": {"language_code": "en", "country_code": "US"},
        }
    )


def webhook_errors(errors: dict[str, list[str]], status: int = 400) -> ApiError:
    return ApiError(
        JSONResponse({"status": "error", "success": False, "errors": errors}, status_code=status)
    )


async def create_webhook(state: State, request: Request) -> Response:
    body = await v1_body(request)
    errors: dict[str, list[str]] = {}
    url = str(body.get("subscription_url") or "")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        errors["subscription_url"] = ["invalid or non-reachable URL"]
    if body.get("event_action") not in EVENT_ACTIONS:
        errors["event_action"] = [f"must be one of {', '.join(EVENT_ACTIONS)}"]
    if body.get("event_object") not in EVENT_OBJECTS:
        errors["event_object"] = [f"must be one of {', '.join(EVENT_OBJECTS)}"]
    if not isinstance(body.get("name"), str) or not body["name"].strip():
        errors["name"] = ["is required"]
    if str(body.get("version", "2.0")) != "2.0":
        errors["version"] = ["only version 2.0 is emulated"]
    if errors:
        raise webhook_errors(errors)
    if len(state.webhooks.subscriptions) >= 40:
        raise webhook_errors({"subscription_url": ["webhook limit of 40 reached"]}, status=422)
    user, password = body.get("http_auth_user"), body.get("http_auth_password")
    sub = state.webhooks.add(
        {
            "url": url,
            "event_action": body["event_action"],
            "event_object": body["event_object"],
            "name": html.escape(body["name"]),
            "user_id": int(body.get("user_id") or state.store.company.user_id),
            "auth": (str(user), str(password or "")) if user else None,
        }
    )
    return JSONResponse(
        {"status": "ok", "success": True, "data": state.webhooks.render(sub)}, status_code=201
    )


async def list_webhooks(state: State, request: Request) -> Response:
    data = [state.webhooks.render(s) for s in state.webhooks.subscriptions.values()]
    return JSONResponse({"status": "ok", "success": True, "data": data})


async def delete_webhook(state: State, request: Request) -> Response:
    webhook_id = request.path_params["id"]
    if not str(webhook_id).isdigit() or int(webhook_id) not in state.webhooks.subscriptions:
        raise webhook_errors({"id": ["not found"]}, status=404)
    del state.webhooks.subscriptions[int(webhook_id)]
    return JSONResponse({"status": "ok", "success": True})


def routes(state: State) -> list[Route]:
    def bind(func: Any) -> Any:
        async def handler(request: Request, principal: Principal) -> Response:
            response: Response = await func(state, request)
            return response

        return handler

    return [
        *api_routes(state, "v1", "GET", "/notes", bind(list_notes)),
        *api_routes(state, "v1", "POST", "/notes", bind(create_note)),
        *api_routes(state, "v1", "GET", "/notes/{id}", bind(get_note)),
        *api_routes(state, "v1", "GET", "/users/me", bind(users_me)),
        *api_routes(state, "v1", "GET", "/webhooks", bind(list_webhooks)),
        *api_routes(state, "v1", "POST", "/webhooks", bind(create_webhook)),
        *api_routes(state, "v1", "DELETE", "/webhooks/{id}", bind(delete_webhook)),
    ]
