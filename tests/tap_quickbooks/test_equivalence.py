"""Property: a full sync equals the initial sync folded with every incremental sync (tombstones
applied), whatever the mutations between runs, including month-long pauses and CDC caps."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tap_quickbooks.helpers import STREAMS, Mutations, Qbo, apply

OPERATIONS = (
    "create_customer",
    "update_customer",
    "deactivate_customer",
    "create_invoice",
    "pay_invoice",
    "void_invoice",
    "delete_invoice",
    "delete_payment",
    "update_item",
)
step = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 200)), min_size=0, max_size=8)
pause = st.sampled_from(["settle", "settle", "settle", "month"])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rounds=st.lists(st.tuples(step, pause), min_size=1, max_size=4))
def test_full_sync_equals_initial_plus_incrementals(
    demo: Qbo, rounds: list[tuple[list[tuple[str, int]], str]]
) -> None:
    demo.reset_data()
    demo.advance(62)
    run = demo.run()
    folded: dict[str, dict[str, Any]] = {s: {} for s in STREAMS}
    for stream in STREAMS:
        apply(folded[stream], run, stream)
    state = run.state
    mutations = Mutations(demo)
    for operations, wait in rounds:
        for name, index in operations:
            getattr(mutations, name)(index)
        demo.advance(31 * 86400 if wait == "month" else 62)
        run = demo.run(state)
        for stream in STREAMS:
            ids = [r["Id"] for r in run.records.get(stream, [])]
            assert len(ids) == len(set(ids)), f"{stream}: duplicate in one run"
            apply(folded[stream], run, stream)
        state = run.state
    full = demo.run()
    for stream in STREAMS:
        expected = {r["Id"]: r for r in full.records.get(stream, [])}
        assert folded[stream] == expected, stream
