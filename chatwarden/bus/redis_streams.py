"""Accepted chat messages on Redis Streams, sharded by channel, with leases on the shards
(issue 16; ``docs/scaling.md`` has the whole picture).

Delivery is at least once; the effects are made idempotent above this module (the worker stores
the decision under the message's idempotency key before it acknowledges the entry). Here:

- ``ChatStreams.publish_many``: a gateway appends to ``{prefix}in:{shard}``, shard =
  channel id mod ``shards``. A stream holds at most ``max_len`` unfinished entries (workers
  delete what they acknowledge, so the length *is* the backlog). The check and the append are
  one Lua script; a full stream refuses the entry and the sender gets ``StreamFull`` (HTTP 429
  with Retry-After). XADD's own MAXLEN is not used: it trims the oldest entries, a silent drop.
- ``read``: XREADGROUP in the consumer group ``workers`` on the shards a worker holds.
- ``reclaim``: an entry left pending by a dead (or failing) consumer longer than
  ``claim_idle_ms`` is taken over with XAUTOCLAIM, with its delivery count (from XPENDING),
  which tells the worker to decide it in a small batch or alone.
- ``count_attempt`` / ``dead_letter``: the attempts to decide an entry *alone* are counted in
  the hash ``{prefix}attempts:{shard}`` (the delivery count is no measure of poison: every
  takeover from a killed worker adds one); the worker moves an entry whose ``max_deliveries``
  attempts alone all failed to the dead-letter stream ``{prefix}dead`` (acknowledged and
  deleted from its shard), where operators see it with its shard, id, delivery count,
  attempts and payload.
- ``ack``: XACK and XDEL (and HDEL of the attempt counts) in one transaction, after the
  decision is stored.
- ``ShardLeases``: one key per shard with an expiry, renewed; each live worker (a heartbeat in a
  sorted set) takes a fair share, so two workers split the shards and the survivor takes a dead
  worker's shards once their leases expire. A worker restarted under the same name takes its
  own leases back at once (names are unique per live process: see the class).
- ``reply`` / ``ReplyListener``: the worker's answer to the gateway that holds the sender, over
  pub/sub (a lost answer loses no decision: it is stored; the sender resends with its key).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import redis

from chatwarden.bus.redis import ListenerBackoff
from chatwarden.errors import RateLimited

log = logging.getLogger(__name__)

GROUP = "workers"

#: the dead-letter stream keeps at most this many entries (approximately: older ones are
#: trimmed; an operator who needs them all reads it more often)
DEAD_LETTER_MAX_LEN = 100_000

#: a shard's attempt counts expire this long after the last attempt (each entry's count is
#: deleted when it is acknowledged or dead-lettered; the expiry only bounds a leak)
ATTEMPTS_TTL_MS = 24 * 3600 * 1000

# KEYS[1]: the shard's stream; ARGV: max_len, payload. False: full (nothing appended).
_BOUNDED_XADD = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', 'm', ARGV[2])
"""

# KEYS[1]: a lease; ARGV: owner, ttl_ms. 1 if renewed (still ours).
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS[1]: a lease; ARGV: owner, ttl_ms. 1 if taken: free, or already ours (a process that
# had our name, which is dead since we have it now: names are unique per live process).
_TAKE = """
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# KEYS[1]: a lease; ARGV: owner. Deleted only if ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class StreamFull(RateLimited):
    """The channel's shard holds ``max_len`` unfinished messages: the sender retries later."""

    code = "chat_overloaded"


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry: its shard, its id, its payload (``m``) and how many times it has
    been delivered (1 when read new; a takeover adds one)."""

    shard: int
    id: str
    data: bytes
    deliveries: int = 1


@dataclass(frozen=True, slots=True)
class DeadLetter:
    shard: int
    id: str
    deliveries: int
    data: bytes
    attempts: int = 0  # attempts to decide it alone (0: dead-lettered before this was counted)


@dataclass(frozen=True, slots=True)
class ShardStats:
    """One shard's stream as the ``workers`` group sees it."""

    shard: int
    length: int  # entries in the stream: not yet acknowledged (acknowledged ones are deleted)
    lag: int  # entries not yet delivered to any worker
    pending: int  # delivered to a worker, not yet acknowledged


class ChatStreams:
    """The sharded message streams of one deployment (all keys under ``prefix``)."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        *,
        shards: int = 16,
        max_len: int = 100_000,
        claim_idle_ms: int = 30_000,
        max_deliveries: int = 5,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.shards = shards
        self.max_len = max_len
        self.claim_idle_ms = claim_idle_ms
        self.max_deliveries = max_deliveries
        self.dead_stream = f"{prefix}dead"
        self._xadd = client.register_script(_BOUNDED_XADD)

    def stream(self, shard: int) -> str:
        return f"{self.prefix}in:{shard}"

    def shard_of(self, channel_id: int) -> int:
        return channel_id % self.shards

    def ensure_groups(self) -> None:
        """Create each shard's stream and consumer group (idempotent)."""
        for shard in range(self.shards):
            try:
                self.client.xgroup_create(self.stream(shard), GROUP, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # -- gateway side ---------------------------------------------------------------------

    def publish_many(self, items: Sequence[tuple[int, bytes]]) -> list[str | StreamFull]:
        """Append ``(channel_id, payload)`` pairs in one round trip: each gets its entry id,
        or ``StreamFull`` when its shard is full (that one was not appended)."""
        pipe = self.client.pipeline(transaction=False)
        for channel_id, payload in items:
            shard = self.shard_of(channel_id)
            self._xadd(keys=[self.stream(shard)], args=[self.max_len, payload], client=pipe)
        out: list[str | StreamFull] = []
        for (channel_id, _), entry_id in zip(items, pipe.execute(), strict=True):
            if entry_id is None:
                out.append(self.full_error(self.shard_of(channel_id)))
            else:
                out.append(_text(entry_id))
        return out

    def full_error(self, shard: int) -> StreamFull:
        return StreamFull(
            f"chat is overloaded: {self.max_len} messages are waiting to be checked in this "
            "channel's shard; your message was not sent, send it again in a moment",
            retry_after_s=1.0,
        )

    # -- worker side ----------------------------------------------------------------------

    def read(
        self, shards: Iterable[int], consumer: str, count: int, block_ms: int | None
    ) -> list[Entry]:
        """New entries of ``shards`` for ``consumer``, waiting up to ``block_ms`` for one
        (None: not at all; note that Redis reads 0 as "forever")."""
        streams: dict[Any, Any] = {self.stream(s): ">" for s in shards}
        if not streams:
            return []
        reply: Any = self.client.xreadgroup(GROUP, consumer, streams, count=count, block=block_ms)
        shard_by_stream = {self.stream(s): s for s in shards}
        out: list[Entry] = []
        for name, entries in reply or []:
            shard = shard_by_stream[_text(name)]
            out.extend(_entry(shard, eid, fields) for eid, fields in entries)
        return out

    def reclaim(self, shard: int, consumer: str, count: int) -> list[Entry]:
        """At most ``count`` entries pending longer than ``claim_idle_ms`` (their consumer died
        or failed), now ``consumer``'s, each with its delivery count (this one included)."""
        stream = self.stream(shard)
        pending = self.client.xpending_range(
            stream, GROUP, min="-", max="+", count=count, idle=self.claim_idle_ms
        )
        if not pending:
            return []
        delivered = {_text(p["message_id"]): int(p["times_delivered"]) for p in pending}
        reply = self.client.xautoclaim(
            stream, GROUP, consumer, min_idle_time=self.claim_idle_ms, start_id="0-0", count=count
        )
        # XAUTOCLAIM adds a delivery; one that XPENDING did not list (pending since) has had
        # at least one before
        return [
            _entry(shard, eid, fields, delivered.get(_text(eid), 1) + 1)
            for eid, fields in reply[1]
            if fields
        ]

    def resume(self, shard: int, consumer: str, count: int) -> list[Entry]:
        """At most ``count`` entries pending with ``consumer`` itself, now, whatever their idle
        time: what a process that had this consumer's name read and did not acknowledge before
        it died (names are unique per live process, see ``ShardLeases``)."""
        stream = self.stream(shard)
        pending = self.client.xpending_range(
            stream, GROUP, min="-", max="+", count=count, consumername=consumer
        )
        if not pending:
            return []
        delivered = {_text(p["message_id"]): int(p["times_delivered"]) for p in pending}
        reply: Any = self.client.xclaim(stream, GROUP, consumer, 0, list(delivered))
        return [
            _entry(shard, eid, fields, delivered.get(_text(eid), 1) + 1)
            for eid, fields in reply
            if fields
        ]

    def count_attempt(self, entry: Entry) -> int:
        """Count an attempt to decide ``entry`` alone; the attempts so far, this one included.
        Counted before the attempt, so one that ends the process counts too."""
        key = self._attempts(entry.shard)
        pipe = self.client.pipeline(transaction=False)
        pipe.hincrby(key, entry.id, 1)
        pipe.pexpire(key, ATTEMPTS_TTL_MS)
        return int(pipe.execute()[0])

    def dead_letter(self, entry: Entry, attempts: int) -> None:
        """Move ``entry`` to the dead-letter stream: acknowledged and deleted from its shard,
        in one transaction."""
        stream = self.stream(entry.shard)
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(
            self.dead_stream,
            {
                "shard": entry.shard,
                "id": entry.id,
                "deliveries": entry.deliveries,
                "attempts": attempts,
                "m": entry.data,
            },
            maxlen=DEAD_LETTER_MAX_LEN,
            approximate=True,
        )
        pipe.xack(stream, GROUP, entry.id)
        pipe.xdel(stream, entry.id)
        pipe.hdel(self._attempts(entry.shard), entry.id)
        pipe.execute()
        log.error(
            "dead-lettered entry %s of shard %d after %d attempts alone (%d deliveries)",
            entry.id,
            entry.shard,
            attempts,
            entry.deliveries,
        )

    def _attempts(self, shard: int) -> str:
        return f"{self.prefix}attempts:{shard}"

    def ack(self, entries: Iterable[Entry]) -> None:
        """Acknowledge and delete (the stream's length stays the backlog), and forget their
        attempt counts (a no-op while the shard has none), one transaction."""
        by_shard: dict[int, list[str]] = {}
        for entry in entries:
            by_shard.setdefault(entry.shard, []).append(entry.id)
        if not by_shard:
            return
        pipe = self.client.pipeline(transaction=True)
        for shard, ids in by_shard.items():
            pipe.xack(self.stream(shard), GROUP, *ids)
            pipe.xdel(self.stream(shard), *ids)
            pipe.hdel(self._attempts(shard), *ids)
        pipe.execute()

    # -- operators ------------------------------------------------------------------------

    def dead_letters(self, count: int = 100) -> list[DeadLetter]:
        out = []
        found: Any = self.client.xrange(self.dead_stream, count=count)
        for _, fields in found:
            f = {_text(k): v for k, v in fields.items()}
            out.append(
                DeadLetter(
                    int(f["shard"]),
                    _text(f["id"]),
                    int(f["deliveries"]),
                    bytes(f["m"]),
                    int(f.get("attempts", 0)),
                )
            )
        return out

    def stats(self) -> list[ShardStats]:
        """Every shard's length, lag and pending count, in one round trip (XLEN and XINFO
        GROUPS per shard: O(shards), whatever the backlog). Redis 7 reports no lag when
        deletions inside the undelivered range make it unknowable; since an entry leaves its
        stream only when acknowledged, the undelivered ones are then length - pending."""
        pipe = self.client.pipeline(transaction=False)
        for shard in range(self.shards):
            pipe.xlen(self.stream(shard))
            pipe.xinfo_groups(self.stream(shard))
        replies = pipe.execute(raise_on_error=False)
        out = []
        for shard in range(self.shards):
            length, groups = replies[2 * shard], replies[2 * shard + 1]
            if isinstance(length, Exception):
                raise length
            group = _group(groups)
            pending = int(group.get("pending") or 0)
            lag = group.get("lag")
            out.append(
                ShardStats(
                    shard,
                    int(length),
                    max(0, int(length) - pending) if lag is None else int(lag),
                    pending,
                )
            )
        return out

    def dead_letter_count(self) -> int:
        """Entries in the dead-letter stream (bounded at about ``DEAD_LETTER_MAX_LEN``)."""
        return int(self.client.xlen(self.dead_stream))

    def backlog(self) -> dict[int, int]:
        """Unfinished entries per shard (the stream lengths)."""
        pipe = self.client.pipeline(transaction=False)
        for shard in range(self.shards):
            pipe.xlen(self.stream(shard))
        return dict(enumerate(int(n) for n in pipe.execute()))

    # -- answers to gateways --------------------------------------------------------------

    def reply_channel(self, gateway: str) -> str:
        return f"{self.prefix}reply:{gateway}"

    def reply(self, answers: dict[str, list[Any]]) -> None:
        """Send each gateway its answers (one PUBLISH per gateway)."""
        if not answers:
            return
        pipe = self.client.pipeline(transaction=False)
        for gateway, items in answers.items():
            pipe.publish(self.reply_channel(gateway), orjson.dumps(items))
        pipe.execute()


class ReplyListener:
    """A gateway's listener thread for its answers: ``on_answers`` gets each decoded list."""

    def __init__(
        self, streams: ChatStreams, gateway: str, on_answers: Callable[[list[Any]], None]
    ) -> None:
        self._on_answers = on_answers
        self._pubsub = streams.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self._pubsub.subscribe(**{streams.reply_channel(gateway): self._on_message})
        self._thread = self._pubsub.run_in_thread(
            sleep_time=0.5, daemon=True, exception_handler=ListenerBackoff("Redis answer listener")
        )

    def _on_message(self, message: dict[str, Any]) -> None:
        try:
            items = orjson.loads(message["data"])
        except orjson.JSONDecodeError:
            log.warning("ignored a malformed answer batch")
            return
        if isinstance(items, list):
            self._on_answers(items)

    def close(self) -> None:
        self._thread.stop()
        self._thread.join(timeout=2)
        self._pubsub.close()


class ShardLeases:
    """Which shards this worker owns: ``refresh()`` (call at least every ``ttl_ms / 3``)
    heartbeats, renews what it holds, gives back what exceeds its fair share and takes free
    shards up to it. A lease is a key ``{prefix}lease:{shard}`` = owner, expiring after
    ``ttl_ms``; a worker that stops renewing loses its shards to the others after that.

    ``owner`` must be unique among the live workers: a lease that already holds our name is
    taken as ours (a worker restarted under its fixed ``--name``, by systemd say, resumes its
    shards at once instead of waiting out their TTL), which is right only because the process
    that took it under that name is dead now. Two live workers with one name would both read
    the same shards: no decision lost or stored twice (idempotency keys), but no ownership
    either. The default name (host-pid-random) is unique by construction."""

    def __init__(
        self, client: redis.Redis, prefix: str, shards: int, owner: str, ttl_ms: int = 10_000
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.shards = shards
        self.owner = owner
        self.ttl_ms = ttl_ms
        self.held: set[int] = set()
        self._workers = f"{prefix}workers"
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._take = client.register_script(_TAKE)
        self._lock = threading.Lock()
        # start at a different shard per worker, so two starting together rarely collide
        self._start = sum(owner.encode()) % shards

    def key(self, shard: int) -> str:
        return f"{self.prefix}lease:{shard}"

    def live_workers(self) -> int:
        now_ms = int(time.time() * 1000)
        return int(self.client.zcount(self._workers, now_ms, "+inf"))

    def refresh(self) -> set[int]:
        with self._lock:
            now_ms = int(time.time() * 1000)
            pipe = self.client.pipeline(transaction=False)
            pipe.zadd(self._workers, {self.owner: now_ms + self.ttl_ms})
            pipe.zremrangebyscore(self._workers, "-inf", now_ms)
            pipe.zcard(self._workers)
            live = max(1, int(pipe.execute()[-1]))
            fair = math.ceil(self.shards / live)
            for shard in sorted(self.held):
                if not self._renew(keys=[self.key(shard)], args=[self.owner, self.ttl_ms]):
                    self.held.discard(shard)  # expired and taken: someone else's now
                    log.warning("lost the lease on shard %d", shard)
            for shard in sorted(self.held, reverse=True)[: max(0, len(self.held) - fair)]:
                self._release(keys=[self.key(shard)], args=[self.owner])
                self.held.discard(shard)
            for i in range(self.shards):
                if len(self.held) >= fair:
                    break
                shard = (self._start + i) % self.shards
                if shard in self.held:
                    continue
                if self._take(keys=[self.key(shard)], args=[self.owner, self.ttl_ms]):
                    self.held.add(shard)
            return set(self.held)

    def release_all(self) -> None:
        """Give every shard back at once (a clean stop: the others need not wait the TTL)."""
        with self._lock:
            for shard in sorted(self.held):
                self._release(keys=[self.key(shard)], args=[self.owner])
            self.held.clear()
            self.client.zrem(self._workers, self.owner)


def _entry(shard: int, entry_id: Any, fields: Any, deliveries: int = 1) -> Entry:
    data = fields.get(b"m", fields.get("m", b""))
    payload = data if isinstance(data, bytes) else str(data).encode()
    return Entry(shard, _text(entry_id), payload, deliveries)


def _group(groups: Any) -> dict[str, Any]:
    """The ``workers`` group's XINFO GROUPS row ({} when the stream or group is missing)."""
    if isinstance(groups, Exception):  # no such key: nothing was ever sent to the shard
        if "no such key" in str(groups).lower():
            return {}
        raise groups
    for row in groups or []:
        if _text(row.get("name")) == GROUP:
            return {_text(k): v for k, v in row.items()}
    return {}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
