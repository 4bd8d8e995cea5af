"""JSON payload → QBO-style XML, for clients whose ``Accept`` header lacks JSON.

QBO's XML is the JAXB rendering of the same objects, wrapped in ``<IntuitResponse>``. This is a
simple, well-formed approximation: objects become elements, lists repeat the element, the few
fields QBO renders as attributes stay attributes (``domain``/``sparse``/``status`` on entities,
``type`` on ``Fault``, ``code``/``element`` on ``Error``, paging numbers on ``QueryResponse``,
``name``/``type`` on references whose text is the ``value``).
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

NAMESPACE = "http://schema.intuit.com/finance/v3"
_ENTITY_ATTRS = ("domain", "sparse", "status")
_QUERY_ATTRS = ("startPosition", "maxResults", "totalCount")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_ref(value: dict[str, Any]) -> bool:
    return "value" in value and set(value) <= {"value", "name", "type"}


def _emit(parent: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _emit(parent, name, item)
        return
    element = ET.SubElement(parent, name)
    if not isinstance(value, dict):
        element.text = _text(value)
        return
    if _is_ref(value):
        element.text = _text(value["value"])
        for attr in ("name", "type"):
            if attr in value:
                element.set(attr, _text(value[attr]))
        return
    attrs: tuple[str, ...] = _ENTITY_ATTRS
    if name == "Fault":
        attrs = ("type",)
    elif name == "Error":
        attrs = ("code", "element")
    elif name == "QueryResponse":
        attrs = _QUERY_ATTRS
    for key, item in value.items():
        if key in attrs and not isinstance(item, dict | list):
            if item not in (None, ""):
                element.set(key, _text(item))
        else:
            _emit(element, key, item)


def to_xml(payload: dict[str, Any]) -> bytes:
    """``{"Invoice": {...}, "time": "..."}`` → ``<IntuitResponse time="..."><Invoice>…``."""
    root = ET.Element("IntuitResponse", {"xmlns": NAMESPACE})
    if "time" in payload:
        root.set("time", _text(payload["time"]))
    for key, value in payload.items():
        if key != "time":
            _emit(root, key, value)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode()


def throttle_xml() -> bytes:
    """The historical throttling body, verbatim (reference §1.6): a bare ``<Fault>``."""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Fault type="SERVICE"><Error code="3001">'
        b"<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        b"<Detail>The request limit was reached.  Try again later</Detail>"
        b"</Error></Fault>"
    )
