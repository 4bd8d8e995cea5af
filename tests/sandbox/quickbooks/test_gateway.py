"""QBO gateway and envelope: auth faults, limits, XML and Fault-in-200 modes, headers, faults."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET  # the sandbox's own output, trusted

import httpx
import pytest

from ledgerlink_sandbox.quickbooks.gateway import AUTHZ_MESSAGE
from tests.sandbox.quickbooks.helpers import TID_PATTERN, TIME_PATTERN, QboClient

NS = "{http://schema.intuit.com/finance/v3}"


@pytest.fixture(autouse=True)
def _reset(qbo: QboClient) -> None:
    qbo.reset()
    qbo.freeze()


@pytest.fixture
def token(qbo: QboClient) -> str:
    return str(qbo.connect()["access_token"])


def parse_xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - the sandbox's own output


def _fault_code(response: httpx.Response) -> str:
    return str(response.json()["Fault"]["Error"][0]["code"])


def test_headers_and_time_on_api_responses(qbo: QboClient, token: str) -> None:
    response = qbo.api("GET", qbo.company, token, params={"minorversion": "4"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert re.match(TID_PATTERN, response.headers["intuit_tid"])
    assert response.headers["qbo-version"]
    assert "CompanyInfo" in response.json()
    assert re.match(TIME_PATTERN, response.json()["time"])


def test_query_get_and_post(qbo: QboClient, token: str) -> None:
    text = "SELECT * FROM Customer"
    by_get = qbo.api("GET", "/query", token, params={"query": text, "minorversion": "75"})
    by_post = qbo.api(
        "POST", "/query", token, content=text, headers={"Content-Type": "application/text"}
    )
    assert by_get.status_code == by_post.status_code == 200
    assert by_get.json()["QueryResponse"] == by_post.json()["QueryResponse"]
    stats = qbo.http.get("/_sandbox/stats").json()["routes"]
    assert stats["GET /v3/company/{realm}/query"] == 1
    assert stats["POST /v3/company/{realm}/query"] == 1


def test_missing_and_unknown_bearer_give_lowercase_401(qbo: QboClient, token: str) -> None:
    missing = qbo.http.get(f"/v3/company/{qbo.realm}{qbo.company}")
    assert missing.status_code == 401
    assert missing.json()["fault"]["error"][0]["code"] == "3200"
    unknown = qbo.api("GET", qbo.company, "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..forged")
    assert unknown.status_code == 401 and "forged" not in unknown.text


def test_wrong_realm_gives_403_3100(qbo: QboClient, token: str) -> None:
    response = qbo.http.get(
        "/v3/company/123456789/preferences", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert response.json() == {
        "fault": {
            "error": [
                {
                    "message": AUTHZ_MESSAGE,
                    "code": "3100",
                }
            ]
        }
    }


def test_store_fault_is_a_fault_envelope(qbo: QboClient, token: str) -> None:
    response = qbo.api("GET", "/invoice/999999", token)
    assert response.status_code == 400
    assert _fault_code(response) == "610"
    assert re.match(TIME_PATTERN, response.json()["time"])
    bad = qbo.api(
        "POST",
        "/customer",
        token,
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 400 and bad.json()["Fault"]["type"] == "ValidationFault"


def test_501st_request_in_a_minute_is_throttled_then_recovers(qbo: QboClient, token: str) -> None:
    qbo.settings(rate_limit_per_second_realm_app=10_000)
    for _ in range(500):
        assert qbo.api("GET", qbo.company, token).status_code == 200
    throttled = qbo.api("GET", qbo.company, token)
    assert throttled.status_code == 429
    assert _fault_code(throttled) == "3001"
    assert throttled.json()["Fault"]["type"] == "SERVICE"
    assert "retry-after" not in throttled.headers
    qbo.advance(60)
    assert qbo.api("GET", qbo.company, token).status_code == 200


def test_11th_request_in_one_second_is_throttled(qbo: QboClient, token: str) -> None:
    codes = [qbo.api("GET", qbo.company, token).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    qbo.advance(1)
    assert qbo.api("GET", qbo.company, token).status_code == 200


def test_per_second_limit_is_per_app(qbo: QboClient, token: str) -> None:
    qbo.http.post("/_sandbox/oauth/apps", json={"client_id": "other-app", "client_secret": "s"})
    other = qbo.http.post("/_sandbox/oauth/connect", json={"client_id": "other-app"}).json()
    for _ in range(10):
        qbo.api("GET", qbo.company, token)
    assert qbo.api("GET", qbo.company, token).status_code == 429
    assert qbo.api("GET", qbo.company, other["access_token"]).status_code == 200


def test_batch_limit_40_per_minute_per_app(qbo: QboClient, token: str) -> None:
    qbo.settings(rate_limit_per_second_realm_app=10_000)
    body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Customer"}]}
    for _ in range(40):
        assert qbo.api("POST", "/batch", token, json=body).status_code == 200
    assert qbo.api("POST", "/batch", token, json=body).status_code == 429
    assert qbo.api("GET", qbo.company, token).status_code == 200  # plain calls still pass


def test_throttle_as_historical_xml(qbo: QboClient, token: str) -> None:
    qbo.settings(throttle_response="xml", rate_limit_per_second_realm_app=0)
    response = qbo.api("GET", qbo.company, token)
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/xml")
    root = parse_xml(response.content)
    assert root.tag == "Fault" and root.get("type") == "SERVICE"
    error = root.find("Error")
    assert error is not None and error.get("code") == "3001"


def test_throttle_as_fault_inside_http_200(qbo: QboClient, token: str) -> None:
    qbo.settings(throttle_response="fault_in_200", rate_limit_per_second_realm_app=0)
    response = qbo.api("GET", qbo.company, token)
    assert response.status_code == 200 and _fault_code(response) == "3001"


def test_xml_when_accept_lacks_json(qbo: QboClient, token: str) -> None:
    response = qbo.api("GET", qbo.company, token, headers={"Accept": "application/xml"})
    assert response.headers["content-type"] == "application/xml;charset=UTF-8"
    root = parse_xml(response.content)
    assert root.tag == f"{NS}IntuitResponse" and re.match(TIME_PATTERN, root.get("time", ""))
    assert root.find(f"{NS}CompanyInfo") is not None
    fault = qbo.api("GET", "/invoice/999999", token, headers={"Accept": "*/*"})
    error = parse_xml(fault.content).find(f"{NS}Fault/{NS}Error")
    assert error is not None and error.get("code") == "610"
    forced = qbo.api(
        "GET", qbo.company, token, headers={"Accept": "application/xml"}, params={"format": "json"}
    )
    assert "CompanyInfo" in forced.json()
    qbo.settings(non_json_accept="json")
    assert "CompanyInfo" in qbo.api("GET", qbo.company, token, headers={"Accept": "*/*"}).json()


def test_injected_5xx_looks_like_qbo_and_is_counted(qbo: QboClient, token: str) -> None:
    qbo.http.post(
        "/_sandbox/faults",
        json={"kind": "status", "status": 503, "count": 1, "path": "/v3/company/{realm}/query"},
    )
    failed = qbo.api("GET", "/query", token, params={"query": "select * from Customer"})
    assert failed.status_code == 503 and _fault_code(failed) == "10000"
    assert re.match(TID_PATTERN, failed.headers["intuit_tid"])
    ok = qbo.api("GET", "/query", token, params={"query": "select * from Customer"})
    assert ok.status_code == 200
    assert qbo.http.get("/_sandbox/stats").json()["total"] == 2


def test_throttle_storm_fault(qbo: QboClient, token: str) -> None:
    qbo.http.post("/_sandbox/faults", json={"kind": "throttle", "count": 2})
    codes = [qbo.api("GET", qbo.company, token).status_code for _ in range(3)]
    assert codes == [429, 429, 200]


def test_write_read_and_pdf(qbo: QboClient, token: str) -> None:
    created = qbo.api(
        "POST",
        "/customer",
        token,
        params={"minorversion": "75"},
        content=json.dumps({"DisplayName": "Gateway Test"}),
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 200, created.text
    customer = created.json()["Customer"]
    read = qbo.api("GET", f"/customer/{customer['Id']}", token)
    assert read.json()["Customer"]["DisplayName"] == "Gateway Test"
    invoices = qbo.api("GET", "/query", token, params={"query": "select * from Invoice"})
    invoice_id = invoices.json()["QueryResponse"]["Invoice"][0]["Id"]
    pdf = qbo.api("GET", f"/invoice/{invoice_id}/pdf", token, headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_admin_endpoints_are_neither_counted_nor_limited(qbo: QboClient, token: str) -> None:
    qbo.settings(rate_limit_per_second_realm_app=0, rate_limit_per_minute_realm=0)
    for _ in range(20):
        assert qbo.http.get("/_sandbox/settings").status_code == 200
    assert qbo.http.get("/_sandbox/stats").json()["total"] == 0
    assert qbo.http.patch("/_sandbox/settings", json={"rate_limit_window": "x"}).status_code == 400


def test_python_quickbooks_unchanged_but_for_the_base_url(
    qbo: QboClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # requests-oauthlib refuses http:// unless told otherwise (the sandbox serves plain http).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    from intuitlib.client import AuthClient
    from quickbooks import QuickBooks
    from quickbooks.objects.customer import Customer

    from ledgerlink_sandbox.quickbooks.service_settings import (
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
    )

    auth = AuthClient(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        "http://localhost/cb",
        environment=f"{qbo.url}/.well-known/openid_configuration/",
    )
    client = QuickBooks(
        auth_client=auth,
        refresh_token=qbo.connect()["refresh_token"],
        company_id=qbo.realm,
        minorversion=75,
    )
    # The only change a client needs: its (hard-coded) API host.
    client.api_url_v3 = client.sandbox_api_url_v3 = f"{qbo.url}/v3"
    customers = Customer.all(max_results=5, qb=client)
    assert customers and all(c.Id for c in customers)
    again = Customer.get(customers[0].Id, qb=client)
    assert again.DisplayName == customers[0].DisplayName
    stats = qbo.http.get("/_sandbox/stats").json()["routes"]
    assert stats["POST /v3/company/{realm}/query"] == 1
    assert stats["POST /oauth2/v1/tokens/bearer"] == 1
