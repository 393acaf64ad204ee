"""Workers over the real Redis and PostgreSQL: exactly one stored decision per accepted message
through a SIGKILL, poison messages to the dead-letter stream, shards split between workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from chatwarden.bus.redis_streams import ChatStreams, DeadLetter, ShardLeases
from chatwarden.config import ServiceConfig
from chatwarden.scaleout import build_node, worker_of
from chatwarden.service.scale.codec import with_key
from chatwarden.service.scale.worker import Worker
from chatwarden.service.types import Actor, SendRequest
from tests.conftest import empty_postgres_schema
from tests.redis_support import REDIS_URL, redis_namespace
from tests.service.scale.scale_support import (
    CHEAP_HASHING,
    Seeded,
    publish,
    requests,
    seed,
    stored,
    stored_keys,
)

ROOT = Path(__file__).resolve().parents[3]
SHARDS = 4


@pytest.fixture
def ns() -> Iterator[tuple[redis.Redis, str]]:
    with redis_namespace() as pair:
        yield pair


@pytest.fixture
def pg() -> Iterator[str]:
    with empty_postgres_schema("cw_scale") as url:
        yield url


def bus_env(url: str, prefix: str, **extra: str) -> dict[str, str]:
    return {
        "CHATWARDEN_DATABASE_URL": url,
        "CHATWARDEN_BUS_URL": REDIS_URL,
        "CHATWARDEN_BUS_KEY_PREFIX": prefix,
        "CHATWARDEN_BUS_SHARDS": str(SHARDS),
        "CHATWARDEN_BUS_CLAIM_IDLE_MS": "300",
        "CHATWARDEN_BUS_LEASE_TTL_MS": "600",
        "CHATWARDEN_BUS_WORKER_BATCH": "50",
        "CHATWARDEN_RATE_LIMIT_MESSAGES_PER_30S": "100000",
        **extra,
    }


def config_of(env: dict[str, str]) -> ServiceConfig:
    """The settings a worker started with ``env`` reads (cheap password hashing besides)."""
    return ServiceConfig.from_env(
        {**env, **{f"CHATWARDEN_{k.upper()}": str(v) for k, v in CHEAP_HASHING.items()}}
    )


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    """``chatwarden worker`` in its own process, its output in ``log``."""
    with log.open("wb") as out:  # the child keeps its own handle
        return subprocess.Popen(
            [sys.executable, "-m", "chatwarden", "worker", "--name", name],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def streams_for(ns: tuple[redis.Redis, str], **kw: int) -> ChatStreams:
    client, prefix = ns
    streams = ChatStreams(client, prefix, shards=SHARDS, **kw)
    streams.ensure_groups()
    return streams


def run_until_dead_letter(streams: ChatStreams, worker: Worker) -> DeadLetter:
    """Passes of ``worker`` until an entry is dead-lettered (at most 10 s); that one entry."""
    deadline = time.monotonic() + 10
    while not streams.dead_letters() and time.monotonic() < deadline:
        worker.run_once()
        time.sleep(0.01)
    [letter] = streams.dead_letters()
    return letter


def test_sigkill_mid_stream_loses_nothing_and_decides_nothing_twice(
    ns: tuple[redis.Redis, str], pg: str, tmp_path: Path
) -> None:
    seeded = seed(pg, channels=SHARDS, senders=20)
    streams = streams_for(ns)
    env = bus_env(pg, ns[1])
    first_half, second_half = requests(seeded, 600), requests(seeded, 600, start=600)
    publish(streams, first_half)
    one = start_worker(env, "one", tmp_path / "one.log")
    try:
        wait_for(lambda: stored(pg)[0] >= 120, 30, "worker one to store 120 messages")
        one.send_signal(signal.SIGKILL)  # no clean-up: leases expire, entries stay pending
        one.wait(5)
        killed_at = stored(pg)[0]
        # what one had read and not acknowledged (a dead process changes nothing any more)
        pending = sum(
            int(streams.client.xpending(streams.stream(s), "workers")["pending"])
            for s in range(SHARDS)
        )
        assert killed_at < 600, "worker one finished before it was killed; the test proves less"
        publish(streams, second_half)
    finally:
        if one.poll() is None:
            one.kill()
            one.wait(5)
    # another worker (here in this process: one start fewer) takes over after the lease TTL
    node = build_node(config_of(env))
    try:
        two = worker_of(node, "two")
        two.block_ms = 20
        deadline = time.monotonic() + 30
        while sum(streams.backlog().values()) and time.monotonic() < deadline:
            two.run_once()
    finally:
        node.close()
    # two took over exactly what one had read but not acknowledged (some of it perhaps
    # stored: those came back as replays and wrote nothing)
    s2 = two.stats
    assert s2.reclaimed == pending and s2.decided - s2.replayed == 1200 - killed_at
    keys = stored_keys(pg)
    published = {str(r.idempotency_key) for r in first_half + second_half}
    assert set(keys) == published  # none lost, none invented
    assert set(keys.values()) == {1}  # none stored twice
    assert stored(pg) == (1200, 1200)
    assert streams.dead_letters() == []


def test_a_poison_message_is_dead_lettered_after_n_attempts_and_the_rest_are_decided(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    seeded = seed(pg, channels=2, senders=5)
    client, prefix = ns
    config = ServiceConfig.model_validate(
        {
            "database_url": pg,
            **CHEAP_HASHING,
            "bus": {
                "url": REDIS_URL,
                "key_prefix": prefix,
                "shards": SHARDS,
                "claim_idle_ms": 30,
                "max_deliveries": 3,
            },
        }
    )
    node = build_node(config)
    try:
        good = requests(seeded, 10)
        publish(node.streams, good[:5])
        node.streams.publish_many([(seeded.channel_ids[0], b'{"v": 1, "truncated')])
        publish(node.streams, good[5:])
        worker = worker_of(node, "solo")
        letter = run_until_dead_letter(node.streams, worker)
    finally:
        node.close()
    assert letter.deliveries == 3 and letter.data == b'{"v": 1, "truncated'
    assert (worker.stats.failed, worker.stats.dead_lettered) == (3, 1)
    assert stored(pg) == (10, 10)
    assert worker.stats.decided == 10
    assert sum(ChatStreams(client, prefix, shards=SHARDS).backlog().values()) == 0


def test_two_workers_split_the_shards_and_decide_each_message_once(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    seeded = seed(pg, channels=SHARDS, senders=20)
    client, prefix = ns
    values = {
        "database_url": pg,
        **CHEAP_HASHING,
        "rate_limit_messages_per_30s": 100_000,
        "bus": {
            "url": REDIS_URL,
            "key_prefix": prefix,
            "shards": SHARDS,
            "lease_ttl_ms": 1000,
            "worker_batch": 64,  # each pass well inside the lease, even on a loaded machine
        },
    }
    config = ServiceConfig.model_validate(values)
    a, b = build_node(config), build_node(config)
    try:
        wa, wb = worker_of(a, "a"), worker_of(b, "b")
        wa.block_ms = wb.block_ms = 10
        wa.run_once()
        assert wa.stats.shards == set(range(SHARDS))  # alone at first: every shard
        deadline = time.monotonic() + 5  # b's heartbeat halves a's share; a gives two back
        while len(wb.stats.shards) < SHARDS // 2 and time.monotonic() < deadline:
            wb.run_once()
            wa.run_once()
        reqs = requests(seeded, 400)
        publish(a.streams, reqs)
        deadline = time.monotonic() + 20
        while wa.stats.decided + wb.stats.decided < 400 and time.monotonic() < deadline:
            wa.run_once()
            wb.run_once()
        assert wa.stats.shards.isdisjoint(wb.stats.shards)
        assert wa.stats.shards | wb.stats.shards == set(range(SHARDS))
        assert len(wa.stats.shards) == len(wb.stats.shards) == SHARDS // 2
        assert wa.stats.decided > 0 and wb.stats.decided > 0
        # b stops without a word (no release): a takes its shards once the leases expire
        time.sleep(1.05)
        publish(a.streams, requests(seeded, 100, start=400))
        deadline = time.monotonic() + 10
        while wa.stats.decided + wb.stats.decided < 500 and time.monotonic() < deadline:
            wa.run_once()
        assert wa.stats.shards == set(range(SHARDS))
    finally:
        a.close()
        b.close()
    assert stored(pg) == (500, 500)


def test_run_survives_an_unreachable_redis_and_gives_its_shards_back_on_stop(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    client, prefix = ns
    config = ServiceConfig.model_validate(
        {
            "database_url": pg,
            **CHEAP_HASHING,
            "bus": {"url": REDIS_URL, "key_prefix": prefix, "shards": SHARDS},
        }
    )
    node = build_node(config)
    try:
        healthy = worker_of(node, "healthy")
        healthy.block_ms = 10
        stop = threading.Event()
        thread = threading.Thread(target=healthy.run, args=(stop,))
        thread.start()
        wait_for(lambda: client.get(f"{prefix}lease:0") == b"healthy", 5, "the leases")
        stop.set()
        thread.join(5)
        assert [client.get(f"{prefix}lease:{s}") for s in range(SHARDS)] == [None] * SHARDS
        # a worker whose Redis is gone keeps trying instead of exiting, and still stops
        gone = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
        lost = Worker(
            node.services.chat,
            ChatStreams(gone, prefix, shards=SHARDS),
            ShardLeases(gone, prefix, SHARDS, "lost"),
        )
        stop = threading.Event()
        thread = threading.Thread(target=lost.run, args=(stop, 0.05))
        thread.start()
        wait_for(lambda: lost.stats.errors >= 2, 5, "two failed passes")
        stop.set()
        thread.join(5)
        assert not thread.is_alive() and lost.stats.decided == 0
    finally:
        node.close()


def poison_request(seeded: Seeded) -> SendRequest:
    """A message whose decision always raises: its sender is not in the users table (say,
    deleted after the gateway accepted it), so the INSERT breaks a foreign key."""
    return with_key(SendRequest(Actor(987_654_321, "ghost"), seeded.channel_ids[0], "hello"))


def bus_config(pg: str, prefix: str, **bus: int) -> ServiceConfig:
    values = {"url": REDIS_URL, "key_prefix": prefix, "shards": SHARDS, **bus}
    return ServiceConfig.model_validate({"database_url": pg, **CHEAP_HASHING, "bus": values})


def test_a_decision_that_always_raises_is_dead_lettered_after_n_attempts_alone_and_its_batch_mates_are_decided_once(  # noqa: E501
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    seeded = seed(pg, channels=1, senders=5)  # one channel: one shard, one batch
    node = build_node(bus_config(pg, ns[1], claim_idle_ms=30, max_deliveries=3))
    try:
        good = requests(seeded, 10)
        publish(node.streams, good[:5] + [poison_request(seeded)] + good[5:])
        worker = worker_of(node, "solo")
        worker.run_once()  # the batch fails; each entry alone: 10 decided, the poison not
        assert (worker.stats.decided, worker.stats.failed) == (10, 1)
        letter = run_until_dead_letter(node.streams, worker)
    finally:
        node.close()
    assert (letter.deliveries, letter.attempts) == (3, 3)
    assert (worker.stats.failed, worker.stats.dead_lettered, worker.stats.decided) == (3, 1, 10)
    assert stored_keys(pg) == {str(r.idempotency_key): 1 for r in good}
    assert sum(node.streams.backlog().values()) == 0


def test_a_crash_loop_dead_letters_only_the_entry_that_killed_the_process(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    """Workers killed again and again (each takeover adds a delivery to every entry they held)
    send no innocent entry to the dead letters: only attempts alone count, and the workers
    that died while deciding the poison alone counted theirs before they died."""
    seeded = seed(pg, channels=SHARDS, senders=5)
    node = build_node(bus_config(pg, ns[1], claim_idle_ms=30, max_deliveries=2))
    streams = node.streams
    try:
        good = requests(seeded, 40)
        publish(streams, good[:20] + [poison_request(seeded)] + good[20:])
        held = streams.read(range(SHARDS), "killed-0", 100, None)
        assert len(held) == 41
        for n in range(1, 6):  # five more workers take them over and die before deciding
            time.sleep(0.035)
            held = [e for s in range(SHARDS) for e in streams.reclaim(s, f"killed-{n}", 100)]
            assert len(held) == 41
        poison = next(e for e in held if b"ghost" in e.data)
        for _ in range(2):  # two of them died while deciding the poison alone
            streams.count_attempt(poison)
        time.sleep(0.035)
        worker = worker_of(node, "survivor")
        deadline = time.monotonic() + 10
        while worker.stats.decided < 40 and time.monotonic() < deadline:
            worker.run_once()
        [letter] = streams.dead_letters()
    finally:
        node.close()
    assert (letter.id, letter.deliveries, letter.attempts) == (poison.id, 7, 2)
    assert worker.stats.failed == 0  # the poison was not tried a third time
    assert (worker.stats.reclaimed, worker.stats.decided, worker.stats.dead_lettered) == (
        41,
        40,
        1,
    )
    assert stored_keys(pg) == {str(r.idempotency_key): 1 for r in good}
    assert sum(streams.backlog().values()) == 0


def test_a_worker_restarted_under_its_name_resumes_its_shards_and_entries_at_once(
    ns: tuple[redis.Redis, str], pg: str
) -> None:
    seeded = seed(pg, channels=SHARDS, senders=5)
    # leases and takeovers far too slow to explain a quick resume
    config = bus_config(pg, ns[1], claim_idle_ms=60_000, lease_ttl_ms=60_000)
    reqs = requests(seeded, 100)
    first, second = build_node(config), build_node(config)
    try:
        publish(first.streams, reqs)
        dead = worker_of(first, "w1")
        assert dead.leases.refresh() == set(range(SHARDS))
        held = first.streams.read(range(SHARDS), "w1", 30, None)  # then SIGKILL: no release
        again = worker_of(second, "w1")  # systemd starts it again under the same --name
        again.block_ms = 10
        started = time.monotonic()
        while again.stats.decided < 100 and time.monotonic() - started < 10:
            again.run_once()
        took = time.monotonic() - started
    finally:
        first.close()
        second.close()
    assert again.stats.shards == set(range(SHARDS))
    assert again.stats.reclaimed == len(held) == 4 * 25
    assert took < 10 and stored_keys(pg) == {str(r.idempotency_key): 1 for r in reqs}
