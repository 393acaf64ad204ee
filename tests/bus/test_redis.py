"""``RedisBus``: an event published by one process reaches another's subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

from chatwarden.bus.redis import RedisBus, connect
from chatwarden.errors import ConfigError
from tests.redis_support import REDIS_URL, redis_namespace


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
    assert [e for c in chunks for e in c] == [{"n": 1}, {"n": 2}]
    assert worker.published == 3


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
