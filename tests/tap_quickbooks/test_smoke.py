from tests.tap_quickbooks.helpers import Qbo


def test_full_then_incremental(demo: Qbo) -> None:
    first = demo.run()
    print(first.count())
    demo.advance(120)
    demo.reset_stats()
    second = demo.run(first.state)
    print(second.count(), demo.stats())
    assert sum(second.count().values()) == 0
