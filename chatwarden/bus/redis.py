"""The ``Bus`` over Redis pub/sub, for several processes (gateways and workers, issue 16).

Every process publishes its events to one Redis pub/sub channel (``{prefix}events``) and runs
one listener thread that hands what arrives to a local ``InProcessBus``, which does what it
does in one process: chunks per topic, bounded buffers per subscriber, resync markers. So a
WebSocket on gateway A hears an event that a worker or gateway B published, and the web edge
needs no change.

Pub/sub only notifies (the database is the truth, see ``bus/__init__.py``): a gateway that was
disconnected from Redis misses events, and its clients resync from the database as they do
after a dropped buffer. ``publish`` is one Redis round trip (about 0.1 ms on one host), so it
"never blocks" only in the sense the protocol needs: it does not wait for any subscriber.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import redis

from chatwarden.bus.memory import InProcessBus, MemorySubscription
from chatwarden.errors import ConfigError

log = logging.getLogger(__name__)

Chunk = list[dict[str, Any]]


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


class RedisBus:
    """``Bus`` for many processes: publish to Redis, deliver locally from a listener thread."""

    def __init__(self, client: redis.Redis, prefix: str, max_pending: int = 1000) -> None:
        self._client = client
        self.channel = f"{prefix}events"
        self._local = InProcessBus(max_pending)
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self._pubsub.subscribe(**{self.channel: self._on_message})
        self._thread = self._pubsub.run_in_thread(
            sleep_time=0.5, daemon=True, exception_handler=_log_and_go_on
        )
        self.published = 0

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self.publish_many([(topic, event)])

    def publish_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """One PUBLISH for the whole batch: the listeners split it by topic again."""
        batch = [[topic, event] for topic, event in items]
        if batch:
            self._client.publish(self.channel, _dumps(batch))
            self.published += len(batch)

    def subscribe(
        self, topic: str, sink: Callable[[Chunk], None] | None = None
    ) -> MemorySubscription:
        return self._local.subscribe(topic, sink)

    def subscriber_count(self, topic: str) -> int:
        return self._local.subscriber_count(topic)

    def _on_message(self, message: dict[str, Any]) -> None:
        try:
            batch = _loads(message["data"])
            items = [(str(topic), event) for topic, event in batch]
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


def _log_and_go_on(exc: BaseException, pubsub: Any, thread: Any) -> None:
    """The listener thread survives a Redis outage: log it and let redis-py reconnect."""
    log.warning("Redis event listener: %s; reconnecting", exc)
