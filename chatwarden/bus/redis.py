"""The ``Bus`` over Redis pub/sub, for several processes (gateways and workers, issue 16).

Every process publishes its events to one Redis pub/sub channel (``{prefix}events``) and runs
one listener thread that hands what arrives to a local ``InProcessBus``, which does what it
does in one process: chunks per topic, bounded buffers per subscriber, resync markers. So a
WebSocket on gateway A hears an event that a worker or gateway B published, and the web edge
needs no change.

A channel's events (topics ``channel:{id}`` and ``mods:{id}``) are also appended to its
events stream ``{prefix}ev:{id}`` (capped at about ``events_max_len`` entries, ``MAXLEN ~``),
and each such event carries its entry id as ``seq``: one Lua script appends a batch's events
and publishes the batch with their ids, so the ids a subscriber hears on a channel only grow,
whichever process published them. A client that reconnects to any gateway with the last
``seq`` it saw gets the entries after it from the stream (``replay``), then live events.

Pub/sub only notifies (the database is the truth, see ``bus/__init__.py``): a gateway that was
disconnected from Redis misses events, and its clients resync from the database as they do
after a dropped buffer; the listener reconnects with back-off (``ListenerBackoff``).
``publish`` is one Redis round trip (about 0.1 ms on one host), so it "never blocks" only in
the sense the protocol needs: it does not wait for any subscriber.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import redis

from chatwarden.bus import SEQ
from chatwarden.bus.memory import InProcessBus, MemorySubscription
from chatwarden.errors import ConfigError

log = logging.getLogger(__name__)

Chunk = list[dict[str, Any]]
Event = dict[str, Any]


def connect(url: str) -> redis.Redis:
    """A client for ``redis://host:port/db`` (``rediss://`` for TLS), checked with a PING so
    a wrong URL fails at start-up with a message that names it."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"bus URL must start with redis://, rediss:// or unix://, got {url!r}")
    client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise ConfigError(f"cannot reach Redis at {url}: {exc}") from None
    return client


def ping(url: str, timeout_s: float = 1.0) -> None:
    """PING ``url`` on a connection of its own that waits at most ``timeout_s`` to connect and
    to answer (a readiness probe: never behind a busy pool, never hanging); raises
    ``redis.RedisError`` when Redis does not answer."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        client.ping()
    finally:
        client.close()


#: KEYS: the batch's events streams. ARGV: the pub/sub channel, the streams' MAXLEN, their
#: lifetime (ms), then per event its topic, its stream's index in KEYS (0: none) and its JSON.
#: Appends each channel event, publishes ``[[topic, seq, event], ...]`` (seq "" for the
#: others), renews each stream's expiry and returns the ids.
_PUBLISH = """
local parts, ids = {}, {}
for i = 4, #ARGV, 3 do
  local topic, k, ev = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local seq = ''
  if k > 0 then
    seq = redis.call('XADD', KEYS[k], 'MAXLEN', '~', ARGV[2], '*', 't', topic, 'e', ev)
  end
  ids[#ids + 1] = seq
  parts[#parts + 1] = '["' .. topic .. '","' .. seq .. '",' .. ev .. ']'
end
for _, key in ipairs(KEYS) do
  redis.call('PEXPIRE', key, ARGV[3])
end
redis.call('PUBLISH', ARGV[1], '[' .. table.concat(parts, ',') .. ']')
return ids
"""

#: a channel's topics, whose events go to its events stream
_CHANNEL_TOPIC = re.compile(r"(?:channel|mods):(\d+)")


class RedisBus:
    """``Bus`` for many processes: publish to Redis, deliver locally from a listener thread."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        max_pending: int = 1000,
        events_max_len: int = 1000,
        events_ttl_s: float = 3600,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self.events_max_len = events_max_len
        self.events_ttl_ms = max(1, int(events_ttl_s * 1000))
        self.channel = f"{prefix}events"
        self._script = client.register_script(_PUBLISH)
        self._local = InProcessBus(max_pending)
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self._pubsub.subscribe(**{self.channel: self._on_message})
        self._thread = self._pubsub.run_in_thread(
            sleep_time=0.5, daemon=True, exception_handler=ListenerBackoff("Redis event listener")
        )
        self.published = 0

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self.publish_many([(topic, event)])

    def publish_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """One PUBLISH for the whole batch: the listeners split it by topic again."""
        keys: dict[str, int] = {}
        args: list[str | bytes | int] = [self.channel, self.events_max_len, self.events_ttl_ms]
        for topic, event in items:
            index = 0
            if (found := _CHANNEL_TOPIC.fullmatch(topic)) is not None:
                index = keys.setdefault(self.events_key(int(found.group(1))), len(keys) + 1)
            args += [topic, index, _dumps(event)]
        if len(args) > 3:
            self._script(keys=list(keys), args=args)
            self.published += (len(args) - 3) // 3

    #: a channel's events are kept in its events stream
    history = True

    def events_key(self, channel_id: int) -> str:
        return f"{self._prefix}ev:{channel_id}"

    def head(self, channel_id: int) -> str | None:
        """The id of the channel's newest kept event (None: its stream is empty or gone)."""
        newest = self._client.xrevrange(self.events_key(channel_id), count=1)
        entry_id = newest[0][0] if newest else None
        return entry_id.decode() if isinstance(entry_id, bytes) else entry_id

    def replay(
        self, channel_id: int, since: str, topics: Iterable[str], limit: int = 1000
    ) -> list[Event] | None:
        """The channel's events on ``topics`` after ``since`` (a ``seq`` a client saw), oldest
        first, each with its ``seq``; None when they cannot all be had: ``since`` is not an id
        of this channel's stream any more (trimmed away, expired, or never was), or more than
        ``limit`` events followed it (a reload is cheaper)."""
        if SEQ.fullmatch(since) is None:
            return None
        key = self.events_key(channel_id)
        pipe = self._client.pipeline(transaction=True)
        pipe.xrange(key, since, since, count=1)
        pipe.xrange(key, f"({since}", "+", count=limit + 1)
        found, after = pipe.execute()
        if not found or len(after) > limit:
            return None
        wanted = set(topics)
        out: list[Event] = []
        for entry_id, fields in after:
            if fields.get(b"t", b"").decode() not in wanted:
                continue
            event = _loads(fields[b"e"])
            event["seq"] = entry_id.decode()
            out.append(event)
        return out

    def subscribe(
        self, topic: str, sink: Callable[[Chunk], None] | None = None
    ) -> MemorySubscription:
        return self._local.subscribe(topic, sink)

    def subscriber_count(self, topic: str) -> int:
        return self._local.subscriber_count(topic)

    def _on_message(self, message: dict[str, Any]) -> None:
        try:
            items = []
            for topic, seq, event in _loads(message["data"]):
                if seq:
                    event["seq"] = seq
                items.append((str(topic), event))
        except (TypeError, ValueError):
            log.warning("ignored a malformed event batch on %s", self.channel)
            return
        self._local.publish_many(items)

    def close(self) -> None:
        """Stop the listener thread (subscriptions already handed out hear nothing more)."""
        self._thread.stop()
        self._thread.join(timeout=2)
        self._pubsub.close()


def _dumps(value: Any) -> bytes:
    """orjson (datetimes as ISO text, integer keys as text), else the standard library for
    what orjson refuses (a lone surrogate in a text: escaped, so the bytes stay UTF-8)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value, default=str).encode()


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:  # an escaped lone surrogate: valid JSON, refused by orjson
        return json.loads(data)


class ListenerBackoff:
    """A listener thread's ``exception_handler`` (redis-py's ``run_in_thread``): log the
    failure, then wait before redis-py reconnects, 50 ms doubling up to ``cap_s``, so a Redis
    outage is not a busy loop of failed connects and log lines (thousands a second without
    it); after ``reset_s`` without a failure the next one starts again at 50 ms."""

    def __init__(
        self,
        what: str,
        cap_s: float = 1.0,
        reset_s: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.cap_s = cap_s
        self.reset_s = reset_s
        self.delay = 0.0
        self._sleep = sleep
        self._clock = clock
        self._last = -math.inf

    def __call__(self, exc: BaseException, pubsub: Any, thread: Any) -> None:
        fresh = self._clock() - self._last > self.reset_s
        self.delay = 0.05 if fresh else min(self.cap_s, self.delay * 2)
        log.warning("%s: %s; reconnecting in %.2f s", self.what, exc, self.delay)
        self._sleep(self.delay)
        self._last = self._clock()
