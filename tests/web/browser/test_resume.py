"""The chat page and Mod View resume after their gateway restarts (scale-out, docs/scaling.md).

A real deployment in small: gateway A (the pages' server, uvicorn on a fixed port), gateway B
(where ``bob`` sends while A is down) and a worker, over the real Redis and PostgreSQL. A is
stopped (uvicorn closes the pages' sockets) and started again on the same port as a new node;
the pages reconnect with the last ``seq`` they applied and show what was sent meanwhile
exactly once, keeping what they showed (a line marked before the drop is the same element).
When the server cannot resume (the channel's events stream is gone), the pages reload their
state from the API: everything once, freshly rendered.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import redis
from playwright.sync_api import expect

from chatwarden.clock import FakeClock
from chatwarden.config import ServiceConfig
from chatwarden.scaleout import Node, build_node, gateway_ingest, worker_of
from chatwarden.web import WebSettings, create_app
from tests.conftest import empty_postgres_schema
from tests.redis_support import REDIS_URL, redis_namespace
from tests.web.browser.support import Site, needs_browser
from tests.web.harness import LiveServer, make_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = needs_browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gateway:
    """A gateway node served by uvicorn on one port, stopped and started again at will."""

    def __init__(self, config: ServiceConfig, port: int) -> None:
        self.config = config
        self.port = port
        self.node: Node | None = None
        self.server: LiveServer | None = None

    def start(self) -> None:
        self.node = build_node(self.config)
        app = create_app(
            self.node.services,
            WebSettings(cookie_secure=True, tick_interval_s=0.2),
            ingest=gateway_ingest(self.node),
        )
        self.server = LiveServer(app, port=self.port).__enter__()

    def stop(self) -> None:
        if self.server is not None:
            self.server.__exit__(None, None, None)
            self.server = None
        if self.node is not None:
            self.node.close()
            self.node = None


@dataclass
class Deployment:
    a: Gateway
    b_url: str
    site: Site  # people logged in through gateway A
    redis: redis.Redis
    prefix: str
    channel_id: int
    pages: list[Any] = field(default_factory=list)

    def send(self, who: str, text: str) -> None:
        """``who`` sends ``text`` through gateway B; it is delivered."""
        person = self.site[who]
        with httpx.Client(base_url=self.b_url, timeout=15) as http:
            http.headers["Cookie"] = f"cw_session={person.session}; cw_csrf={person.csrf}"
            http.headers["X-CSRF-Token"] = person.csrf
            r = http.post(
                "/api/v1/channels/main/messages",
                json={"text": text, "idempotency_key": uuid.uuid4().hex},
            )
        assert r.status_code in (200, 201) and r.json()["status"] == "delivered", r.text


@pytest.fixture
def deployment() -> Iterator[Deployment]:
    with (
        redis_namespace() as (client, prefix),
        empty_postgres_schema("cw_browser_resume") as pg,
        contextlib.ExitStack() as stack,
    ):
        config = make_config(pg, bus={"url": REDIS_URL, "key_prefix": prefix, "shards": 1})
        worker_node = build_node(config)
        stack.callback(worker_node.close)
        stop = threading.Event()

        def work() -> None:
            worker = worker_of(worker_node, "w")
            worker.block_ms = 20
            while not stop.is_set():
                worker.run_once()

        thread = threading.Thread(target=work)
        thread.start()
        stack.callback(thread.join)
        stack.callback(stop.set)
        b_node = build_node(config)
        stack.callback(b_node.close)
        b_app = create_app(
            b_node.services,
            WebSettings(cookie_secure=True, tick_interval_s=0.2),
            ingest=gateway_ingest(b_node),
        )
        b = stack.enter_context(LiveServer(b_app))
        a = Gateway(config, _free_port())
        a.start()
        stack.callback(a.stop)
        assert a.node is not None
        site = Site(f"http://127.0.0.1:{a.port}", a.node.services, FakeClock())
        stack.callback(site.close)
        for name in ("owner", "alice", "bob"):
            site.add_person(name)
        r = site["owner"].http.post("/api/v1/channels", json={"name": "main"})
        assert r.status_code == 201, r.text
        yield Deployment(a, f"http://127.0.0.1:{b.port}", site, client, prefix, r.json()["id"])


def _open(browser: Browser, d: Deployment, who: str, path: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=d.site.base_url)
    context.add_cookies(d.site[who].cookies_for(d.site.base_url))  # type: ignore[arg-type]
    d.pages.append(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(path)
    page.wait_for_selector("body[data-ready]", state="attached", timeout=20_000)
    return page


@pytest.fixture
def pages(browser: Browser, deployment: Deployment) -> Iterator[tuple[Page, Page]]:
    """alice's chat page and the owner's Mod View, both connected to gateway A."""
    viewer = _open(browser, deployment, "alice", "/c/main")
    mod = _open(browser, deployment, "owner", "/mod/main")
    yield viewer, mod
    for context in deployment.pages:
        context.close()


def _lines(page: Page, text: str) -> Locator:
    if page.url.endswith("/c/main"):
        return page.get_by_test_id("chat-log").locator(".chat-line", has_text=text)
    return page.get_by_test_id("mod-chat-line").filter(has_text=text)


def _live(page: Page) -> None:
    if page.url.endswith("/c/main"):
        expect(page.get_by_test_id("connection")).to_have_text("", timeout=30_000)
        expect(page.get_by_test_id("chat-send")).to_be_enabled(timeout=30_000)
    else:
        expect(page.get_by_test_id("connection")).to_have_attribute(
            "data-state", "open", timeout=30_000
        )


def _offline(page: Page) -> None:
    if page.url.endswith("/c/main"):
        expect(page.get_by_test_id("chat-send")).to_be_disabled()
    else:
        expect(page.get_by_test_id("connection")).not_to_have_attribute("data-state", "open")


def _drop_and_send(d: Deployment, viewer: Page, mod: Page, texts: list[str]) -> None:
    """Stop gateway A (its sockets close), send ``texts`` through B, start A again."""
    d.a.stop()
    for page in (viewer, mod):
        _offline(page)
    for text in texts:
        d.send("bob", text)


def test_the_pages_resume_after_their_gateway_restarts_with_each_missed_message_once(
    deployment: Deployment, pages: tuple[Page, Page]
) -> None:
    d = deployment
    viewer, mod = pages
    d.send("bob", "before the drop")
    for page in (viewer, mod):
        expect(_lines(page, "before the drop")).to_have_count(1)
        _lines(page, "before the drop").evaluate("n => n.setAttribute('data-kept', 'yes')")
    missed = [f"while the gateway was down {n}" for n in range(3)]
    _drop_and_send(d, viewer, mod, missed)
    d.a.start()
    for page in (viewer, mod):
        _live(page)
        for text in missed:
            expect(_lines(page, text)).to_have_count(1, timeout=20_000)
        # resumed, not reloaded: the line shown before the drop is the same element
        expect(_lines(page, "before the drop")).to_have_count(1)
        expect(_lines(page, "before the drop")).to_have_attribute("data-kept", "yes")
    d.send("bob", "live again")
    for page in (viewer, mod):
        expect(_lines(page, "live again")).to_have_count(1)
    time.sleep(1.0)  # anything late (a replay twice) would show by now
    for page in (viewer, mod):
        for text in ["before the drop", *missed, "live again"]:
            expect(_lines(page, text)).to_have_count(1)
        texts = page.locator(
            "[data-testid=chat-log] .chat-line .text, [data-testid=mod-chat-line] .text"
        ).all_inner_texts()
        assert texts[-5:] == ["before the drop", *missed, "live again"], texts


def test_the_pages_reload_when_the_server_cannot_resume(
    deployment: Deployment, pages: tuple[Page, Page]
) -> None:
    d = deployment
    viewer, mod = pages
    d.send("bob", "before the drop")
    for page in (viewer, mod):
        expect(_lines(page, "before the drop")).to_have_count(1)
        _lines(page, "before the drop").evaluate("n => n.setAttribute('data-kept', 'yes')")
    missed = [f"missed and expired {n}" for n in range(2)]
    _drop_and_send(d, viewer, mod, missed)
    # the channel's events stream is gone (expired): the pages' seq cannot be resumed
    assert d.redis.delete(f"{d.prefix}ev:{d.channel_id}") == 1
    d.a.start()
    for page in (viewer, mod):
        _live(page)
        for text in ["before the drop", *missed]:
            expect(_lines(page, text)).to_have_count(1, timeout=20_000)
        # reloaded from the server: the old line was replaced by a fresh one
        expect(_lines(page, "before the drop")).not_to_have_attribute("data-kept", "yes")
