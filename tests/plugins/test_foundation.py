"""The plugin foundation's rules, on the plugins themselves: settings refused with their bound,
the store's DSN read from the variable a setting names (never written to the environment), and
the API host taken from the stored connection unless overridden."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from ledgerlink.errors import LedgerlinkError
from ledgerlink.singer.cli import setting_problem
from ledgerlink.singer.settings import StoreSettings
from ledgerlink.singer.urls import api_base_url
from tap_pipedrive.tap import TapPipedrive
from tap_quickbooks.settings import CONFIG_SCHEMA as QBO_SCHEMA
from tap_quickbooks.tap import TapQuickBooks
from target_pipedrive.target import TargetPipedrive
from target_shipstation.target import TargetShipStation


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({}, "setting 'tenant' is required"),
        ({"tenant": "Acme Inc"}, "setting 'tenant' = 'Acme Inc' must match"),
        ({"tenant": "acme", "page_size": 5000}, "setting 'page_size' = 5000 must be at most 1000"),
        ({"tenant": "acme", "max_retries": -1}, "setting 'max_retries' = -1 must be at least 0"),
        ({"tenant": "acme", "token_margin_seconds": 4000}, "setting 'token_margin_seconds' = 4000"),
        (
            {"tenant": "acme", "settle_seconds": "60"},
            "setting 'settle_seconds' = '60' must be a whole",
        ),
    ],
)
def test_a_refused_setting_is_named_with_its_bound(config: dict[str, object], problem: str) -> None:
    found = setting_problem(QBO_SCHEMA, config)
    assert found is not None and found.startswith(problem), found


def test_every_plugin_refuses_a_bad_setting_before_doing_anything() -> None:
    for plugin in (TapQuickBooks, TapPipedrive, TargetPipedrive, TargetShipStation):
        with pytest.raises(LedgerlinkError, match="setting 'token_margin_seconds' = 1 must be"):
            plugin(config={"tenant": "acme", "token_margin_seconds": 1}, parse_env_config=False)


def test_the_dsn_comes_from_the_named_variable_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_STORE_DSN", "postgresql://store.example/ledgerlink")
    before = dict(os.environ)
    settings = StoreSettings.from_config(
        {"tenant": "acme", "database_url_env": "ACME_STORE_DSN", "token_margin_seconds": 120}
    )
    store = settings.store()
    assert store.database_url == "postgresql://store.example/ledgerlink"
    assert store.margin == timedelta(seconds=120)
    TapQuickBooks(config={"tenant": "acme", "database_url_env": "ACME_STORE_DSN"})
    assert dict(os.environ) == before
    unset = StoreSettings.from_config({"tenant": "acme", "database_url_env": "NOT_SET_ANYWHERE"})
    assert unset.database_url is None  # the embedded PostgreSQL


def test_the_host_is_the_connections_unless_overridden() -> None:
    sandbox_company = "https://sandbox-quickbooks.api.intuit.com"
    assert api_base_url({}, sandbox_company + "/") == sandbox_company
    assert api_base_url({"api_url": "http://127.0.0.1:8700/"}, sandbox_company) == (
        "http://127.0.0.1:8700"
    )
