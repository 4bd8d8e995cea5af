"""The shared Pipedrive core (``ledgerlink.pipedrive``) on plain inputs: fields, errors, limits,
watermarks and costs."""

from __future__ import annotations

import pytest

from ledgerlink.pipedrive.costs import cost_of, operation
from ledgerlink.pipedrive.errors import Category, PipedriveApiError, failure_of
from ledgerlink.pipedrive.fields import FieldCatalog, snake_case
from ledgerlink.pipedrive.incremental import STATE_KEY, Watermark, digest, rfc3339
from ledgerlink.pipedrive.limits import (
    BudgetReserveReached,
    BurstPacer,
    Limits,
    PipedriveRetry,
    Reserve,
    TokenBudget,
)
from ledgerlink.pipedrive.urls import company_base_url
from ledgerlink.retry import Backoff

CODE_A, CODE_B, CODE_C, CODE_D = ("a" * 40, "b" * 40, "c" * 40, "d" * 40)


def _field(
    code: str, name: str, kind: str, options: list[dict[str, object]] | None = None
) -> dict[str, object]:
    return {
        "field_code": code,
        "field_name": name,
        "field_type": kind,
        "options": options,
        "is_custom_field": True,
    }


def test_readable_keys_are_snake_case_names_and_never_collide() -> None:
    assert snake_case("Invoice Status") == "invoice_status"
    assert snake_case("Crédit (limite) €") == "credit_limite"
    assert snake_case("2nd phone") == "f_2nd_phone"
    catalog = FieldCatalog(
        [
            {"field_code": "title", "field_name": "Title", "is_custom_field": False},
            _field(CODE_A, "Title", "varchar"),  # clashes with the built-in property
            _field(CODE_B, "Region", "varchar"),
            _field(CODE_C, "region", "varchar"),  # clashes with the custom field before it
            _field(CODE_D, "!!!", "varchar"),
        ],
        reserved={"id", "title"},
    )
    assert [catalog.key_of(c) for c in (CODE_A, CODE_B, CODE_C, CODE_D)] == [
        "title_aaaaaa",
        "region",
        "region_cccccc",
        "field_dddddd",
    ]
    assert catalog.key_of("title") is None  # built-in fields are not remapped


def test_values_resolve_option_ids_to_labels() -> None:
    options = [{"id": 7, "label": "Paid"}, {"id": 8, "label": "Overdue"}]
    catalog = FieldCatalog(
        [
            _field(CODE_A, "Invoice Status", "enum", options),
            _field(CODE_B, "Tags", "set", options),
            _field(CODE_C, "Total", "monetary"),
        ],
        reserved=(),
    )
    money = {"value": 10, "currency": "EUR"}
    assert catalog.resolve({CODE_A: 8, CODE_B: [7, 8, 99], CODE_C: money}) == {
        "invoice_status": "Overdue",
        "tags": ["Paid", "Overdue"],
        "total": money,
    }
    assert catalog.resolve({CODE_A: {"id": 7, "label": "Paid"}})["invoice_status"] == "Paid"
    assert catalog.resolve({CODE_A: 99}) == {"invoice_status": None, "tags": None, "total": None}
    assert catalog.resolve(None)["total"] is None
    schema = catalog.schema_properties()
    assert schema["invoice_status"]["type"] == ["string", "null"]
    assert schema["total"]["properties"]["currency"]["type"] == ["string", "null"]


def _headers(**values: object) -> dict[str, str]:
    return {k.replace("_", "-"): str(v) for k, v in values.items()}


@pytest.mark.parametrize(
    ("status", "headers", "body", "category"),
    [
        (401, {}, '{"success":false,"error":"unauthorized access","errorCode":401}', Category.AUTH),
        (429, _headers(x_daily_ratelimit_token_remaining=0), "{}", Category.BUDGET),
        (
            429,
            _headers(x_daily_ratelimit_token_remaining=5, x_ratelimit_remaining=30),
            "{}",
            Category.BUDGET,
        ),
        (
            429,
            _headers(x_daily_ratelimit_token_remaining=900, x_ratelimit_remaining=0),
            "{}",
            Category.BURST,
        ),
        (429, {}, "", Category.BURST),
        (503, {}, "<html>maintenance</html>", Category.TRANSIENT),
        (404, {}, '{"success":false,"error":"Entity was not found"}', Category.FATAL),
    ],
)
def test_errors_are_classified_from_status_headers_and_body(
    status: int, headers: dict[str, str], body: str, category: Category
) -> None:
    error = failure_of(status, headers, body, "GET /api/v2/deals")
    assert error is not None and error.category is category


def test_error_text_carries_what_pipedrive_support_needs() -> None:
    body = (
        '{"success":false,"error":"Validation failed: cursor",'
        '"code":"ERR_SCHEMA_VALIDATION_FAILED"}'
    )
    error = failure_of(400, {"x-correlation-id": "c0ffee"}, body, "GET /api/v2/deals")
    assert str(error) == (
        "Pipedrive answered HTTP 400 to GET /api/v2/deals: Validation failed: cursor "
        "(ERR_SCHEMA_VALIDATION_FAILED) [x-correlation-id c0ffee]"
    )
    html = "<html><title>Access denied</title>This error is produced by Cloudflare.</html>"
    banned = failure_of(403, {"Content-Type": "text/html"}, html, "GET /api/v2/deals")
    assert banned is not None and "Cloudflare denied access" in banned.message
    in_200 = failure_of(200, {}, '{"success":false,"error":"odd"}', "GET /api/v2/deals")
    assert in_200 is not None and in_200.category is Category.FATAL
    assert failure_of(200, {}, '{"success":true,"data":[]}', "GET /api/v2/deals") is None
    throttled = failure_of(
        429, {"Retry-After": "7", "x-ratelimit-reset": "2"}, "", "GET /api/v2/deals"
    )
    assert throttled is not None and throttled.retry_after == 7


def test_the_reserve_is_a_fraction_or_a_token_count() -> None:
    assert Reserve.parse(None).of(180_000) == 45_000  # default: a quarter
    assert Reserve.parse(0.1).of(180_000) == 18_000
    assert Reserve.parse(5000).of(180_000) == 5000
    assert Reserve.parse("0").of(180_000) == 0
    with pytest.raises(ValueError, match="budget_reserve"):
        Reserve.parse(-1)


def test_the_budget_follows_the_headers_and_keeps_the_reserve() -> None:
    budget = TokenBudget(reserve=Reserve(tokens=100))
    budget.check(10, "GET /api/v2/deals")  # unknown balance: the first request goes ahead
    budget.observe(
        200,
        _headers(x_daily_ratelimit_token_limit=1000, x_daily_ratelimit_token_remaining=130),
        10,
        "deals",
    )
    budget.check(10, "GET /api/v2/deals")
    budget.observe(200, {}, 10, "deals")  # headers missing: estimated
    assert budget.remaining == 120
    budget.observe(429, {}, 10, "deals")  # refused: not charged
    budget.check(20, "GET /api/v2/deals")  # 120 - 20 = the reserve: still allowed
    with pytest.raises(BudgetReserveReached, match="100 of 1000 tokens left"):
        budget.check(1, "GET /api/v2/deals")  # the 20 in flight (another writer) count
    budget.release(20)  # that request got no answer: it spent nothing
    with pytest.raises(BudgetReserveReached, match="120 of 1000 tokens left"):
        budget.check(21, "GET /api/v2/deals")
    assert budget.spent == {"deals": 20} and budget.requests == {"deals": 3}


def test_the_burst_pacer_pauses_before_the_window_runs_out() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = BurstPacer(margin=1, clock=lambda: now[0], sleep=sleep)
    pacer.observe(_headers(x_ratelimit_remaining=5, x_ratelimit_reset=2))
    pacer.wait()
    assert slept == []
    pacer.observe(_headers(x_ratelimit_remaining=1, x_ratelimit_reset=2))
    now[0] += 0.5
    pacer.wait()
    assert slept == [1.5] and pacer.waited == 1.5


def test_the_retry_policy_waits_for_the_burst_reset_and_stops_on_budget() -> None:
    slept: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limits = Limits(
        budget=TokenBudget(reserve=Reserve()), burst=BurstPacer(clock=lambda: clock[0], sleep=sleep)
    )
    retry = PipedriveRetry(limits, backoff=Backoff(base=0.1, max_tries=3))
    answers = [
        failure_of(429, {"x-ratelimit-reset": "2"}, "", "GET /api/v2/deals"),
        failure_of(502, {}, "", "GET /api/v2/deals"),
        None,
    ]

    def call() -> str:
        error = answers.pop(0)
        if error is not None:
            raise error
        return "ok"

    result = retry.run(call, cost=10, operation="GET /api/v2/deals", reauthorize=lambda e: False)
    assert result == "ok" and len(slept) == 2 and 2.0 <= slept[0] <= 2.2

    def exhausted() -> str:
        error = failure_of(429, _headers(x_daily_ratelimit_token_remaining=0), "", "GET /x")
        assert error is not None
        raise error

    with pytest.raises(BudgetReserveReached, match="cannot cover more requests today"):
        retry.run(exhausted, cost=10, operation="GET /x", reauthorize=lambda e: False)
    assert limits.budget.remaining == 0

    def refused() -> str:
        raise PipedriveApiError(
            status=401, category=Category.AUTH, message="unauthorized access", operation="GET /x"
        )

    fresh = PipedriveRetry(Limits())
    with pytest.raises(PipedriveApiError):  # an API token cannot be refreshed: no loop
        fresh.run(refused, cost=1, operation="GET /x", reauthorize=lambda e: False)
    refreshed: list[PipedriveApiError] = []
    with pytest.raises(PipedriveApiError):  # OAuth: one forced refresh, then the 401 stands

        def reauthorize(error: PipedriveApiError) -> bool:
            refreshed.append(error)
            return True

        fresh.run(refused, cost=1, operation="GET /x", reauthorize=reauthorize)
    assert len(refreshed) == 1


def test_times_are_whole_second_utc() -> None:
    assert rfc3339("2026-01-02T03:04:05.999+02:00") == "2026-01-02T01:04:05Z"
    assert rfc3339("2026-01-02") == "2026-01-02T00:00:00Z"
    assert rfc3339("2026-01-02T03:04:05Z") == "2026-01-02T03:04:05Z"


def test_the_watermark_skips_only_identical_boundary_records() -> None:
    a = {"id": 1, "update_time": "2026-01-01T00:00:05Z", "title": "a", "custom_fields": {}}
    b = {"id": 2, "update_time": "2026-01-01T00:00:05Z", "title": "b", "custom_fields": {}}
    mark = Watermark()
    mark.deliver(a)
    mark.deliver(b)
    state = {"replication_key_value": mark.time, STATE_KEY: mark.delivered}
    again = Watermark.from_state(state, start="2025-01-01T00:00:00Z")
    assert again.time == "2026-01-01T00:00:05Z"
    assert again.already_delivered(a) and again.already_delivered(b)
    assert not again.already_delivered({**b, "title": "b, changed in the same second"})
    assert not again.already_delivered({**a, "update_time": "2026-01-01T00:00:06Z"})
    # A field defined later adds a null to every record: not a new version.
    assert digest({**a, "custom_fields": {"x" * 40: None}}) == digest(a)
    later = Watermark.from_state(state, start="2026-02-01")
    assert later.time == "2026-02-01T00:00:00Z" and later.delivered == {}


def test_costs_come_from_the_spec_table() -> None:
    assert operation("GET", "/api/v2/deals/archived") == ("v2", "/deals/archived")
    assert cost_of("GET", "/api/v2/deals") == 10
    assert cost_of("GET", "/api/v2/deals/archived") == 20
    assert cost_of("GET", "/api/v2/deals/12") == 1
    assert cost_of("GET", "/api/v2/pipelines") == 5
    assert cost_of("PATCH", "/api/v2/organizations/3") == 5
    assert cost_of("GET", "/v1/users/me") == 2
    assert cost_of("GET", "/api/v2/unknown") == 10  # careful default


def test_the_company_is_reached_at_its_own_host() -> None:
    assert company_base_url("https://api.pipedrive.com/", "acme-12g53f") == (
        "https://acme-12g53f.pipedrive.com"
    )
    assert company_base_url("https://api.pipedrive.com", None) == "https://api.pipedrive.com"
    oauth = "https://acme-12g53f.pipedrive.com"
    assert company_base_url(oauth, "acme-12g53f.pipedrive.com") == oauth
    assert company_base_url("http://127.0.0.1:8701/", "acme") == "http://127.0.0.1:8701"
