"""``StreamIngest`` (a gateway's sends) over the real Redis and PostgreSQL: a send comes back
decided by a worker; a full stream gives the sender a clear error at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
import redis

from chatwarden.bus.redis_streams import StreamFull
from chatwarden.config import ServiceConfig
from chatwarden.errors import InputError, RateLimited
from chatwarden.scaleout import build_node, gateway_ingest, worker_of
from chatwarden.service.scale.gateway import DecisionPending, StreamIngest
from chatwarden.service.types import SendRequest, SendResult
from tests.conftest import empty_postgres_schema
from tests.redis_support import REDIS_URL, redis_namespace
from tests.service.scale.scale_support import CHEAP_HASHING, seed


@pytest.fixture
def ns() -> Iterator[tuple[redis.Redis, str]]:
    with redis_namespace() as pair:
        yield pair


@pytest.fixture
def pg() -> Iterator[str]:
    with empty_postgres_schema("cw_gateway") as url:
        yield url


def config_for(pg: str, prefix: str, **bus: object) -> ServiceConfig:
    return ServiceConfig.model_validate(
        {
            "database_url": pg,
            **CHEAP_HASHING,
            "bus": {"url": REDIS_URL, "key_prefix": prefix, "shards": 2, **bus},
        }
    )


def test_a_send_through_the_gateway_is_decided_by_a_worker_and_answered(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    seeded = seed(pg, channels=1, senders=1)
    node = build_node(config_for(pg, ns[1]))
    worker = worker_of(node, "w")
    worker.block_ms = 20
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            worker.run_once()

    thread = threading.Thread(target=work)
    thread.start()
    actor, channel = seeded.senders[0], seeded.channel_ids[0]

    async def scenario() -> tuple[SendResult, SendResult, SendResult]:
        ingest = gateway_ingest(node)
        try:
            first = await ingest.send(SendRequest(actor, channel, "hello chat", "k1"))
            again = await ingest.send(SendRequest(actor, channel, "hello chat", "k1"))
            keyless = await ingest.send(SendRequest(actor, channel, "no key here"))
            return first, again, keyless
        finally:
            await ingest.close()

    try:
        first, again, keyless = asyncio.run(asyncio.wait_for(scenario(), 20))
    finally:
        stop.set()
        thread.join()
        node.close()
    assert (first.status, first.replayed) == ("delivered", False)
    assert (again.message_id, again.replayed) == (first.message_id, True)
    assert keyless.status == "delivered" and keyless.message_id not in (None, first.message_id)


def test_a_full_stream_fails_the_sender_at_once_and_an_unanswered_one_is_pending(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    seeded = seed(pg, channels=1, senders=1)
    node = build_node(config_for(pg, ns[1], stream_max_len=2))
    actor, channel = seeded.senders[0], seeded.channel_ids[0]

    async def scenario() -> list[BaseException | SendResult]:
        ingest = StreamIngest(node.streams, answer_timeout_s=0.3)  # no worker runs
        try:
            futures = [ingest.submit(SendRequest(actor, channel, f"m{i}")) for i in range(3)]
            bad = ingest.submit(SendRequest(actor, channel, "lone \ud800 surrogate"))
            return await asyncio.gather(*futures, bad, return_exceptions=True)
        finally:
            await ingest.close()

    try:
        outcomes = asyncio.run(asyncio.wait_for(scenario(), 10))
    finally:
        node.close()
    assert [type(o) for o in outcomes] == [DecisionPending, DecisionPending, StreamFull, InputError]
    pending = outcomes[0]  # HTTP 429 + Retry-After: resend with the same key
    assert isinstance(pending, RateLimited) and pending.code == "decision_pending"
    full = outcomes[2]
    assert isinstance(full, StreamFull) and full.code == "chat_overloaded"
    assert sum(node.streams.backlog().values()) == 2  # accepted ones kept, the third not added


def test_when_redis_refuses_the_batch_every_sender_in_it_gets_the_error_at_once(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    seeded = seed(pg, channels=1, senders=1)
    node = build_node(config_for(pg, ns[1]))
    actor, channel = seeded.senders[0], seeded.channel_ids[0]
    shard_key = node.streams.stream(node.streams.shard_of(channel))
    ns[0].set(shard_key, "not a stream")  # XADD on it fails: nothing in the batch is accepted

    async def scenario() -> tuple[list[BaseException | SendResult], int]:
        ingest = StreamIngest(node.streams, answer_timeout_s=0.3)
        try:
            futures = [ingest.submit(SendRequest(actor, channel, f"m{i}")) for i in range(2)]
            outcomes = await asyncio.gather(*futures, return_exceptions=True)
            return outcomes, len(ingest._waiting)
        finally:
            await ingest.close()

    try:
        outcomes, waiting = asyncio.run(asyncio.wait_for(scenario(), 10))
    finally:
        node.close()
    assert [type(o) for o in outcomes] == [redis.ResponseError, redis.ResponseError]
    assert "WRONGTYPE" in str(outcomes[0])
    assert waiting == 0  # none is left to expire as DecisionPending
