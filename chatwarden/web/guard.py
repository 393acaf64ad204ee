"""Connection guard below the app: a header-read timeout and a per-IP connection cap.

uvicorn's ``timeout_keep_alive`` only runs between requests while nothing arrives: a client that
connects and sends nothing, or trickles a header byte every few seconds (slow-loris), holds its
connection, a file descriptor and a parser open for ever. ``guarded_protocols`` returns uvicorn
protocol classes (HTTP: httptools when installed, else h11; WebSocket: the sans-I/O
``websockets`` protocol) that

- close a connection whose request headers are not complete ``header_timeout_s`` after it was
  opened or after its previous response (a WebSocket is past its headers once upgraded);
- refuse (close at once) a connection from an address that already holds ``per_ip`` open
  connections, HTTP and WebSocket together (0: no cap). The count follows the TCP connection
  across the WebSocket upgrade, so it is released exactly once, when the connection ends;
- let the app close a WebSocket itself when the server stops gracefully (SIGTERM, Ctrl+C, the
  end of ``Server.serve``): each WebSocket's scope carries a ``Drain`` under the extension
  ``DRAIN_EXTENSION``. uvicorn's own shutdown closes every socket at once with 1012; a socket
  whose app set ``Drain.handler`` instead has the handler called (the EventSub socket sends
  ``session_reconnect`` and closes) and is closed with 1012 only if it is still open
  ``DRAIN_S`` seconds later.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

#: the WebSocket scope extension that holds the connection's ``Drain``
DRAIN_EXTENSION = "chatwarden.drain"
#: how long a draining WebSocket may take to close itself before the server closes it (1012)
DRAIN_S = 5.0


class Drain:
    """How an app hears that the server is stopping: it sets ``handler`` (called once, on the
    server's loop, instead of the server closing the socket) and closes the socket itself."""

    def __init__(self) -> None:
        self.handler: Callable[[], None] | None = None


class ConnectionGuard:
    """Open connections per peer address (one per event loop; the server's loop)."""

    def __init__(self, *, per_ip: int, header_timeout_s: float) -> None:
        self.per_ip = per_ip
        self.header_timeout_s = header_timeout_s
        self.open: Counter[str] = Counter()
        self._held: dict[int, str] = {}  # id(transport) -> address
        self.refused = 0
        self.timed_out = 0

    def admit(self, transport: asyncio.BaseTransport) -> bool:
        """Count a new connection; False (not counted) when its address is at the cap."""
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        if self.per_ip and self.open[address] >= self.per_ip:
            self.refused += 1
            return False
        self.open[address] += 1
        self._held[id(transport)] = address
        return True

    def release(self, transport: asyncio.BaseTransport) -> None:
        address = self._held.pop(id(transport), None)
        if address is not None:
            self.open[address] -= 1
            if self.open[address] <= 0:
                del self.open[address]


def _http_base() -> type[asyncio.Protocol]:
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency; h11 is the fallback
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol


def guarded_protocols(
    guard: ConnectionGuard,
) -> tuple[type[asyncio.Protocol], type[asyncio.Protocol]]:
    """``(http, ws)`` protocol classes for ``uvicorn.Config(http=..., ws=...)``."""
    base: Any = _http_base()

    class GuardedHTTP(base):  # type: ignore[misc]
        _cw_timer: asyncio.TimerHandle | None = None
        _cw_cycle: object = None
        _cw_admitted = False

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            if not guard.admit(transport):
                transport.close()
                return
            self._cw_admitted = True
            self._cw_arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cw_disarm()
            if self._cw_admitted:
                guard.release(self.transport)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.cycle is not None and self.cycle is not self._cw_cycle:
                self._cw_cycle = self.cycle  # a new request's headers are complete
                self._cw_disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._cw_arm()  # the next request's headers get the same time

        def handle_websocket_upgrade(self, *args: Any) -> None:
            self._cw_disarm()  # headers complete; the WebSocket protocol releases the count
            self._cw_admitted = False
            super().handle_websocket_upgrade(*args)

        def _cw_arm(self) -> None:
            self._cw_disarm()
            self._cw_timer = self.loop.call_later(guard.header_timeout_s, self._cw_expired)

        def _cw_disarm(self) -> None:
            if self._cw_timer is not None:
                self._cw_timer.cancel()
                self._cw_timer = None

        def _cw_expired(self) -> None:
            self._cw_timer = None
            waiting = self.cycle is None or self.cycle.response_complete  # for new headers
            if waiting and not self.transport.is_closing():
                guard.timed_out += 1
                self.transport.close()

    class GuardedWebSocket(WebSocketsSansIOProtocol):
        _cw_drain: Drain | None = None

        def handle_connect(self, event: Any) -> None:
            super().handle_connect(event)
            scope = getattr(self, "scope", None)  # none when the handshake was refused
            if scope is not None:
                self._cw_drain = Drain()
                scope["extensions"][DRAIN_EXTENSION] = self._cw_drain

        def shutdown(self) -> None:
            drain = self._cw_drain
            handler = None if drain is None else drain.handler
            if handler is None or self.close_sent or not self.handshake_complete:
                super().shutdown()
                return
            assert drain is not None
            drain.handler = None
            handler()
            self.loop.call_later(DRAIN_S, self._cw_drained)

        def _cw_drained(self) -> None:
            if not self.disconnected:  # the app did not close it in time: uvicorn's 1012
                super().shutdown()

        def connection_lost(self, exc: Exception | None) -> None:
            guard.release(self.transport)
            super().connection_lost(exc)

    return GuardedHTTP, GuardedWebSocket
