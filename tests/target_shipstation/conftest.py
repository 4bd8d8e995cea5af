"""The ShipStation emulator and a connected tenant, shared with the core client's tests."""

from tests.shipstation.conftest import api, client, connect, service

__all__ = ["api", "client", "connect", "service"]
