"""Serve an ASGI app with uvicorn in a daemon thread: ``serve_in_thread(app, port=0)``.

    running = serve_in_thread(app)          # port 0 = any free port
    httpx.get(f"{running.url}/_sandbox/clock")
    running.stop()

Used by tests at module import (one server per test module, no fixtures needed) and by the CLI.
Binds 127.0.0.1 only. The uvicorn access log is off because query strings and headers may carry
tokens; uvicorn's own logger is set to ``warning``.

The server uses a small subclass of uvicorn's h11 protocol that exposes the connection's transport
to the app under ``scope["extensions"][TRANSPORT_SCOPE_KEY]``: the "reset" fault needs it to abort
the socket with a real TCP RST (ASGI itself has no way to do that).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

TRANSPORT_SCOPE_KEY = "ledgerlink.transport"


class _TransportExposingH11(H11Protocol):
    def handle_events(self) -> None:
        super().handle_events()
        # A new request's scope is created (and its task scheduled, not yet run) inside
        # handle_events, so adding the transport here is visible to the app.
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope.setdefault("extensions", {})[TRANSPORT_SCOPE_KEY] = self.transport


@dataclass
class RunningService:
    """A server running in a daemon thread."""

    url: str
    host: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def serve_in_thread(
    app: ASGIApp, port: int = 0, host: str = "127.0.0.1", *, startup_timeout: float = 10.0
) -> RunningService:
    """Start ``app`` on ``host:port`` and return once it accepts connections."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_TransportExposingH11,
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=1,
        # Idle connections stay open as long as behind the providers' load balancers (tens of
        # seconds); uvicorn's 5 s default closes them while a client is about to reuse one, and
        # that request fails with "Server disconnected without sending a response".
        timeout_keep_alive=75,
        # Each service sends its own Date header, from the sandbox clock (middleware), as a
        # real server's Date follows the clock its records are stamped with.
        date_header=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"sandbox-{host}:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"sandbox server failed to start on {host}:{port} (port in use?)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"sandbox server did not start within {startup_timeout} s")
        time.sleep(0.005)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return RunningService(f"http://{host}:{bound}", host, bound, server, thread)


def free_port_block(size: int = 3, host: str = "127.0.0.1") -> int:
    """A port P such that P .. P+size-1 were all free a moment ago (a sandbox needs three)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind((host, 0))
            base = int(probe.getsockname()[1])
        if base + size > 65535:
            continue
        try:
            for offset in range(1, size):
                with socket.socket() as other:
                    other.bind((host, base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no block of {size} free ports on {host}")
