"""``RedisBus``: an event published by one process reaches another's subscribers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import redis

from chatwarden.bus import seq_key
from chatwarden.bus.redis import ListenerBackoff, RedisBus, connect
from chatwarden.errors import ConfigError
from tests.redis_support import REDIS_URL, redis_namespace
from tests.service.scale.private_servers import PrivateRedis, private_redis


@pytest.fixture
def ns() -> Iterator[tuple[redis.Redis, str]]:
    with redis_namespace() as pair:
        yield pair


def test_events_cross_processes_in_order_and_by_topic(ns: tuple[redis.Redis, str]) -> None:
    client, prefix = ns
    worker, gateway = RedisBus(client, prefix), RedisBus(client, prefix)

    async def scenario() -> list[list[dict[str, object]]]:
        sub = gateway.subscribe("channel:1")
        other = gateway.subscribe("channel:2")
        await asyncio.sleep(0.2)  # the listener thread has subscribed
        worker.publish_many([("channel:1", {"n": 1}), ("channel:3", {"n": 0})])
        worker.publish("channel:1", {"n": 2})
        chunks: list[list[dict[str, object]]] = []
        while sum(len(c) for c in chunks) < 2:
            chunks += await asyncio.wait_for(sub.next_chunks(), 5)
        assert other.pending() == 0
        sub.close()
        return chunks

    try:
        chunks = asyncio.run(scenario())
    finally:
        worker.close()
        gateway.close()
    heard = [e for c in chunks for e in c]
    seqs = [str(e.pop("seq")) for e in heard]  # a channel's events carry their stream ids
    assert heard == [{"n": 1}, {"n": 2}]
    assert seq_key(seqs[0]) < seq_key(seqs[1])
    assert worker.published == 3


def test_a_channels_events_replay_after_a_seq_and_only_while_it_is_kept(
    ns: tuple[redis.Redis, str],
) -> None:
    """Two publishers (a worker and a gateway) on one channel: the stream keeps their order
    with the ids the live side carried; replay gives what follows a seq, on the topics asked
    for (``0-0``: the whole stream); a seq trimmed away (or never there, or malformed) cannot
    be resumed (None), nor can ``0-0`` once the stream was trimmed."""
    client, prefix = ns
    worker, gateway = RedisBus(client, prefix, events_max_len=10), RedisBus(client, prefix)

    async def scenario() -> list[dict[str, object]]:
        sub = gateway.subscribe("channel:7")
        mods = gateway.subscribe("mods:7")
        await asyncio.sleep(0.2)
        worker.publish_many([("channel:7", {"n": 1}), ("mods:7", {"n": 2}), ("user:3", {"n": 0})])
        gateway.publish("channel:7", {"n": 3})
        got: list[dict[str, object]] = []
        while len(got) < 2:
            got += [e for c in await asyncio.wait_for(sub.next_chunks(), 5) for e in c]
        got += [e for c in await asyncio.wait_for(mods.next_chunks(), 5) for e in c]
        return got

    try:
        live = asyncio.run(scenario())
        by_n = {e["n"]: str(e["seq"]) for e in live}
        both = ["channel:7", "mods:7"]
        assert worker.replay(7, by_n[1], both) == [
            {"n": 2, "seq": by_n[2]},
            {"n": 3, "seq": by_n[3]},
        ]
        assert worker.replay(7, by_n[1], ["channel:7"]) == [{"n": 3, "seq": by_n[3]}]
        assert worker.replay(7, by_n[3], both) == []
        assert worker.replay(7, by_n[1], both, limit=1) is None  # two missed: reload instead
        # 0-0, the cursor of a stream that was empty: all of it (none: it does not exist)
        assert [e["n"] for e in worker.replay(7, "0-0", both) or []] == [1, 2, 3]
        assert worker.replay(8, "0-0", ["channel:8"]) == []
        assert 0 < client.pttl(f"{prefix}ev:7") <= 3_600_000  # a quiet channel's stream expires
        assert worker.replay(7, "1-0", both) is None  # never in the stream
        assert worker.replay(7, "bogus", both) is None
        worker.publish_many([("channel:7", {"n": 10 + i}) for i in range(300)])
        assert client.xlen(f"{prefix}ev:7") < 200  # capped (MAXLEN ~ 10)
        assert worker.replay(7, by_n[3], both) is None  # trimmed away: cannot resume whole
        assert worker.replay(7, "0-0", both) is None  # nor from the start
    finally:
        worker.close()
        gateway.close()


def test_a_users_event_in_a_channel_is_kept_for_that_user_only(
    ns: tuple[redis.Redis, str],
) -> None:
    """An event for one user about a channel is kept in the channel's stream under the user's
    topic (replayed only to a caller that asks for it) and travels live on the common channel
    with its seq; one about no channel goes to the user's notices stream instead (``notice_seq``,
    not ``seq``); the channel's own listeners never hear it."""
    client, prefix = ns
    worker, gateway = RedisBus(client, prefix), RedisBus(client, prefix)

    async def scenario() -> tuple[list[dict[str, object]], int]:
        alice = gateway.subscribe("user:3")
        chat = gateway.subscribe("channel:7")
        await asyncio.sleep(0.2)
        worker.publish("channel:7", {"n": 1})
        worker.publish_many(
            [
                ("user:3", {"type": "notice", "event": {"kind": "warned", "channel_id": 7}}),
                ("user:3", {"type": "notice", "event": {"kind": "x"}}),
                ("user:4", {"type": "notice", "event": {"kind": "bob's", "channel_id": 7}}),
            ]
        )
        got: list[dict[str, object]] = []
        while len(got) < 2:
            got += [e for c in await asyncio.wait_for(alice.next_chunks(), 5) for e in c]
        await asyncio.wait_for(chat.next_chunks(), 5)
        await asyncio.sleep(0.2)
        return got, chat.pending()

    try:
        (warned, unkept), chat_pending = asyncio.run(scenario())
        assert chat_pending == 0 and "seq" not in unkept and "notice_seq" in unkept
        head = worker.head(7)
        assert head is not None and seq_key(head) > seq_key(str(warned["seq"]))
        channel_events = client.xrange(f"{prefix}ev:7")
        since = channel_events[0][0].decode()  # the channel's message
        assert worker.replay(7, since, ["channel:7", "mods:7"]) == []
        assert worker.replay(7, since, ["channel:7", "user:3"]) == [warned]
        assert [e["event"] for e in worker.replay(7, since, ["user:4"]) or []] == [
            {"kind": "bob's", "channel_id": 7}
        ]
    finally:
        worker.close()
        gateway.close()


def test_a_users_notices_about_no_channel_are_kept_in_their_own_stream(
    ns: tuple[redis.Redis, str],
) -> None:
    """A user's events about no channel are kept in the user's notices stream: each carries its
    ``notice_seq`` live and in ``replay_notices``; the cursor of an empty stream is ``0-0``,
    after which the whole stream follows (nothing when it does not exist) unless it was ever
    trimmed; a ``since`` it does not hold, or more than ``limit`` after it, is None; another
    user's replay and the channels' streams never see them."""
    client, prefix = ns
    worker, gateway = RedisBus(client, prefix, events_max_len=3), RedisBus(client, prefix)

    async def heard(n: int) -> list[dict[str, object]]:
        sub = gateway.subscribe("user:3")
        await asyncio.sleep(0.2)
        for i in range(n):
            worker.publish("user:3", {"type": "notice", "event": {"kind": "account", "n": i}})
        got: list[dict[str, object]] = []
        while len(got) < n:
            got += [e for c in await asyncio.wait_for(sub.next_chunks(), 5) for e in c]
        return got

    try:
        assert worker.notices_head(3) == "0-0"
        assert worker.replay_notices(3, "0-0") == []  # nothing yet: resumed, nothing missed
        first, second = asyncio.run(heard(2))
        assert "seq" not in first and worker.notices_head(3) == second["notice_seq"]
        assert seq_key(str(second["notice_seq"])) > seq_key(str(first["notice_seq"]))
        assert worker.replay_notices(3, "0-0") == [first, second]
        assert worker.replay_notices(3, str(first["notice_seq"])) == [second]
        assert worker.replay_notices(3, str(second["notice_seq"])) == []
        assert worker.replay_notices(3, "0-0", limit=1) is None
        assert worker.replay_notices(3, "1-1") is None  # never in that stream
        assert worker.replay_notices(4, "0-0") == []  # another user's: none of hers
        assert client.keys(f"{prefix}ev:*") == []
        assert 0 < client.pttl(f"{prefix}un:3") <= worker.events_ttl_ms
        for i in range(200):  # MAXLEN ~ 3: whole nodes of the oldest go
            worker.publish("user:3", {"type": "notice", "event": {"kind": "more", "n": i}})
        assert client.xlen(f"{prefix}un:3") < 202
        assert worker.replay_notices(3, "0-0") is None  # entries were trimmed: not whole
    finally:
        worker.close()
        gateway.close()


def test_what_json_alone_would_refuse_still_crosses(ns: tuple[redis.Redis, str]) -> None:
    """Integer keys, datetimes and a lone surrogate: an event that failed to encode would
    fail its publisher after the commit."""
    client, prefix = ns
    worker, gateway = RedisBus(client, prefix), RedisBus(client, prefix)
    when = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    async def scenario() -> list[dict[str, object]]:
        sub = gateway.subscribe("t")
        await asyncio.sleep(0.2)
        worker.publish("t", {"counts": {1: 2}, "at": when})
        worker.publish("t", {"text": "a\ud800b"})
        got: list[dict[str, object]] = []
        while len(got) < 2:
            got += [e for c in await asyncio.wait_for(sub.next_chunks(), 5) for e in c]
        return got

    try:
        got = asyncio.run(scenario())
    finally:
        worker.close()
        gateway.close()
    assert got == [{"counts": {"1": 2}, "at": "2026-12-07T12:00:00+00:00"}, {"text": "a\ud800b"}]


def test_a_bad_url_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="must start with redis://"):
        connect("http://127.0.0.1:6379")
    with pytest.raises(ConfigError, match="cannot reach Redis at redis://127.0.0.1:1/0"):
        connect("redis://127.0.0.1:1/0")
    connect(REDIS_URL).close()


def test_a_listener_waits_longer_and_longer_while_redis_is_down_then_hears_again() -> None:
    """A private Redis (stopped and started here): while it is down the listener thread
    retries 50 ms, 100 ms, 200 ms, ... (capped), not thousands of times a second; once it is
    back the thread has subscribed again and hears what is published."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    heard: list[bytes] = []
    with private_redis() as server, connect(server.url) as client:  # as the processes do
        pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        pubsub.subscribe(**{"ev": lambda m: heard.append(m["data"])})
        thread = pubsub.run_in_thread(
            sleep_time=0.1, daemon=True, exception_handler=ListenerBackoff("t", 0.4, sleep=sleep)
        )
        try:
            server.stop()
            time.sleep(1.5)  # counting the retries in a window is the point here
            tries = len(waits)
            server.start()
            deadline = time.monotonic() + 10
            with server.client() as publisher:
                while not heard and time.monotonic() < deadline:
                    publisher.publish("ev", b"back")
                    time.sleep(0.1)
        finally:
            thread.stop()
            thread.join(timeout=2)
            pubsub.close()
    assert 2 <= tries <= 8, waits  # 0.05 + 0.1 + 0.2 + 0.4 + 0.4 ... in 1.5 s
    assert waits[:4] == [0.05, 0.1, 0.2, 0.4] and max(waits) == 0.4
    assert heard and heard[0] == b"back"


def test_backoff_starts_over_after_a_quiet_spell() -> None:
    now = [0.0]
    backoff = ListenerBackoff(
        "t", cap_s=1.0, reset_s=5.0, sleep=lambda s: None, clock=lambda: now[0]
    )
    delays = []
    for _ in range(6):
        backoff(OSError("down"), None, None)
        delays.append(backoff.delay)
    now[0] += 6  # Redis was fine for a while
    backoff(OSError("down again"), None, None)
    assert delays == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0] and backoff.delay == 0.05


def test_a_process_hears_a_channel_only_while_something_there_subscribes_to_it(
    ns: tuple[redis.Redis, str],
) -> None:
    """Routing by channel: a channel's events go to its own pub/sub channel, which a process
    subscribes to with its first local subscriber (``head`` waits until Redis confirmed it)
    and leaves with its last; other topics reach every process."""
    client, prefix = ns
    worker, gateway = RedisBus(client, prefix), RedisBus(client, prefix)
    route = gateway.route(1)

    def subscribers(name: str) -> int:
        return int(client.pubsub_numsub(name)[0][1])

    async def settle(check: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 5
        while not check():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)

    async def scenario() -> None:
        chat = gateway.subscribe("channel:1")
        mods = gateway.subscribe("mods:1")
        gateway.head(1)  # no sleep: head waits for Redis's confirmation
        assert subscribers(route) == 1 and gateway.routed() == {1}
        worker.publish_many(
            [("channel:1", {"n": 1}), ("channel:2", {"n": 2}), ("mods:2", {"n": 3})]
        )
        worker.publish("user:3", {"n": 4})  # not a channel's: every process hears it
        got = await asyncio.wait_for(chat.next_chunks(), 5)
        assert [[e["n"] for e in c] for c in got] == [[1]]
        await settle(lambda: gateway.received == 2)
        assert gateway.heard == {route: 1, gateway.channel: 1}
        chat.close()  # mods:1 still listens: the channel stays routed here
        worker.publish("mods:1", {"n": 5})
        assert [e["n"] for c in await asyncio.wait_for(mods.next_chunks(), 5) for e in c] == [5]
        mods.close()  # the last one: unsubscribed
        await settle(lambda: subscribers(route) == 0)
        assert gateway.routed() == set()
        worker.publish("channel:1", {"n": 6})
        again = gateway.subscribe("channel:1")  # and back, at once after leaving
        gateway.head(1)
        worker.publish("channel:1", {"n": 7})
        assert [e["n"] for c in await asyncio.wait_for(again.next_chunks(), 5) for e in c] == [7]
        assert gateway.heard[route] == 3 and gateway.received == 4  # 6 was never heard
        again.close()

    try:
        asyncio.run(scenario())
    finally:
        worker.close()
        gateway.close()
    assert worker.received == 1  # the worker subscribes to no channel: only user:3


def test_a_channel_first_watched_while_redis_is_down_is_heard_once_it_is_back() -> None:
    """A channel's first local subscriber while Redis is down: its SUBSCRIBE fails, and the
    listener subscribes to the channel with the others when it reconnects (redis-py resends
    only what it sent before), so the channel's events are heard again."""

    async def scenario(server: PrivateRedis, gateway: RedisBus) -> list[dict[str, object]]:
        server.stop()
        sub = gateway.subscribe("channel:1")  # the SUBSCRIBE fails: Redis is down
        server.start()
        with connect(server.url) as other:
            worker = RedisBus(other, "down:")
            try:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    worker.publish("channel:1", {"n": 1})
                    with contextlib.suppress(TimeoutError):
                        chunks = await asyncio.wait_for(sub.next_chunks(), 0.2)
                        return [e for c in chunks for e in c]
                return []
            finally:
                worker.close()

    with private_redis() as server, connect(server.url) as client:
        gateway = RedisBus(client, "down:")
        try:
            got = asyncio.run(scenario(server, gateway))
        finally:
            gateway.close()
    assert got and got[0]["n"] == 1
