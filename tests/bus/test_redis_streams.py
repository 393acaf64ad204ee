"""The sharded streams on the real Redis: back-pressure, reclaim and dead letters, leases."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from chatwarden.bus.redis_streams import ChatStreams, ShardLeases, StreamFull
from tests.redis_support import redis_namespace


@pytest.fixture
def ns() -> Iterator[tuple[redis.Redis, str]]:
    with redis_namespace() as pair:
        yield pair


def make_streams(ns: tuple[redis.Redis, str], **kw: int) -> ChatStreams:
    client, prefix = ns
    streams = ChatStreams(client, prefix, **kw)
    streams.ensure_groups()
    return streams


def test_a_full_stream_refuses_with_a_clear_error_and_drops_nothing(
    ns: tuple[redis.Redis, str],
) -> None:
    streams = make_streams(ns, shards=2, max_len=3)
    out = streams.publish_many([(0, f"m{i}".encode()) for i in range(5)])
    assert [isinstance(r, str) for r in out] == [True, True, True, False, False]
    err = out[3]
    assert isinstance(err, StreamFull)
    assert err.code == "chat_overloaded" and err.retry_after_s == 1.0
    assert "overloaded" in err.message and "not sent" in err.message
    # the other shard is not full; the full one kept exactly the first three
    assert isinstance(streams.publish_many([(1, b"other")])[0], str)
    entries = streams.read([0], "w", 10, None)
    assert [e.data for e in entries] == [b"m0", b"m1", b"m2"]
    # reading alone frees nothing (still unfinished); acknowledging does
    assert isinstance(streams.publish_many([(0, b"late")])[0], StreamFull)
    streams.ack(entries[:1])
    assert isinstance(streams.publish_many([(0, b"late")])[0], str)
    assert streams.backlog() == {0: 3, 1: 1}


def test_a_dead_consumers_entries_are_claimed_with_their_delivery_count_and_dead_lettered(
    ns: tuple[redis.Redis, str],
) -> None:
    streams = make_streams(ns, shards=1, claim_idle_ms=20, max_deliveries=2)
    streams.publish_many([(0, b"good"), (0, b"poison")])
    first = streams.read([0], "dead-worker", 10, None)  # delivered once, never acknowledged
    assert [e.deliveries for e in first] == [1, 1]
    assert streams.reclaim(0, "w2", 10) == []  # not idle long enough yet
    time.sleep(0.03)
    claimed = streams.reclaim(0, "w2", 10)  # second delivery, to w2
    assert [(e.data, e.deliveries) for e in claimed] == [(b"good", 2), (b"poison", 2)]
    time.sleep(0.03)
    claimed = streams.reclaim(0, "w3", 10)  # w2 died too: a delivery more, nothing dropped
    assert [(e.data, e.deliveries) for e in claimed] == [(b"good", 3), (b"poison", 3)]
    good, poison = claimed
    # attempts alone are counted per entry, and forgotten when it is acknowledged
    assert [streams.count_attempt(good), streams.count_attempt(good)] == [1, 2]
    assert streams.count_attempt(poison) == 1
    streams.ack([good])
    assert streams.count_attempt(good) == 1  # (a count for an id that is gone: a no-op key)
    streams.ack([good])
    streams.dead_letter(poison, 1)
    [letter] = streams.dead_letters()
    assert (letter.shard, letter.id, letter.deliveries, letter.attempts, letter.data) == (
        0,
        first[1].id,
        3,
        1,
        b"poison",
    )
    assert streams.backlog() == {0: 0}  # nothing left behind in the shard
    assert streams.client.exists(f"{streams.prefix}attempts:0") == 0  # nor any count


def test_resume_takes_the_entries_pending_under_our_own_name_at_once(
    ns: tuple[redis.Redis, str],
) -> None:
    streams = make_streams(ns, shards=1, claim_idle_ms=60_000)
    streams.publish_many([(0, b"a"), (0, b"b"), (0, b"c")])
    assert len(streams.read([0], "w1", 2, None)) == 2  # w1 dies holding a and b
    streams.read([0], "other", 1, None)  # c: another live worker's
    assert streams.reclaim(0, "w1", 10) == []  # idle far less than claim_idle_ms
    resumed = streams.resume(0, "w1", 10)  # w1 again, a new process under the same name
    assert [(e.data, e.deliveries) for e in resumed] == [(b"a", 2), (b"b", 2)]
    assert streams.resume(0, "w1", 1)[0].deliveries == 3  # only ours, capped at count


def test_two_workers_split_the_shards_and_one_takes_over_after_the_other_dies(
    ns: tuple[redis.Redis, str],
) -> None:
    client, prefix = ns
    one = ShardLeases(client, prefix, 4, "one", ttl_ms=1000)
    two = ShardLeases(client, prefix, 4, "two", ttl_ms=1000)
    assert one.refresh() == {0, 1, 2, 3}  # alone: everything
    assert two.refresh() == set()  # all taken; its heartbeat halves one's fair share
    assert len(one.refresh()) == 2  # gives two back
    held_two = two.refresh()
    assert len(held_two) == 2 and held_two.isdisjoint(one.held)
    assert one.refresh() | two.refresh() == {0, 1, 2, 3}  # stable
    # "one" dies (stops renewing): its leases and heartbeat expire, "two" takes everything
    time.sleep(1.05)
    assert two.refresh() == {0, 1, 2, 3}
    assert {client.get(two.key(s)) for s in range(4)} == {b"two"}
    # a lease taken by another is noticed, not renewed over it
    client.set(two.key(0), "intruder", px=1000)
    assert two.refresh() == {1, 2, 3}
    assert client.get(two.key(0)) == b"intruder"
    two.release_all()
    assert client.get(two.key(1)) is None and two.live_workers() == 0


def test_a_worker_restarted_under_its_name_takes_its_own_leases_back_at_once(
    ns: tuple[redis.Redis, str],
) -> None:
    client, prefix = ns
    one = ShardLeases(client, prefix, 4, "one", ttl_ms=60_000)
    two = ShardLeases(client, prefix, 4, "two", ttl_ms=60_000)
    assert one.refresh() == {0, 1, 2, 3}
    two.refresh()
    assert len(one.refresh()) == 2 and len(two.refresh()) == 2
    # "one" is killed and started again under its name: the new process takes the leases
    # the dead one held (names are unique per live process), long before the TTL
    again = ShardLeases(client, prefix, 4, "one", ttl_ms=60_000)
    assert again.refresh() == one.held
    assert client.pttl(again.key(min(again.held))) > 59_000  # renewed by the new process
    # a name that held nothing takes nothing of another's
    three = ShardLeases(client, prefix, 4, "three", ttl_ms=60_000)
    assert three.refresh() == set()
    assert two.refresh() == two.held and len(two.held) == 2


def test_stats_give_each_shards_length_lag_and_pending_and_the_dead_letters(
    ns: tuple[redis.Redis, str],
) -> None:
    client, prefix = ns
    fresh = ChatStreams(client, prefix, shards=2)  # before ensure_groups: no stream yet
    assert [(s.length, s.lag, s.pending) for s in fresh.stats()] == [(0, 0, 0), (0, 0, 0)]
    streams = make_streams(ns, shards=2, claim_idle_ms=10, max_deliveries=1)
    streams.publish_many([(0, f"m{i}".encode()) for i in range(5)] + [(1, b"x")])
    assert [(s.shard, s.length, s.lag, s.pending) for s in streams.stats()] == [
        (0, 5, 5, 0),
        (1, 1, 1, 0),
    ]
    read = streams.read([0], "w", 3, None)
    streams.ack([read[1]])  # out of order: a hole before undelivered entries
    streams.publish_many([(0, b"m5")])
    s0 = streams.stats()[0]
    assert (s0.length, s0.lag, s0.pending) == (5, 3, 2)
    assert streams.dead_letter_count() == 0
    time.sleep(0.02)
    for entry in streams.reclaim(0, "w2", 10):  # both pending ones given up
        streams.dead_letter(entry, 1)
    s0 = streams.stats()[0]
    assert (s0.length, s0.lag, s0.pending) == (3, 3, 0)
    assert streams.dead_letter_count() == 2
