"""Medium 6 and the header-read timeout (low): what one address can make the server hold.

Attack 1 (memory amplification): anonymous WebSockets send 15 MB frames; the server accepted
up to 16 MiB per message (20 such frames took RSS from 323 to 976 MB) though valid chat frames
are at most 16 KB. Expected: a message over ``ws_max_message_bytes`` (64 KiB) closes the socket
with 1009, at the server (uvicorn's ``ws_max_size`` in ``runtime.uvicorn_options``) before it
is buffered, and in the app under any server; valid frames still pass.

Attack 2 (socket flood): one address opens sockets until memory runs out. Expected: at most
``ws_anonymous_per_ip`` anonymous sockets and ``ws_per_ip`` sockets in all per address; more
are refused (4429) and a closed socket frees its place.

Attack 3 (slow-loris): 300 connections send a request's headers a byte at a time, or nothing;
they stayed open 60 s. Expected: each is closed ``http_header_timeout_seconds`` (10 s) after
it connected, an address holds at most ``http_connections_per_ip`` connections (the rest are
closed at once), and a client at another address is served normally meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from chatwarden.clock import FakeClock
from chatwarden.config import ServiceConfig
from chatwarden.service.types import Actor
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from chatwarden.web.frames import MAX_FRAME_BYTES
from chatwarden.web.runtime import uvicorn_options
from chatwarden.web.ws import CLOSE_TOO_LARGE, CLOSE_TOO_MANY
from tests.web.harness import PASSWORD, World, make_config

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class GuardedServer:
    """The app served as ``chatwarden serve`` serves it (``runtime.uvicorn_options(config)``)."""

    def __init__(self, config: ServiceConfig) -> None:
        self.services = build_services(config, clock=FakeClock())
        app = create_app(self.services, WebSettings(tick_interval_s=0.2))
        options = {**uvicorn_options(config), "loop": "asyncio"}  # uvloop only in its own process
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", **options)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> GuardedServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "no server"
            time.sleep(0.01)
        self.port = int(self.server.servers[0].sockets[0].getsockname()[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.services.close()

    def session(self, username: str) -> str:
        with httpx.Client(base_url=self.base, timeout=10) as http:
            body = {"username": username, "password": PASSWORD}
            assert http.post("/api/v1/accounts", json=body).status_code == 201
            assert http.post("/api/v1/sessions", json=body).status_code == 201
            return str(http.cookies.get("cw_session"))


@pytest.fixture
def guarded(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """``guarded(**config)`` starts a server on a fresh SQLite copy (no store is involved)."""
    template: Path = request.getfixturevalue("_sqlite_template")
    with contextlib.ExitStack() as stack:

        def start(**overrides: Any) -> GuardedServer:
            path = tmp_path / f"db{len(stack._exit_callbacks)}.db"
            shutil.copyfile(template, path)
            config = make_config(f"sqlite:///{path}", **overrides)
            server = stack.enter_context(GuardedServer(config))
            owner = server.services.accounts.register("owner", PASSWORD)
            server.services.channels.create_channel(Actor(owner.id, owner.username), "main")
            return server

        yield start


def _chat(ws_base: str, headers: dict[str, str] | None = None) -> ClientConnection:
    return connect(
        f"{ws_base}/api/v1/channels/main/chat/ws",
        additional_headers=headers or {},
        open_timeout=5,
        max_size=None,
    )


def _closed_with(ws: ClientConnection, seconds: float = 5.0) -> int:
    deadline = time.monotonic() + seconds
    with pytest.raises(ConnectionClosed) as closed:
        while time.monotonic() < deadline:
            ws.recv(timeout=deadline - time.monotonic())
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code


def _welcomed_again(ws_base: str, seconds: float = 30.0) -> bool:
    """A new anonymous socket is welcomed (the server frees a closed one's place when it sees
    the close; retried until then)."""
    deadline = time.monotonic() + seconds
    while True:
        with _chat(ws_base) as ws:
            with contextlib.suppress(ConnectionClosed):
                if json.loads(ws.recv(timeout=5))["type"] == "welcome":
                    return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _open_after(
    socks: list[socket.socket], done: Callable[[list[socket.socket]], bool], seconds: float
) -> list[socket.socket]:
    """The sockets still open once ``done`` accepts them, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [s for i, s in enumerate(socks) if _still_open(s, i % 2 == 0)]
        if done(alive) or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _served_again(base: str, seconds: float = 30.0) -> bool:
    """The address is served again once the server has closed its slow connections."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(httpx.HTTPError), httpx.Client(base_url=base, timeout=5) as c:
            if c.get("/api/v1/channels").status_code == 200:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _largest_valid_frame() -> str:
    """Every field at its longest, in 4-byte characters: about 45 KB of UTF-8 (why the byte
    limit is 64 KiB, not 16 KB: the frame limit counts characters)."""
    e = "\U0001f600"
    frame = {
        "type": "send",
        "text": e * 10_000,
        "idempotency_key": e * 128,
        "device_fingerprint": e * 512,
        "network_fingerprint": e * 512,
    }
    text = json.dumps(frame, ensure_ascii=False)
    assert len(text) <= MAX_FRAME_BYTES < len(text.encode()) < 65_536
    return text


# -- attack 1: oversized frames -----------------------------------------------------------------


def test_server_closes_an_oversized_frame_before_the_app(guarded: Callable[..., Any]) -> None:
    server = guarded()
    assert server.server.config.ws_max_size == 65_536
    with _chat(server.ws) as ws:
        json.loads(ws.recv(timeout=5))  # welcome
        ws.send(_largest_valid_frame())  # the largest valid frame passes (anonymous: refused)
        answer = json.loads(ws.recv(timeout=5))
        assert answer["code"] == "unauthorized", answer
        ws.send("x" * (1024 * 1024))
        assert _closed_with(ws) == CLOSE_TOO_LARGE


def test_app_closes_an_oversized_frame_under_any_server(world: World) -> None:
    """The harness runs uvicorn with its 16 MiB default: the app enforces the limit itself."""
    alice = world["alice"]
    chat = alice.chat("main")
    assert alice.say(chat, "y" * 500)["type"] == "sent"  # valid frames still pass
    chat.send("x" * (world.services.config.ws_max_message_bytes + 1))
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(20):
            chat.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_TOO_LARGE
    # the EventSub socket too
    headers = {"Cookie": f"cw_session={alice.session}"}
    with connect(f"{world.ws_base}/api/v1/eventsub/ws", additional_headers=headers) as ws:
        json.loads(ws.recv(timeout=5))
        ws.send("x" * (world.services.config.ws_max_message_bytes + 1))
        assert _closed_with(ws) == CLOSE_TOO_LARGE


# -- attack 2: socket floods --------------------------------------------------------------------


def test_anonymous_sockets_per_address_are_capped(world: World) -> None:
    cap = world.services.config.ws_anonymous_per_ip
    assert cap == 20
    with contextlib.ExitStack() as stack:
        anonymous = [stack.enter_context(_chat(world.ws_base)) for _ in range(cap)]
        for ws in anonymous:
            assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
        with _chat(world.ws_base) as refused:
            assert json.loads(refused.recv(timeout=5))["code"] == "too_many_connections"
            assert _closed_with(refused) == CLOSE_TOO_MANY
        world["alice"].chat("main")  # a logged-in user from the same address still gets in
        anonymous.pop().close()
        assert _welcomed_again(world.ws_base)  # a closed socket frees its place


def test_all_sockets_per_address_are_capped(guarded: Callable[..., Any]) -> None:
    server = guarded(ws_per_ip=3, ws_anonymous_per_ip=1)
    cookie = {"Cookie": f"cw_session={server.session('alice')}"}
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(_chat(server.ws))
        assert json.loads(first.recv(timeout=5))["type"] == "welcome"
        with _chat(server.ws) as refused:  # a second anonymous one
            assert _closed_with(refused) == CLOSE_TOO_MANY
        for _ in range(2):
            ws = stack.enter_context(_chat(server.ws, cookie))
            assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
        with _chat(server.ws, cookie) as refused:  # a fourth socket
            assert _closed_with(refused) == CLOSE_TOO_MANY
        headers = {"Cookie": cookie["Cookie"]}
        with connect(f"{server.ws}/api/v1/eventsub/ws", additional_headers=headers) as events:
            assert _closed_with(events) == CLOSE_TOO_MANY


# -- attack 3: slow-loris -----------------------------------------------------------------------


def _slow_connections(port: int, count: int) -> list[socket.socket]:
    socks = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if i % 2 == 0:  # half start a request and trickle it; half send nothing at all
            s.sendall(b"GET /api/v1/channels HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
    return socks


def _still_open(s: socket.socket, trickle: bool) -> bool:
    try:
        if s.recv(4096) == b"":
            return False
    except BlockingIOError:
        pass
    except OSError:
        return False
    if trickle:
        try:
            s.send(b"X")  # one more header byte
        except BlockingIOError:
            pass
        except OSError:
            return False
    return True


def test_slow_loris_connections_are_closed_and_others_still_served(
    guarded: Callable[..., Any],
) -> None:
    server = guarded()  # the defaults: 10 s to send headers, 256 connections per address
    timeout = server.services.config.http_header_timeout_seconds
    cap = server.services.config.http_connections_per_ip
    assert timeout <= 10 and cap <= 256
    started = time.monotonic()
    socks = _slow_connections(server.port, 300)
    try:
        # the connections over the cap are closed at once: wait until the server has done so
        # (well before the header timeout), however slow the machine
        alive = _open_after(socks, lambda alive: len(alive) <= cap, seconds=timeout / 2)
        assert len(alive) <= cap, f"{len(alive)} connections held from one address"
        # a client at another address is served at once, during the attack
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=server.base, transport=transport, timeout=5) as other:
            t0 = time.monotonic()
            assert other.get("/api/v1/channels").status_code == 200
            assert time.monotonic() - t0 < 1.0
        while alive and time.monotonic() - started < timeout + 5:
            time.sleep(0.5)
            alive = [s for s in alive if _still_open(s, socks.index(s) % 2 == 0)]
        held_s = time.monotonic() - started
        assert not alive, f"{len(alive)} slow connections still open after {held_s:.0f} s"
        assert held_s < 60
    finally:
        for s in socks:
            s.close()
    # the attack's places are free again: the same address is served
    assert _served_again(server.base)


def test_header_timeout_spares_websockets_and_keep_alive(guarded: Callable[..., Any]) -> None:
    server = guarded(http_header_timeout_seconds=1.0, http_connections_per_ip=4)
    with _chat(server.ws) as ws:
        json.loads(ws.recv(timeout=5))
        time.sleep(1.5)  # past the header timeout: a WebSocket is past its headers
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5))["type"] == "pong"
    with httpx.Client(base_url=server.base, timeout=5) as http:  # one kept-alive connection
        for _ in range(3):
            assert http.get("/api/v1/channels").status_code == 200
            time.sleep(0.4)
    for _ in range(8):  # upgraded connections give their place back when they close
        with _chat(server.ws) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
