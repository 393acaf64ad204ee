"""``RedisChatState`` answers every call as ``MemoryChatState`` does (the chat rules' windows),
and is one state for every process that shares the Redis."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from chatwarden.bus.redis_state import RedisChatState
from chatwarden.bus.state import MemoryChatState
from chatwarden.rules import RateHit
from tests.redis_support import RoundTrips, redis_namespace

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def ns() -> Iterator[tuple[redis.Redis, str]]:
    with redis_namespace() as pair:
        yield pair


def test_same_answers_as_the_memory_state_on_a_random_trace(ns: tuple[redis.Redis, str]) -> None:
    client, prefix = ns
    mem, red = MemoryChatState(max_fingerprints=5), RedisChatState(client, prefix, 5)
    rng = random.Random(16)
    now = T0
    for _ in range(400):
        now += timedelta(milliseconds=rng.choice([0, 1, 50, 400, 1500]))
        key = rng.choice(["c1:u1", "c1:u2", "c2:u1"])
        op = rng.randrange(4)
        if op == 0:
            got = (mem.hit_rate(key, now, 2.0, 3), red.hit_rate(key, now, 2.0, 3))
        elif op == 1:
            got = (mem.slow_mode_wait(key, now, 1.0), red.slow_mode_wait(key, now, 1.0))
        elif op == 2:
            fp = rng.choice("abcdefgh")
            got = (mem.seen_recently(key, fp, now, 3.0), red.seen_recently(key, fp, now, 3.0))
        else:
            mem.forget(key)
            red.forget(key)
            continue
        if isinstance(got[0], float) and isinstance(got[1], float):
            assert got[1] == pytest.approx(got[0], abs=1e-6)
        else:
            assert got[0] == got[1]


def test_two_processes_share_one_window_and_the_keys_expire(ns: tuple[redis.Redis, str]) -> None:
    client, prefix = ns
    a, b = RedisChatState(client, prefix), RedisChatState(client, prefix)
    assert a.hit_rate("k", T0, 30, 2) is None
    assert b.hit_rate("k", T0 + timedelta(seconds=1), 30, 2) is None
    wait = a.hit_rate("k", T0 + timedelta(seconds=2), 30, 2)
    assert wait == pytest.approx(28.0)
    assert b.slow_mode_wait("s", T0, 10) is None
    assert a.slow_mode_wait("s", T0 + timedelta(seconds=4), 10) == pytest.approx(6.0)
    assert a.seen_recently("d", "fp", T0, 30) is False
    assert b.seen_recently("d", "fp", T0 + timedelta(seconds=5), 30) is True
    ttls = [client.pttl(k) for k in client.scan_iter(match=f"{prefix}st:*")]
    assert len(ttls) == 3 and all(0 < t <= 31_000 for t in ttls)


@pytest.mark.parametrize("shared", [True, False])
def test_link_permits_are_one_state_for_every_process(
    ns: tuple[redis.Redis, str], shared: bool
) -> None:
    """A permit granted through one process is seen by another (Redis) or the same one
    (memory), per channel, until it ends; the Redis hash expires after its last permit."""
    client, prefix = ns
    if shared:
        granter, reader = RedisChatState(client, prefix), RedisChatState(client, prefix)
    else:
        granter = reader = MemoryChatState()  # type: ignore[assignment]
    granter.grant_permit(1, 7, T0 + timedelta(seconds=60), T0)
    granter.grant_permit(1, 8, T0 + timedelta(seconds=10), T0)
    assert reader.permits(2, T0) == {}
    assert reader.permits(1, T0 + timedelta(seconds=5)) == {
        7: T0 + timedelta(seconds=60),
        8: T0 + timedelta(seconds=10),
    }
    assert reader.permits(1, T0 + timedelta(seconds=10)) == {7: T0 + timedelta(seconds=60)}
    assert reader.permits(1, T0 + timedelta(seconds=60)) == {}
    if shared:
        assert 59_000 < client.pttl(f"{prefix}st:permit:1") <= 61_000


def test_a_batch_of_rate_hits_answers_as_one_call_per_hit_in_order(
    ns: tuple[redis.Redis, str],
) -> None:
    """``hit_rates`` in one Redis round trip gives what ``hit_rate`` per hit gives, in order:
    a key several times in one batch sees its earlier hits; windows expire on the caller's
    clock; an empty batch sends nothing. Also the in-memory state's ``hit_rates``."""
    client, prefix = ns
    trips = RoundTrips(f"{prefix}b:st:rate:")
    batched = RedisChatState(trips.client, prefix + "b:")
    single, mem = RedisChatState(client, prefix + "s:"), MemoryChatState()
    mem_batched = MemoryChatState()
    batched.hit_rate("warm", T0, 1.0, 1)  # the script is loaded (not counted below)
    trips.count = 0
    rng = random.Random(1616)
    now = T0
    answers: list[float | None] = []
    for n in range(60):
        now += timedelta(milliseconds=rng.choice([0, 300, 900, 2500]))
        hits = [
            RateHit(rng.choice(["c1:u1", "c1:u2", "c2:u1"]), rng.choice([2.0, 3.0]), 3)
            for _ in range(rng.randrange(1, 9))
        ]
        if n == 0:  # the same sender four times in one batch: the fourth is over the limit
            hits = [RateHit("c1:u1", 2.0, 3)] * 4 + [RateHit("c1:u2", 2.0, 3)]
        got = batched.hit_rates(hits, now)
        one_by_one = [single.hit_rate(h.key, now, h.window_s, h.limit) for h in hits]
        in_memory = [mem.hit_rate(h.key, now, h.window_s, h.limit) for h in hits]
        assert mem_batched.hit_rates(hits, now) == in_memory
        if n == 0:
            assert got == [None, None, None, pytest.approx(2.0), None]
        assert [w is None for w in got] == [w is None for w in one_by_one]
        assert [w is None for w in got] == [w is None for w in in_memory]
        for a, b, c in zip(got, one_by_one, in_memory, strict=True):
            if a is not None:
                assert a == pytest.approx(b, abs=1e-6) and a == pytest.approx(c, abs=1e-6)
        answers += got
    assert trips.count == 60  # one round trip per batch, whatever its size
    assert batched.hit_rates([], now) == [] and trips.count == 60
    waits = [w for w in answers if w is not None]
    assert len(waits) > 20 and len(answers) - len(waits) > 60  # both outcomes exercised
    ttls = [client.pttl(k) for k in client.scan_iter(match=f"{prefix}b:st:rate:*")]
    assert ttls and all(0 < t <= 4_000 for t in ttls)
    trips.client.close()
