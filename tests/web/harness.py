"""Test harness: a live server per test (uvicorn on 127.0.0.1 in a thread) and its people.

Everything goes over real HTTP (httpx) and real WebSockets (``websockets``' sync client);
nothing is mocked. Time is a ``FakeClock`` shared with the server, so tests can jump ahead
(session expiry, timeouts). ``database_url`` (tests/conftest.py) runs each test on SQLite and
again on PostgreSQL when it is reachable.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.sync.client import ClientConnection, connect

from chatwarden.clock import FakeClock
from chatwarden.config import ServiceConfig
from chatwarden.services import Services, build_services
from chatwarden.web import WebSettings, create_app

PASSWORD = "correct horse battery"
#: the test servers' connector key (connections' credentials are stored encrypted with it)
CONNECTOR_KEY = "L8hYVBv5OuMak2gFtLhEQ7z4SJqTU9_16EvtN4HLMRE="

#: Idle connections are dropped after 1 s, well before the server closes them (uvicorn: 5 s),
#: so a request never goes out on a connection the server is closing at that moment.
KEEPALIVE = httpx.Limits(keepalive_expiry=1.0)


class LiveServer:
    """uvicorn serving ``app`` on a free 127.0.0.1 port in a background thread."""

    def __init__(self, app: Any, **options: Any) -> None:
        """``options``: uvicorn settings, e.g. ``chatwarden.web.runtime.uvicorn_options()``."""
        options = {"ws": "websockets-sansio", "port": 0, **options}  # port: 0 picks a free one
        config = uvicorn.Config(app, host="127.0.0.1", log_level="warning", **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        sock = self.server.servers[0].sockets[0]
        self.port = int(sock.getsockname()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Chat:
    """One WebSocket connection with helpers that unwrap ``batch`` frames."""

    ws: ClientConnection
    pending: list[dict[str, Any]] = field(default_factory=list)
    #: frames skipped by ``expect`` (kept in order for later ``expect`` calls)
    backlog: list[dict[str, Any]] = field(default_factory=list)

    def send(self, frame: dict[str, Any] | str) -> None:
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        if not self.pending:
            data = json.loads(self.ws.recv(timeout=timeout))
            self.pending = data["frames"] if data.get("type") == "batch" else [data]
        return self.pending.pop(0)

    def expect(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first frame matching ``pred``; others are kept for later. Fails after ``timeout``."""
        for i, frame in enumerate(self.backlog):
            if pred(frame):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        seen = self.backlog
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching frame within {timeout} s; saw {seen}")
            try:
                frame = self.recv(timeout=left)
            except TimeoutError:
                continue
            if pred(frame):
                return frame
            seen.append(frame)

    def expect_type(self, frame_type: str, timeout: float = 5.0, **fields: Any) -> dict[str, Any]:
        return self.expect(
            lambda f: f.get("type") == frame_type and all(f.get(k) == v for k, v in fields.items()),
            timeout,
        )

    def quiet(self, pred: Callable[[dict[str, Any]], bool], wait: float = 0.3) -> None:
        """Assert that no frame matching ``pred`` arrives within ``wait`` seconds."""
        assert not any(pred(f) for f in self.backlog), self.backlog
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = self.recv(timeout=left)
            except TimeoutError:
                return
            assert not pred(frame), f"unexpected frame {frame}"
            self.backlog.append(frame)

    def close(self) -> None:
        self.ws.close()


@dataclass
class Person:
    """A registered user with a logged-in HTTP client (cookies + CSRF header)."""

    username: str
    http: httpx.Client
    ws_base: str
    sockets: contextlib.ExitStack
    csrf: str = ""

    @property
    def session(self) -> str:
        return str(self.http.cookies.get("cw_session"))

    def login(self) -> httpx.Response:
        r = self.http.post(
            "/api/v1/sessions", json={"username": self.username, "password": PASSWORD}
        )
        assert r.status_code == 201, r.text
        self.csrf = r.json()["csrf_token"]
        self.http.headers["X-CSRF-Token"] = self.csrf
        return r

    def chat(self, channel: str, *, welcome: bool = True) -> Chat:
        conn = connect(
            f"{self.ws_base}/api/v1/channels/{channel}/chat/ws",
            additional_headers={"Cookie": f"cw_session={self.session}"},
            open_timeout=5,
        )
        chat = Chat(self.sockets.enter_context(conn))
        if welcome:
            chat.expect_type("welcome")
        return chat

    def say(self, chat: Chat, text: str, key: str | None = None) -> dict[str, Any]:
        """Send and return the server's answer to this frame (sent/held/blocked/...)."""
        key = key or uuid.uuid4().hex
        chat.send({"type": "send", "text": text, "idempotency_key": key})
        return chat.expect(lambda f: f.get("idempotency_key") == key and f.get("type") != "message")


@dataclass
class World:
    """A running server, its services and the people in it.

    Channel ``main`` is owned by ``owner``; ``lead`` is its lead moderator, ``mod`` a moderator,
    ``vip`` a VIP; ``alice`` follows it; ``mallory`` is the abuser. ``other`` owns channel
    ``other`` where none of the others has a role.
    """

    base_url: str
    ws_base: str
    services: Services
    clock: FakeClock
    people: dict[str, Person]

    def __getitem__(self, name: str) -> Person:
        return self.people[name]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10, limits=KEEPALIVE)


def abusive_text() -> str:
    return "you are a worthless idiot and everyone hates you"


def make_config(database_url: str, **overrides: Any) -> ServiceConfig:
    values: dict[str, Any] = {
        "database_url": database_url,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "secret_key": "test-secret-key-" + "x" * 32,
        "review_expiry_seconds": 600,
        "connector_keys": CONNECTOR_KEY,
    }
    values.update(overrides)
    return ServiceConfig(**values)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    clock = FakeClock()
    services = build_services(make_config(database_url), clock=clock)
    app = create_app(services, WebSettings(tick_interval_s=0.2))
    with LiveServer(app) as live, contextlib.ExitStack() as sockets:
        base = f"http://127.0.0.1:{live.port}"
        ws_base = f"ws://127.0.0.1:{live.port}"
        people: dict[str, Person] = {}
        for name in ("owner", "lead", "mod", "vip", "alice", "mallory", "other"):
            http = httpx.Client(base_url=base, timeout=10, limits=KEEPALIVE)
            r = http.post("/api/v1/accounts", json={"username": name, "password": PASSWORD})
            assert r.status_code == 201, r.text
            person = Person(name, http, ws_base, sockets)
            person.login()
            people[name] = person
        w = World(base, ws_base, services, clock, people)
        assert w["owner"].http.post("/api/v1/channels", json={"name": "main"}).status_code == 201
        assert w["other"].http.post("/api/v1/channels", json={"name": "other"}).status_code == 201
        for name, role in (("lead", "lead_moderator"), ("mod", "moderator"), ("vip", "vip")):
            r = w["owner"].http.put(f"/api/v1/channels/main/roles/{name}", json={"role": role})
            assert r.status_code == 200, r.text
        assert w["alice"].http.put("/api/v1/channels/main/follow").status_code == 200
        try:
            yield w
        finally:
            for person in people.values():
                person.http.close()
    services.close()
