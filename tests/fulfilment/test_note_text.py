"""A note's text: every value escaped, and the shipment key it ends with recoverable whatever
the carrier, names and tracking numbers contain, with Pipedrive keeping the markup or not."""

from __future__ import annotations

import html
import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.fulfilment.deal_push import note_html, noted_key
from ledgerlink.fulfilment.state import ShipmentLine, ShipmentView, tracking_url

TEXT = st.text(min_size=0, max_size=40)
KEYS = st.from_regex(r"(label|fulfillment)-[0-9]{1,12}", fullmatch=True)


def strip_markup(content: str) -> str:
    return re.sub(r"<[^>]*>", " ", content)


@given(key=KEYS, tracking=TEXT, carrier=TEXT, name=TEXT, number=TEXT)
def test_the_key_survives_any_values(
    key: str, tracking: str, carrier: str, name: str, number: str
) -> None:
    view = ShipmentView(key, "label", number or None, tracking or None, carrier or None, "svc",
                        date(2026, 3, 2), None, tracking_url(carrier, tracking),
                        (ShipmentLine("SKU", name or None, 2),))  # fmt: skip
    content = note_html("QB-acme-1", view)
    assert noted_key(content) == key
    assert noted_key(strip_markup(content)) == key
    for value in (tracking, carrier, name):
        if "<" in value:  # never markup of its own
            assert value not in content and html.escape(value) in content


def test_the_note_says_what_a_sales_rep_needs() -> None:
    view = ShipmentView("label-7", "label", "QB-acme-1-1", "1Z999", "ups", "ups_ground",
                        date(2026, 3, 2), None, tracking_url("ups", "1Z999"),
                        (ShipmentLine("WID", "Widget", 2),))  # fmt: skip
    assert note_html("QB-acme-1", view) == (
        "<b>Shipped</b>: order QB-acme-1-1<br>"
        'Tracking: <a href="https://www.ups.com/track?tracknum=1Z999">1Z999</a> (ups ups_ground)'
        "<br>Ship date: 2026-03-02<br>Items: 2 x Widget<br>"
        "<small>ledgerlink shipment label-7</small>"
    )
    assert noted_key("A note a person wrote about a shipment") is None
