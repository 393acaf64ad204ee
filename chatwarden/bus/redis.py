"""The ``Bus`` over Redis pub/sub, for several processes (gateways and workers, issue 16).

Events are routed by channel: a channel's events (topics ``channel:{id}`` and ``mods:{id}``)
are published on its own pub/sub channel ``{prefix}events:{id}``, everything else (a user's
notices, credential ends) on ``{prefix}events``. Each process runs one listener thread that
hears ``{prefix}events`` always and a channel's pub/sub channel only while something in the
process subscribes to one of its topics (its first local subscriber subscribes it in Redis,
its last one's ``close`` unsubscribes it), and hands what arrives to a local
``InProcessBus``, which does what it does in one process: chunks per topic, bounded buffers
per subscriber, resync markers. So a WebSocket on gateway A hears an event that a worker or
gateway B published, a gateway hears nothing of channels none of its clients watch, and the
web edge needs no change.

Subscribing in Redis takes a round trip that the subscriber does not wait for; ``head`` and
``replay`` (the reads a chat socket makes after subscribing, to place its cursor) wait until
Redis has confirmed the channel's subscription, so an event published after the read is
heard live, and one published before it is in what was read (duplicates are dropped by
``seq``, ``web/resume.py``).

A user's events about no channel (topic ``user:{id}``, no ``event.channel_id``) are kept in
the user's notices stream ``{prefix}un:{id}`` (same cap and lifetime) and carry its entry id as
``notice_seq`` (not ``seq``: the ids of another stream, resumed apart, ``replay_notices``).

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
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import redis

from chatwarden.bus import EMPTY_SEQ, SEQ
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


#: KEYS: the batch's events streams. ARGV: the pub/sub channel for other topics, the streams'
#: MAXLEN, their lifetime (ms), then per key its channel's pub/sub channel, then per event its
#: topic, its stream's index in KEYS (0: none), the index of the key whose pub/sub channel
#: carries it (0: the common one; a user's notice is kept in its channel's stream but travels
#: on the common channel) and its JSON. Appends each kept event, renews each stream's expiry,
#: publishes ``[[topic, seq, event], ...]`` (seq "" for the unkept) once per pub/sub channel
#: and returns the ids.
_PUBLISH = """
local n = #KEYS
local groups, order, ids = {}, {}, {}
for i = 4 + n, #ARGV, 4 do
  local topic, k, g, ev = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), ARGV[i + 3]
  local seq = ''
  if k > 0 then
    seq = redis.call('XADD', KEYS[k], 'MAXLEN', '~', ARGV[2], '*', 't', topic, 'e', ev)
  end
  ids[#ids + 1] = seq
  local group = groups[g]
  if group == nil then
    group = {}
    groups[g] = group
    order[#order + 1] = g
  end
  group[#group + 1] = '["' .. topic .. '","' .. seq .. '",' .. ev .. ']'
end
for _, key in ipairs(KEYS) do
  redis.call('PEXPIRE', key, ARGV[3])
end
for _, k in ipairs(order) do
  local target = ARGV[1]
  if k > 0 then
    target = ARGV[3 + k]
  end
  redis.call('PUBLISH', target, '[' .. table.concat(groups[k], ',') .. ']')
end
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
        # channel id -> local subscriptions to its topics; pub/sub channel -> SUBSCRIBEs sent
        # and not yet confirmed by Redis (``head``/``replay`` wait for 0)
        self._watching: Counter[int] = Counter()
        self._unconfirmed: Counter[str] = Counter()
        self._routing = threading.Condition()
        self._pubsub = client.pubsub()  # type: ignore[no-untyped-call]
        self._pubsub.subscribe(**{self.channel: self._on_message})
        self._thread = _Listener(
            self._pubsub, self._confirmed, ListenerBackoff("Redis event listener")
        )
        self._thread.start()
        self.published = 0
        #: events this process's listener handed on, in all and by pub/sub channel (a
        #: gateway hears only the channels its clients watch)
        self.received = 0
        self.heard: Counter[str] = Counter()

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self.publish_many([(topic, event)])

    def publish_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """One PUBLISH for the whole batch: the listeners split it by topic again."""
        keys: dict[str, int] = {}
        routes: list[str] = []
        events: list[str | bytes | int] = []
        for topic, event in items:
            index = 0
            channel_id = _channel_of(topic)
            kept = channel_id if channel_id is not None else _notice_channel(topic, event)
            key = route = None
            if kept is not None:
                key, route = self.events_key(kept), self.route(kept)
            elif (user_id := _notice_user(topic, event)) is not None:
                # travels on the common channel (group 0): its route is never used
                key, route = self.notices_key(user_id), self.channel
            if key is not None and route is not None:
                index = keys.get(key, 0)
                if not index:
                    index = keys[key] = len(keys) + 1
                    routes.append(route)
            group = index if channel_id is not None else 0
            events += [topic, index, group, _dumps(event)]
        if events:
            head: list[str | bytes | int] = [self.channel, self.events_max_len, self.events_ttl_ms]
            self._script(keys=list(keys), args=head + routes + events)
            self.published += len(events) // 4

    #: a channel's events are kept in its events stream
    history = True

    def events_key(self, channel_id: int) -> str:
        return f"{self._prefix}ev:{channel_id}"

    def notices_key(self, user_id: int) -> str:
        """The stream of a user's events about no channel."""
        return f"{self._prefix}un:{user_id}"

    def route(self, channel_id: int) -> str:
        """The pub/sub channel that carries the channel's live events."""
        return f"{self.channel}:{channel_id}"

    def head(self, channel_id: int) -> str | None:
        """The id of the channel's newest kept event (None: its stream is empty or gone),
        read once this process hears the channel live (if anything here subscribes to it)."""
        self.wait_routed(channel_id)
        newest = self._client.xrevrange(self.events_key(channel_id), count=1)
        entry_id = newest[0][0] if newest else None
        return entry_id.decode() if isinstance(entry_id, bytes) else entry_id

    def replay(
        self, channel_id: int, since: str, topics: Iterable[str], limit: int = 1000
    ) -> list[Event] | None:
        """The channel's events on ``topics`` after ``since`` (a ``seq`` a client saw), oldest
        first, each with its ``seq``; None when they cannot all be had: ``since`` is not an id
        of this channel's stream any more (trimmed away, expired, or never was), or more than
        ``limit`` events followed it (a reload is cheaper). ``since`` ``"0-0"``: the cursor of
        a stream that was empty (an EventSub subscription's, ``session_reconnect``), the whole
        stream unless it was ever trimmed."""
        if SEQ.fullmatch(since) is None:
            return None
        self.wait_routed(channel_id)
        key = self.events_key(channel_id)
        after = self._whole(key, limit) if since == EMPTY_SEQ else self._after(key, since, limit)
        if after is None:
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

    def notices_head(self, user_id: int) -> str | None:
        """The ``notice_seq`` of the user's newest kept event about no channel; ``"0-0"`` when
        none is kept (most users: every later one follows it, ``replay_notices``)."""
        newest = self._client.xrevrange(self.notices_key(user_id), count=1)
        if not newest:
            return EMPTY_SEQ
        entry_id = newest[0][0]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    def replay_notices(self, user_id: int, since: str, limit: int = 1000) -> list[Event] | None:
        """The user's events about no channel after the one whose ``notice_seq`` is ``since``,
        oldest first, each with its ``notice_seq``; None as ``replay`` (``since`` is gone or
        never was, or more than ``limit`` followed it). ``since`` ``"0-0"`` (the stream was
        empty): the whole stream, unless it was ever trimmed. They travel on the common channel,
        which every process hears from its start: no routing to wait for."""
        if SEQ.fullmatch(since) is None:
            return None
        key = self.notices_key(user_id)
        after = self._whole(key, limit) if since == EMPTY_SEQ else self._after(key, since, limit)
        if after is None:
            return None
        out: list[Event] = []
        for entry_id, fields in after:
            event = _loads(fields[b"e"])
            event["notice_seq"] = entry_id.decode()
            out.append(event)
        return out

    def _whole(self, key: str, limit: int) -> list[Any] | None:
        """Every entry of stream ``key`` (none: it does not exist); None when it ever lost an
        entry (trimmed: fewer kept than added) or holds more than ``limit``; one ``MULTI``."""
        pipe = self._client.pipeline(transaction=True)
        pipe.xinfo_stream(key)
        pipe.xrange(key, "-", "+", count=limit + 1)
        info, entries = pipe.execute(raise_on_error=False)
        if isinstance(entries, Exception):
            raise entries
        if isinstance(info, Exception):
            if "no such key" in str(info).lower():  # nothing since the cursor
                return []
            raise info
        if info["entries-added"] != info["length"] or len(entries) > limit:
            return None
        return list(entries)

    def _after(self, key: str, since: str, limit: int) -> list[Any] | None:
        """The entries of stream ``key`` after ``since`` (None: ``since`` is not an entry of
        it now, or more than ``limit`` follow); one ``MULTI``."""
        pipe = self._client.pipeline(transaction=True)
        pipe.xrange(key, since, since, count=1)
        pipe.xrange(key, f"({since}", "+", count=limit + 1)
        found, after = pipe.execute()
        if not found or len(after) > limit:
            return None
        return list(after)

    def subscribe(
        self, topic: str, sink: Callable[[Chunk], None] | None = None
    ) -> MemorySubscription:
        """A local subscription; a channel's first one subscribes this process to the
        channel's pub/sub channel (not waiting for Redis to confirm: ``wait_routed``)."""
        sub = self._local.subscribe(topic, sink)
        if (channel_id := _channel_of(topic)) is not None:
            self._watch(channel_id)
            sub.on_close = lambda: self._unwatch(channel_id)
        return sub

    def subscriber_count(self, topic: str) -> int:
        return self._local.subscriber_count(topic)

    def routed(self) -> set[int]:
        """The channels whose live events this process hears now (or will, once confirmed)."""
        with self._routing:
            return set(self._watching)

    def wait_routed(self, channel_id: int, timeout_s: float = 5.0) -> bool:
        """Wait until Redis has confirmed every subscription sent for the channel (at once
        when there is none); False if it did not within ``timeout_s`` (Redis is down: the
        caller's own read fails or is late anyway)."""
        route = self.route(channel_id)
        with self._routing:
            return self._routing.wait_for(lambda: not self._unconfirmed[route], timeout_s)

    def _watch(self, channel_id: int) -> None:
        with self._routing:  # one lock: SUBSCRIBE and UNSUBSCRIBE go out in count order
            self._watching[channel_id] += 1
            if self._watching[channel_id] == 1:
                route = self.route(channel_id)
                self._unconfirmed[route] += 1
                try:
                    self._pubsub.subscribe(**{route: self._on_message})
                except redis.RedisError as exc:
                    self._unconfirmed.pop(route, None)
                    # redis-py resubscribes on reconnect only to the channels whose SUBSCRIBE
                    # it sent: keep this one among them, or the channel stays unheard here
                    self._pubsub.channels.update(
                        self._pubsub._normalize_keys({route: self._on_message})
                    )
                    log.warning("could not subscribe to %s now (on reconnect): %s", route, exc)

    def _unwatch(self, channel_id: int) -> None:
        with self._routing:
            self._watching[channel_id] -= 1
            if self._watching[channel_id] > 0:
                return
            del self._watching[channel_id]
            try:
                self._pubsub.unsubscribe(self.route(channel_id))
            except redis.RedisError as exc:
                log.warning("could not unsubscribe from %s now: %s", self.route(channel_id), exc)

    def _confirmed(self, route: str) -> None:
        """Redis confirmed a SUBSCRIBE (the listener thread; a reconnect's resubscriptions
        too, which nobody waits for)."""
        with self._routing:
            if self._unconfirmed[route] > 0:
                self._unconfirmed[route] -= 1
            if not self._unconfirmed[route]:
                del self._unconfirmed[route]
            self._routing.notify_all()

    def _on_message(self, message: dict[str, Any]) -> None:
        try:
            items = []
            for topic, seq, event in _loads(message["data"]):
                if seq:
                    event[_seq_field(topic, event)] = seq
                items.append((str(topic), event))
        except (TypeError, ValueError):
            log.warning("ignored a malformed event batch on %s", message.get("channel"))
            return
        self.received += len(items)
        route = message.get("channel")
        self.heard[route.decode() if isinstance(route, bytes) else str(route)] += len(items)
        self._local.publish_many(items)

    def close(self) -> None:
        """Stop the listener thread (subscriptions already handed out hear nothing more)."""
        self._thread.stop()
        self._thread.join(timeout=2)
        self._pubsub.close()


def _notice_channel(topic: str, event: dict[str, Any]) -> int | None:
    """The channel whose events stream keeps an event for one user (a notice, a restricted
    user's own message; None: not kept). It is kept under its recipient's topic ``user:{id}``,
    which only that user's ``replay`` asks for."""
    if not topic.startswith("user:"):
        return None
    body = event.get("event")
    channel_id = body.get("channel_id") if isinstance(body, dict) else None
    return channel_id if isinstance(channel_id, int) and channel_id > 0 else None


def _notice_user(topic: str, event: dict[str, Any]) -> int | None:
    """The user whose notices stream keeps an event for them about no channel (None: it is
    about a channel, or not for one user)."""
    if not topic.startswith("user:") or _notice_channel(topic, event) is not None:
        return None
    user_id = topic[5:]
    return int(user_id) if user_id.isdigit() else None


def _seq_field(topic: str, event: dict[str, Any]) -> str:
    """``notice_seq`` for an entry of a user's notices stream, else ``seq``."""
    return "notice_seq" if _notice_user(topic, event) is not None else "seq"


def _channel_of(topic: str) -> int | None:
    """The channel whose events stream and pub/sub channel carry ``topic`` (None: other)."""
    found = _CHANNEL_TOPIC.fullmatch(topic)
    return None if found is None else int(found.group(1))


class _Listener(threading.Thread):
    """The event listener: reads the pub/sub connection (handlers run here) and reports
    Redis's subscription confirmations, which redis-py's ``run_in_thread`` swallows."""

    def __init__(
        self,
        pubsub: Any,
        confirmed: Callable[[str], None],
        backoff: Callable[[BaseException, Any, Any], None],
    ) -> None:
        super().__init__(name="redis-event-listener", daemon=True)
        self._pubsub = pubsub
        self._confirmed = confirmed
        self._backoff = backoff
        self._running = threading.Event()
        self._running.set()

    def run(self) -> None:
        while self._running.is_set():
            try:
                message = self._pubsub.get_message(timeout=0.5)
                if message is not None and message.get("type") == "subscribe":
                    route = message["channel"]
                    self._confirmed(route.decode() if isinstance(route, bytes) else route)
            except BaseException as exc:  # as run_in_thread: log, back off, reconnect
                self._backoff(exc, self._pubsub, self)
        self._pubsub.close()

    def stop(self) -> None:
        self._running.clear()


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
