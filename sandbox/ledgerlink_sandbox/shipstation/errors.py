"""Response bodies as ShipStation's ASP.NET Web API writes them (reference §2.8).

400 ``{"Message":"The request is invalid.","ModelState":{...}}``, 404 ``{"Message":"No HTTP
resource was found ..."}``, 500 ``{"Message":"An error has occurred.",...}`` — capital ``M`` —
but the documented 429 body is ``{"message":"Too Many Requests"}``. Gateway-level failures
(502/503/504) come back as HTML pages from the load balancer, which clients must also survive.
JSON is written compactly with ``charset=utf-8`` like the real service.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

JSON_TYPE = "application/json; charset=utf-8"
INTERNAL_HOST = "http://ssapi6-internal.shipstation.com"  # host quoted by real 404 bodies
INVALID_REQUEST = "The request is invalid."

_ARRAY_INTO_OBJECT = (
    "Cannot deserialize the current JSON array (e.g. [1,2,3]) into type '{type}' because the "
    'type requires a JSON object (e.g. {{"name":"value"}}) to deserialize correctly.\r\n'
    'To fix this error either change the JSON to a JSON object (e.g. {{"name":"value"}}) or '
    "change the deserialized type to an array or a type that implements a collection interface "
    "(e.g. ICollection, IList) like List<T> that can be deserialized from a JSON array. "
    "JsonArrayAttribute can also be added to the type to force it to deserialize from a JSON "
    "array.\r\nPath '', line 1, position 1."
)
_OBJECT_INTO_ARRAY = (
    'Cannot deserialize the current JSON object (e.g. {{"name":"value"}}) into type \'{type}\' '
    "because the type requires a JSON array (e.g. [1,2,3]) to deserialize correctly.\r\n"
    "To fix this error either change the JSON to a JSON array (e.g. [1,2,3]) or change the "
    "deserialized type so that it is a normal .NET type (e.g. not a primitive type like integer, "
    "not a collection type like an array or List<T>) that can be deserialized from a JSON "
    "object. JsonObjectAttribute can also be added to the type to force it to deserialize from "
    "a JSON object.\r\nPath '{path}', line 1, position {position}."
)
ORDER_TYPE = "SS.OpenApi.Models.Orders.Order"
ORDER_LIST_TYPE = "System.Collections.Generic.List`1[SS.OpenApi.Models.Orders.Order]"


class ApiError(Exception):
    """A request the real service refuses: HTTP status, JSON body, and a one-line text.

    ``text`` is what createorders puts into a failed result's ``errorMessage``.
    """

    def __init__(self, status: int, body: Mapping[str, Any] | None, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.body = body
        self.text = text

    def response(self, headers: Mapping[str, str] | None = None) -> Response:
        return json_response(self.body, self.status, headers)


def dumps(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    content = "" if body is None else dumps(body)
    return Response(content, status_code=status, media_type=JSON_TYPE, headers=dict(headers or {}))


def model_state(errors: Mapping[str, Sequence[str]]) -> ApiError:
    body = {"Message": INVALID_REQUEST, "ModelState": {k: list(v) for k, v in errors.items()}}
    text = "; ".join(msg for messages in errors.values() for msg in messages)
    return ApiError(400, body, text)


def message(status: int, text: str) -> ApiError:
    return ApiError(status, {"Message": text}, text)


def not_found(path_and_query: str, template: str | None = None) -> ApiError:
    uri = f"{INTERNAL_HOST}{path_and_query}"
    text = template or "No HTTP resource was found that matches the request URI '{uri}'."
    return message(404, text.format(uri=uri))


def method_not_allowed(method: str) -> ApiError:
    return message(405, f"The requested resource does not support http method '{method}'.")


def array_into_object(prefix: str) -> ApiError:
    return model_state({prefix: [_ARRAY_INTO_OBJECT.format(type=ORDER_TYPE)]})


def object_into_array(prefix: str, first_key: str | None) -> ApiError:
    path = first_key or ""
    key = f"{prefix}.{first_key}" if first_key else prefix
    text = _OBJECT_INTO_ARRAY.format(type=ORDER_LIST_TYPE, path=path, position=len(path) + 3)
    return model_state({key: [text]})


def invalid_json(prefix: str, detail: str) -> ApiError:
    text = f"Unexpected character encountered while parsing value: {detail}"
    return model_state({prefix: [text]})


def server_error() -> Response:
    body = {
        "Message": "An error has occurred.",
        "ExceptionMessage": "Object reference not set to an instance of an object.",
        "ExceptionType": "System.NullReferenceException",
        "StackTrace": "   at SS.OpenApi.Controllers.OrdersController.Execute()",
    }
    return json_response(body, 500)


def too_many_requests(headers: Mapping[str, str]) -> Response:
    return json_response({"message": "Too Many Requests"}, 429, headers)


def unauthorized(body: str, headers: Mapping[str, str] | None = None) -> Response:
    media = JSON_TYPE if body.lstrip().startswith("{") else "text/plain; charset=utf-8"
    return Response(body, status_code=401, media_type=media, headers=dict(headers or {}))


def gateway_page(status: int) -> Response:
    titles = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}
    title = f"{status} {titles.get(status, 'Error')}"
    html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return Response(html, status_code=status, media_type="text/html")
