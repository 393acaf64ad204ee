"""Two gateways and two workers over the real Redis and PostgreSQL, each gateway a real uvicorn
server: events reach the clients of every gateway exactly once (counted), a moderator's allow
on one gateway releases a held message to the viewers of the other, a client that reconnects
to the other gateway with its last ``seq`` gets exactly what it missed, and a raid spread over
both gateways is detected once (detection runs in the worker that owns the channel's shard);
an EventSub client of a gateway that stops gracefully gets ``session_reconnect`` and resumes on
another gateway without loss."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chatwarden.bus import seq_key
from chatwarden.bus.redis import RedisBus
from chatwarden.config import ServiceConfig
from chatwarden.scaleout import Node, build_node, gateway_ingest, worker_of
from chatwarden.service import events
from chatwarden.service.types import Actor
from chatwarden.web import create_app
from chatwarden.web.runtime import uvicorn_options
from tests.conftest import empty_postgres_schema
from tests.redis_support import REDIS_URL, redis_namespace
from tests.web.harness import PASSWORD, Chat, LiveServer, Person, abusive_text

RAIDERS = 12
RAID_TEXT = "this channel is trash, leave now losers"


@dataclass
class Deployment:
    """Gateways ``a`` and ``b`` (their base URLs and buses), a worker's node, people logged
    in."""

    urls: dict[str, str]
    worker: Node
    people: dict[str, Person]
    stack: contextlib.ExitStack
    buses: dict[str, RedisBus] = field(default_factory=dict)
    config: ServiceConfig | None = None

    def gateway(self) -> tuple[LiveServer, str]:
        """One more gateway, served as ``chatwarden serve`` serves it (``uvicorn_options``:
        the guarded protocols, whose WebSockets drain on a graceful stop); its URL."""
        assert self.config is not None
        node = build_node(self.config)
        self.stack.callback(node.close)
        app = create_app(node.services, ingest=gateway_ingest(node))
        options = {**uvicorn_options(self.config), "loop": "asyncio"}  # uvloop: own process
        server = self.stack.enter_context(LiveServer(app, **options))
        return server, f"http://127.0.0.1:{server.port}"

    def chat(
        self,
        who: str,
        gateway: str,
        *,
        since: str | None = None,
        header: bool = False,
        channel: str = "main",
        notices_since: str | None = None,
    ) -> tuple[Chat, dict[str, Any]]:
        """``who``'s chat socket in ``channel`` on ``gateway`` and its welcome frame."""
        base = self.urls[gateway].replace("http://", "ws://")
        url = f"{base}/api/v1/channels/{channel}/chat/ws"
        headers = {"Cookie": f"cw_session={self.people[who].session}"}
        if since is not None and header:
            headers["Last-Event-ID"] = since
        elif since is not None:
            url += f"?since={since}"
        if notices_since is not None:
            url += ("&" if "?" in url else "?") + f"notices_since={notices_since}"
        conn = connect(url, additional_headers=headers, open_timeout=5)
        chat = Chat(self.stack.enter_context(conn))
        return chat, chat.expect_type("welcome")

    def http(self, who: str, gateway: str) -> httpx.Client:
        """``who``'s logged-in HTTP client on ``gateway`` (sessions live in the database)."""
        person = self.people[who]
        client = self.stack.enter_context(httpx.Client(base_url=self.urls[gateway], timeout=10))
        for cookie in person.http.cookies.jar:  # the session and its CSRF cookie
            client.cookies.set(cookie.name, cookie.value or "")
        client.headers["X-CSRF-Token"] = person.csrf
        return client


@pytest.fixture
def deployment() -> Iterator[Deployment]:
    with (
        redis_namespace() as (client, prefix),
        empty_postgres_schema("cw_web_events") as pg,
        contextlib.ExitStack() as stack,
    ):
        config = ServiceConfig.model_validate(
            {
                "database_url": pg,
                "argon2_time_cost": 1,
                "argon2_memory_kib": 64,
                "secret_key": "test-secret-key-" + "x" * 32,
                "bus": {"url": REDIS_URL, "key_prefix": prefix, "shards": 2},
            }
        )
        nodes = {name: build_node(config) for name in ("a", "b", "w1", "w2")}
        for node in nodes.values():
            stack.callback(node.close)
        accounts = nodes["a"].services.accounts
        owner = accounts.register("owner", PASSWORD)
        nodes["a"].services.channels.create_channel(Actor(owner.id, owner.username), "main")
        names = ["alice", "bob", "carol"] + [f"raider{n}" for n in range(RAIDERS)]
        for name in names:
            accounts.register(name, PASSWORD)
        stop = threading.Event()

        def work(name: str) -> None:
            worker = worker_of(nodes[name], name)
            worker.block_ms = 20
            while not stop.is_set():
                worker.run_once()

        for name in ("w1", "w2"):  # each leases its share of the shards
            thread = threading.Thread(target=work, args=(name,))
            thread.start()
            stack.callback(thread.join)
        stack.callback(stop.set)
        # one shard each before any test traffic (so each test's channel keeps one owner)
        deadline = time.monotonic() + 20
        while {client.get(f"{prefix}lease:{shard}") for shard in (0, 1)} != {b"w1", b"w2"}:
            assert time.monotonic() < deadline, "the workers did not balance their shards"
            time.sleep(0.1)
        urls = {}
        for name in ("a", "b"):
            app = create_app(nodes[name].services, ingest=gateway_ingest(nodes[name]))
            server = stack.enter_context(LiveServer(app))
            urls[name] = f"http://127.0.0.1:{server.port}"
        people = {}
        for name in ["owner", *names]:
            http = stack.enter_context(httpx.Client(base_url=urls["a"], timeout=10))
            people[name] = Person(name, http, urls["a"].replace("http", "ws"), stack)
            people[name].login()
        buses = {name: nodes[name].bus for name in ("a", "b")}
        yield Deployment(urls, nodes["w1"], people, stack, buses, config)


def drain(chat: Chat, wait: float = 1.0) -> list[dict[str, Any]]:
    """Every frame (its backlog first) until ``wait`` seconds pass without one."""
    frames, chat.backlog = list(chat.backlog), []
    while True:
        try:
            frames.append(chat.recv(timeout=wait))
        except TimeoutError:
            return frames


def messages(frames: list[dict[str, Any]]) -> Counter[str]:
    return Counter(f["message_id"] for f in frames if f.get("type") == "message")


def say(chat: Chat, text: str) -> dict[str, Any]:
    key = uuid.uuid4().hex
    chat.send({"type": "send", "text": text, "idempotency_key": key})
    return chat.expect(lambda f: f.get("idempotency_key") == key and f.get("type") != "message")


def test_sends_and_a_moderators_allow_reach_every_gateways_clients_once(
    deployment: Deployment,
) -> None:
    d = deployment
    mod_a, _ = d.chat("owner", "a")
    bob_a, _ = d.chat("bob", "a")
    carol_b, _ = d.chat("carol", "b")
    alice_b, _ = d.chat("alice", "b")
    hello = say(alice_b, "hello across the gateways")
    assert hello["status"] == "delivered"
    held = say(alice_b, abusive_text())
    assert held["type"] == "held"
    queued = mod_a.expect(
        lambda f: f.get("type") == "queue" and f["event"]["message_id"] == held["message_id"],
        timeout=10,
    )
    assert queued["event_type"] == "automod.message.hold" and "seq" in queued
    owner_a = d.http("owner", "a")
    items = owner_a.get("/api/v1/channels/main/queue").json()
    item = next(i["id"] for i in items if i["message"]["id"] == held["message_id"])
    r = owner_a.post(f"/api/v1/queue/{item}", json={"action": "allow"})
    assert r.status_code == 200, r.text
    for chat in (bob_a, carol_b, alice_b, mod_a):
        frames = drain(chat, wait=2.0)
        counted = messages(frames)
        assert counted == {hello["message_id"]: 1, held["message_id"]: 1}, frames
        seqs = [f["seq"] for f in frames if f.get("type") == "message"]
        assert len(set(seqs)) == 2 and all(isinstance(s, str) and "-" in s for s in seqs)


def test_a_client_resumes_on_the_other_gateway_with_exactly_what_it_missed(
    deployment: Deployment,
) -> None:
    d = deployment
    alice_a, _ = d.chat("alice", "a")
    bob_b, _ = d.chat("bob", "b")
    first = say(alice_a, "before the drop")
    seen = bob_b.expect_type("message", timeout=10, message_id=first["message_id"])
    bob_b.close()
    missed = [say(alice_a, f"while bob was away {n}")["message_id"] for n in range(3)]
    # back, on the other gateway, with the last seq it saw
    bob_a, welcome = d.chat("bob", "a", since=seen["seq"])
    assert welcome["resumed"] is True and welcome["recent"] == []
    got = [bob_a.expect_type("message", timeout=10)["message_id"] for _ in missed]
    assert got == missed
    live = say(alice_a, "and now live")["message_id"]
    frames = drain(bob_a)
    assert messages(frames) == {live: 1}, frames  # nothing replayed twice, nothing older
    last = next(f for f in frames if f.get("message_id") == live)
    bob_a.close()
    # again, to gateway B with the header
    later = say(alice_a, "one more while away")["message_id"]
    bob_b2, welcome = d.chat("bob", "b", since=last["seq"], header=True)
    assert welcome["resumed"] is True
    assert messages(drain(bob_b2)) == {later: 1}
    # a seq the stream does not hold: no resume, the usual recent messages and a fresh cursor
    _, stale = d.chat("bob", "a", since="1-0")
    assert stale["resumed"] is False and seq_key(stale["seq"]) > seq_key(last["seq"])
    assert {m["id"] for m in stale["recent"]} >= {first["message_id"], *missed, live, later}


def test_a_fresh_welcome_is_a_cursor_and_a_moderator_resumes_holds_too(
    deployment: Deployment,
) -> None:
    """A socket that heard no event yet resumes from its welcome's ``seq``; a moderator's
    replay includes the moderators' events (the hold), each once."""
    d = deployment
    alice_a, _ = d.chat("alice", "a")
    say(alice_a, "so the stream has an event")
    mod_a, welcome = d.chat("owner", "a")
    assert "resumed" not in welcome and isinstance(welcome["seq"], str)
    mod_a.close()
    fine = say(alice_a, "said while the moderator was away")["message_id"]
    held = say(alice_a, abusive_text())
    assert held["type"] == "held"
    mod_b, back = d.chat("owner", "b", since=welcome["seq"])
    assert back["resumed"] is True and back["seq"] == welcome["seq"]
    frames = drain(mod_b)
    assert messages(frames) == {fine: 1}, frames
    holds = [f for f in frames if f.get("event_type") == "automod.message.hold"]
    assert [f["event"]["message_id"] for f in holds] == [held["message_id"]]


def test_a_raid_spread_over_both_gateways_is_detected_once(deployment: Deployment) -> None:
    d = deployment
    mods = {gateway: d.chat("owner", gateway)[0] for gateway in ("a", "b")}
    raiders = [d.chat(f"raider{n}", "ab"[n % 2])[0] for n in range(RAIDERS)]
    keys = []
    for chat in raiders:
        keys.append(uuid.uuid4().hex)
        chat.send({"type": "send", "text": RAID_TEXT, "idempotency_key": keys[-1]})
    for chat, key in zip(raiders, keys, strict=True):
        chat.expect(lambda f, k=key: f.get("idempotency_key") == k, timeout=15)
    deadline = time.monotonic() + 10
    owner = d.worker.services.accounts.authenticate(d.people["owner"].session)
    while True:
        entries = d.worker.services.modlog.list_entries(
            owner, _channel_id(d), action="detection.raid_alert"
        )
        if entries or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(entries) == 1
    for chat in mods.values():
        alerts = [f for f in drain(chat) if f.get("event_type") == "channel.raid_alert"]
        assert len(alerts) == 1, alerts


def _channel_id(d: Deployment) -> int:
    return d.worker.services.channels.get_channel_by_name("main").id


def test_eventsub_notifications_carry_their_seq(deployment: Deployment) -> None:
    """The EventSub socket on one gateway hears a message sent on the other, with
    ``metadata.message_seq`` beside the event's own ``message_id``."""
    d = deployment
    url = d.urls["a"].replace("http://", "ws://") + "/api/v1/eventsub/ws"
    cookie = {"Cookie": f"cw_session={d.people['carol'].session}"}
    with connect(url, additional_headers=cookie, open_timeout=5) as es:
        assert json.loads(es.recv(timeout=5))["metadata"]["message_type"] == "session_welcome"
        subscribe = {"type": "subscribe", "channel": "main", "types": ["channel.chat.message"]}
        es.send(json.dumps(subscribe))
        time.sleep(0.3)  # subscribed before the message is sent
        alice_b, _ = d.chat("alice", "b")
        sent = say(alice_b, "heard by an integration")
        deadline = time.monotonic() + 10
        while True:
            frame = json.loads(es.recv(timeout=max(0.1, deadline - time.monotonic())))
            if frame["metadata"]["message_type"] == "notification":
                break
    assert frame["payload"]["event"]["message_id"] == sent["message_id"]
    assert seq_key(frame["metadata"]["message_seq"]) > (0, 0)
    assert frame["metadata"]["message_id"] != frame["metadata"]["message_seq"]


def test_a_gateway_hears_only_the_channels_its_clients_watch(deployment: Deployment) -> None:
    """Events are routed by channel: gateway A, with clients in ``main`` only, hears none of
    ``side``'s events (counted by its listener) while gateway B's viewer there gets each
    once; B stops hearing ``side`` when that viewer leaves; a client that is the first of
    its channel on a gateway gets everything sent after its welcome, once."""
    d = deployment
    owner_a = d.http("owner", "a")
    r = owner_a.post("/api/v1/channels", json={"name": "side"})
    assert r.status_code == 201, r.text
    side_id, main_id = r.json()["id"], _channel_id(d)
    side, main = d.buses["a"].route(side_id), d.buses["a"].route(main_id)
    alice_a, _ = d.chat("alice", "a")
    bob_a, _ = d.chat("bob", "a")
    carol_b, _ = d.chat("carol", "b", channel="side")  # B's first (and only) client of side
    sent = [say(carol_b, f"only side hears this {n}")["message_id"] for n in range(5)]
    hello = say(alice_a, "and main this")["message_id"]
    assert messages(drain(carol_b)) == dict.fromkeys(sent, 1)
    assert messages(drain(bob_a)) == {hello: 1}
    a, b = d.buses["a"], d.buses["b"]
    assert a.heard[side] == 0 and a.heard[main] >= 1  # A's listener works, side never came
    assert b.heard[side] >= 5
    assert a.routed() == {main_id} and b.routed() == {side_id}
    carol_b.close()  # the last client of side on B: B unsubscribes
    deadline = time.monotonic() + 5
    while side in {n.decode() for n, count in d.worker.client.pubsub_numsub(side) if count}:
        assert time.monotonic() < deadline, "B still subscribed to side"
        time.sleep(0.05)
    before = b.heard[side]
    r = d.http("carol", "b").post(
        "/api/v1/channels/side/messages", json={"text": "nobody watching", "idempotency_key": "k1"}
    )
    assert r.json()["status"] == "delivered", r.text
    time.sleep(0.5)
    assert b.heard[side] == before and a.heard[side] == 0 and b.routed() == set()
    # the first client of side on A: subscribed before its welcome's cursor, so the next
    # message arrives live, once
    bob_side, welcome = d.chat("bob", "a", channel="side")
    assert isinstance(welcome["seq"], str)
    later = say(bob_side, "now A watches side")["message_id"]
    assert messages(drain(bob_side)) == {later: 1}
    assert a.heard[side] >= 1


class EventSub:
    """An EventSub socket on one gateway (a name in ``d.urls``, or a base URL): its frames by
    ``metadata.message_type``."""

    def __init__(self, d: Deployment, who: str, gateway: str) -> None:
        base = d.urls.get(gateway, gateway)
        url = base.replace("http://", "ws://") + "/api/v1/eventsub/ws"
        cookie = {"Cookie": f"cw_session={d.people[who].session}"}
        self.ws = d.stack.enter_context(connect(url, additional_headers=cookie, open_timeout=5))
        assert self.next()["metadata"]["message_type"] == "session_welcome"

    def next(self, timeout: float = 10) -> dict[str, Any]:
        return dict(json.loads(self.ws.recv(timeout=timeout)))

    def subscribe(self, types: list[str], since: str | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "subscribe", "channel": "main", "types": types}
        if since is not None:
            frame["since"] = since
        self.ws.send(json.dumps(frame))
        reply = self.next()
        assert reply.get("metadata", {}).get("message_type") == "subscribed", reply
        return dict(reply["payload"])

    def notifications(self, wait: float = 1.5) -> list[dict[str, Any]]:
        """Every notification until ``wait`` seconds pass without a frame."""
        out = []
        while True:
            try:
                frame = self.next(timeout=wait)
            except TimeoutError:
                return out
            if frame["metadata"]["message_type"] == "notification":
                out.append(frame)


def test_an_eventsub_client_resumes_on_the_other_gateway_with_exactly_what_it_missed(
    deployment: Deployment,
) -> None:
    """``subscribed`` comes once Redis confirmed the routing (a message sent right after it
    arrives, with no wait); a client that subscribes again on the other gateway with the last
    ``message_seq`` it saw gets the missed events once, in order, then live ones once; a
    moderator's resume has the holds too; a stale ``since`` says ``resumed: false``."""
    d = deployment
    chat = ["channel.chat.message"]
    alice_b, _ = d.chat("alice", "b")
    carol = EventSub(d, "carol", "a")  # gateway A's first subscriber of main
    first = carol.subscribe(chat)
    assert "resumed" not in first and "seq" not in first  # nothing in main's stream yet
    hello = say(alice_b, "right after subscribed")["message_id"]
    (heard,) = carol.notifications()
    assert heard["payload"]["event"]["message_id"] == hello
    owner = EventSub(d, "owner", "a")
    cursor = owner.subscribe([*chat, "automod.message.hold"])["seq"]
    assert cursor == heard["metadata"]["message_seq"]
    carol.ws.close()
    owner.ws.close()
    missed = [say(alice_b, f"while carol was away {n}")["message_id"] for n in range(3)]
    held = say(alice_b, abusive_text())
    assert held["type"] == "held"
    back = EventSub(d, "carol", "b")
    resumed = back.subscribe(chat, since=heard["metadata"]["message_seq"])
    assert resumed["resumed"] is True and resumed["seq"] == heard["metadata"]["message_seq"]
    got = back.notifications()
    assert [f["payload"]["event"]["message_id"] for f in got] == missed
    seqs = [seq_key(f["metadata"]["message_seq"]) for f in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    live = say(alice_b, "and now live")["message_id"]
    assert [f["payload"]["event"]["message_id"] for f in back.notifications()] == [live]
    # the moderator, from the cursor its subscribed gave: the messages and the hold, once each
    mod = EventSub(d, "owner", "b")
    assert mod.subscribe([*chat, "automod.message.hold"], since=cursor)["resumed"] is True
    frames = mod.notifications()
    ids = Counter(f["metadata"]["message_id"] for f in frames)
    assert all(n == 1 for n in ids.values()), frames
    kinds = [
        (f["metadata"]["subscription_type"], f["payload"]["event"]["message_id"]) for f in frames
    ]
    assert kinds[:3] == [("channel.chat.message", m) for m in missed]
    assert ("automod.message.hold", held["message_id"]) in kinds
    assert ("channel.chat.message", live) in kinds
    # a seq the stream does not hold: not resumed, a fresh cursor, then live events only
    stale = EventSub(d, "carol", "a")
    fresh = stale.subscribe(chat, since="1-0")
    assert fresh["resumed"] is False and seq_key(fresh["seq"]) >= seq_key(
        heard["metadata"]["message_seq"]
    )
    assert stale.notifications(wait=0.5) == []
    later = say(alice_b, "after the stale resume")["message_id"]
    assert [f["payload"]["event"]["message_id"] for f in stale.notifications()] == [later]


def test_a_users_own_notices_are_resumed_for_that_user_only(deployment: Deployment) -> None:
    """A warning to alice, given on gateway B while alice and bob were away, reaches alice's
    resumed socket on B once (in order with the channel's messages) and nobody else's: not
    bob's resumed socket, not the moderator's EventSub resume; a notice given after the resume
    arrives live, once."""
    d = deployment
    alice_a, _ = d.chat("alice", "a")
    bob_a, _ = d.chat("bob", "a")
    carol_b, _ = d.chat("carol", "b")
    first = say(carol_b, "before the drop")["message_id"]
    cursors = {}
    for who, chat in (("alice", alice_a), ("bob", bob_a)):
        cursors[who] = chat.expect_type("message", timeout=10, message_id=first)["seq"]
        chat.close()
    owner_b = d.http("owner", "b")
    r = owner_b.post("/api/v1/channels/main/warnings/alice", json={"reason": "alice only"})
    assert r.is_success, r.text
    after = say(carol_b, "after the warning")["message_id"]
    alice_b, welcome = d.chat("alice", "b", since=cursors["alice"])
    assert welcome["resumed"] is True
    frames = drain(alice_b)
    kinds = [(f["type"], f.get("message_id") or f.get("kind")) for f in frames]
    assert kinds == [("notice", "warned"), ("message", after)], frames
    assert frames[0]["reason"] == "alice only" and "seq" in frames[0]
    bob_b, welcome = d.chat("bob", "b", since=cursors["bob"])
    assert welcome["resumed"] is True
    seen = drain(bob_b)
    assert [f["type"] for f in seen] == ["message"] and "alice only" not in json.dumps(seen)
    mod = EventSub(d, "owner", "a")
    types = ["channel.chat.message", "channel.warning.send"]
    assert mod.subscribe(types, since=cursors["alice"])["resumed"] is True
    assert "alice only" in json.dumps(mod.notifications())  # the moderators' own event only
    assert "notice" not in json.dumps([f["metadata"] for f in mod.notifications(0.3)])
    r = owner_b.post("/api/v1/channels/main/warnings/alice", json={"reason": "again, live"})
    assert r.is_success, r.text
    live = [f for f in drain(alice_b) if f["type"] == "notice"]
    assert [f["reason"] for f in live] == ["again, live"]
    assert not [f for f in drain(bob_b, wait=0.3) if f["type"] == "notice"]


def test_a_stopping_gateway_sends_session_reconnect_and_the_client_resumes_without_loss(
    deployment: Deployment,
) -> None:
    """Gateway C stops gracefully (uvicorn's shutdown, as on SIGTERM) while messages keep
    coming through gateway B: carol's EventSub socket on C gets what was queued, then
    ``session_reconnect`` (Twitch's shape, ``reconnect_url`` the URL she connected to, and a
    ``subscribe`` frame with ``since`` = the last ``message_seq`` she got) and a 1012 close;
    sending those frames to B (where a balancer would send her) gives every later message
    once: each message sent reaches her exactly once, in order."""
    d = deployment
    server, c_url = d.gateway()
    chat = ["channel.chat.message"]
    alice_b, _ = d.chat("alice", "b")
    say(alice_b, "so the channel's stream has a cursor")
    carol = EventSub(d, "carol", c_url)
    carol.subscribe(chat)
    sent: list[str] = []
    done = threading.Event()

    def send() -> None:
        for n in range(30):
            sent.append(say(alice_b, f"through the restart {n}")["message_id"])
            time.sleep(0.02)
        done.set()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        got: list[dict[str, Any]] = []
        while len(got) < 3:
            frame = carol.next()
            if frame["metadata"]["message_type"] == "notification":
                got.append(frame)
        stopper = threading.Thread(target=server.__exit__, args=(None, None, None))
        stopper.start()
        while True:
            frame = carol.next()
            kind = frame["metadata"]["message_type"]
            if kind == "session_reconnect":
                break
            assert kind in ("notification", "session_keepalive"), frame
            if kind == "notification":
                got.append(frame)
        with pytest.raises(ConnectionClosed) as closed:
            carol.next()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
        stopper.join(timeout=15)
        assert not stopper.is_alive(), "gateway C did not stop"
        session = frame["payload"]["session"]
        assert session["status"] == "reconnecting" and session["id"]
        assert session["reconnect_url"] == c_url.replace("http://", "ws://") + "/api/v1/eventsub/ws"
        (resume,) = frame["payload"]["resume"]
        assert resume == {
            "type": "subscribe",
            "channel": "main",
            "types": chat,
            "since": got[-1]["metadata"]["message_seq"],
        }
        back = EventSub(d, "carol", "b")  # where the balancer sends the reconnect
        back.ws.send(json.dumps(resume))
        reply = back.next()
        assert reply["metadata"]["message_type"] == "subscribed", reply
        assert reply["payload"]["resumed"] is True
        assert done.wait(timeout=30), "the sender did not finish"
        on_c = len(got)
        got += back.notifications()
        assert 3 <= on_c < len(got), (on_c, len(got))  # both gateways delivered a part
    finally:
        sender.join(timeout=30)
    ids = [f["payload"]["event"]["message_id"] for f in got]
    assert ids == sent, (len(ids), len(sent))


def test_a_users_notices_about_no_channel_are_resumed_once(deployment: Deployment) -> None:
    """A notice to alice about no channel, published while she is away, is kept in her notices
    stream: her socket resumed on the other gateway with ``notices_since`` = the welcome's
    ``notice_seq`` (``0-0``: she had none) gets it once, with its ``notice_seq``, and the
    channel's missed message; bob's resume gets no notice; a later one arrives live once (on
    each of her sockets, whatever the channel); a fresh socket starts after the newest, and its
    cursor resumes the next one only; a cursor the stream does not hold says
    ``notices_resumed: false`` and a fresh cursor."""
    d = deployment
    alice_a, welcome = d.chat("alice", "a")
    alice_id = welcome["user"]["id"]
    assert welcome["notice_seq"] == "0-0" and "notices_resumed" not in welcome
    bob_a, _ = d.chat("bob", "a")
    carol_b, _ = d.chat("carol", "b")
    first = say(carol_b, "before the drop")["message_id"]
    cursors = {}
    for who, chat in (("alice", alice_a), ("bob", bob_a)):
        cursors[who] = chat.expect_type("message", timeout=10, message_id=first)["seq"]
        chat.close()
    bus = d.worker.bus

    def notify(text: str) -> None:
        now = datetime.now(UTC)
        bus.publish(f"user:{alice_id}", events.envelope(events.NOTICE, {"kind": text}, now))

    notify("while away")
    after = say(carol_b, "after the notice")["message_id"]
    alice_b, welcome = d.chat("alice", "b", since=cursors["alice"], notices_since="0-0")
    assert welcome["resumed"] is True and welcome["notices_resumed"] is True
    assert welcome["notice_seq"] == "0-0"
    frames = drain(alice_b)
    kinds = [(f["type"], f.get("message_id") or f.get("kind")) for f in frames]
    assert kinds == [("notice", "while away"), ("message", after)], frames
    away = frames[0]["notice_seq"]
    assert "seq" not in frames[0] and "channel_id" not in frames[0]
    bob_b, welcome = d.chat("bob", "b", since=cursors["bob"])
    assert welcome["notice_seq"] == "0-0"  # his own stream: empty
    assert [f["type"] for f in drain(bob_b)] == ["message"]
    alice_a, fresh = d.chat("alice", "a")  # a second socket: starts after the newest notice
    assert fresh["notice_seq"] == away and "notices_resumed" not in fresh
    notify("live")
    for chat in (alice_b, alice_a):
        live = [f for f in drain(chat) if f["type"] == "notice"]
        assert [f["kind"] for f in live] == ["live"], live
    latest = live[0]["notice_seq"]
    alice_a.close()
    notify("once more")
    alice_a, welcome = d.chat("alice", "a", notices_since=latest)
    assert welcome["notices_resumed"] is True and "resumed" not in welcome
    assert [f.get("kind") for f in drain(alice_a) if f["type"] == "notice"] == ["once more"]
    stale, welcome = d.chat("alice", "b", notices_since="1-1")
    assert welcome["notices_resumed"] is False
    assert seq_key(welcome["notice_seq"]) > seq_key(latest)
    assert not [f for f in drain(stale, wait=0.3) if f["type"] == "notice"]


def test_a_subscription_to_a_quiet_channel_resumes_from_the_start_of_its_stream(
    deployment: Deployment,
) -> None:
    """A channel with nothing in its events stream: ``subscribed`` has no cursor, so the
    ``session_reconnect`` of a gateway that stops says ``since: "0-0"``; messages sent after
    the stop and before the resume come on the other gateway once each (the whole stream),
    then live ones (``tests/bus/test_redis.py``: a trimmed stream cannot resume from 0-0)."""
    d = deployment
    r = d.http("owner", "a").post("/api/v1/channels", json={"name": "quiet"})
    assert r.status_code == 201, r.text
    server, c_url = d.gateway()
    carol = EventSub(d, "carol", c_url)
    chat = ["channel.chat.message"]
    frame = {"type": "subscribe", "channel": "quiet", "types": chat}
    carol.ws.send(json.dumps(frame))
    subscribed = carol.next()
    assert subscribed["metadata"]["message_type"] == "subscribed"
    assert "seq" not in subscribed["payload"]
    server.__exit__(None, None, None)
    reconnect = carol.next()
    assert reconnect["metadata"]["message_type"] == "session_reconnect", reconnect
    (resume,) = reconnect["payload"]["resume"]
    assert resume == {**frame, "since": "0-0"}
    alice, _ = d.chat("alice", "b", channel="quiet")
    sent = [say(alice, f"while carol moves {n}")["message_id"] for n in range(3)]
    back = EventSub(d, "carol", "b")
    back.ws.send(json.dumps(resume))
    reply = back.next()
    assert reply["metadata"]["message_type"] == "subscribed" and reply["payload"]["resumed"]
    live = say(alice, "and live")["message_id"]
    ids = [f["payload"]["event"]["message_id"] for f in back.notifications()]
    assert ids == [*sent, live]
