"""The in-process bus: per-subscriber bounded buffers on the subscriber's loop, fed thread-safely.

Events travel in chunks: ``publish_many`` hands each subscriber the list of its topic's events
with one loop callback per subscribing loop (not one per event and subscriber), and every
subscriber of a topic receives the same list object, so a consumer can encode a chunk once and
share the result (``chatwarden.web.outbox``).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

_RESYNC: dict[str, Any] = {"type": "resync"}

Chunk = list[dict[str, Any]]


class MemorySubscription:
    """One listener on one topic; a full buffer drops its oldest events and queues a resync."""

    def __init__(
        self,
        bus: InProcessBus,
        topic: str,
        maxsize: int,
        sink: Callable[[Chunk], None] | None = None,
    ) -> None:
        self.topic = topic
        self._sink = sink
        self._bus = bus
        self._maxsize = maxsize
        self._chunks: deque[Chunk] = deque()
        self._count = 0
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._closed = False
        self._lost = False
        self.dropped = 0
        #: called once when the subscription closes (``RedisBus``: the channel's routing)
        self.on_close: Callable[[], None] | None = None

    def _push(self, chunk: Chunk) -> None:
        # Runs on the subscriber's loop.
        if self._closed or not chunk:
            return
        if self._sink is not None:  # handed straight on: no buffer, no task to wake
            self._sink(chunk)
            return
        self._chunks.append(chunk)
        self._count += len(chunk)
        while self._count > self._maxsize:
            oldest = self._chunks.popleft()
            excess = self._count - self._maxsize
            if excess < len(oldest):  # keep the newest part of the oldest chunk
                self._chunks.appendleft(oldest[excess:])
                oldest = oldest[:excess]
            self._count -= len(oldest)
            self.dropped += len(oldest)
            self._lost = True
        self._ready.set()

    def deliver(self, event: dict[str, Any]) -> None:
        """Hand ``event`` over from any thread."""
        self._bus._hand_over([(self, [event])])

    def __aiter__(self) -> MemorySubscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while True:
            if self._lost:
                self._lost = False
                return dict(_RESYNC)
            if self._chunks:
                chunk = self._chunks[0]
                if len(chunk) == 1:
                    self._chunks.popleft()
                else:
                    self._chunks[0] = chunk[1:]
                self._count -= 1
                return chunk[0]
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()

    async def next_chunks(self) -> list[Chunk]:
        """Wait for events; everything buffered, as the chunks it arrived in (a resync marker
        first when events were dropped). Empty once the subscription is closed."""
        while not self._chunks and not self._lost:
            if self._closed:
                return []
            self._ready.clear()
            await self._ready.wait()
        out = list(self._chunks)
        self._chunks.clear()
        self._count = 0
        if self._lost:
            self._lost = False
            out.insert(0, [dict(_RESYNC)])
        return out

    def pending(self) -> int:
        return self._count

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._bus._remove(self)
            if self.on_close is not None:
                self.on_close()
            try:
                self._loop.call_soon_threadsafe(self._ready.set)
            except RuntimeError:
                pass


class InProcessBus:
    """Fan-out inside one process. ``publish``/``publish_many`` may be called from any thread."""

    def __init__(self, max_pending: int = 1000) -> None:
        self._max_pending = max_pending
        self._topics: dict[str, set[MemorySubscription]] = {}
        self._lock = threading.Lock()
        self.published = 0

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self.publish_many([(topic, event)])

    def publish_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Publish events in order; each topic's events reach its subscribers as one chunk."""
        by_topic: dict[str, Chunk] = {}
        for topic, event in items:
            by_topic.setdefault(topic, []).append(event)
        with self._lock:
            self.published += sum(len(chunk) for chunk in by_topic.values())
            handovers = [
                (sub, chunk)
                for topic, chunk in by_topic.items()
                for sub in self._topics.get(topic, ())
            ]
        self._hand_over(handovers)

    def _hand_over(self, handovers: list[tuple[MemorySubscription, Chunk]]) -> None:
        """Push chunks to their subscribers: directly on the caller's own loop, else with one
        ``call_soon_threadsafe`` per subscribing loop."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        per_loop: dict[asyncio.AbstractEventLoop, list[tuple[MemorySubscription, Chunk]]] = {}
        for sub, chunk in handovers:
            if sub._loop is running:
                sub._push(chunk)
            else:
                per_loop.setdefault(sub._loop, []).append((sub, chunk))
        for loop, group in per_loop.items():
            try:
                loop.call_soon_threadsafe(_push_all, group)
            except RuntimeError:  # the loop is closed: its listeners are gone
                for sub, _ in group:
                    sub.close()

    def subscribe(
        self, topic: str, sink: Callable[[Chunk], None] | None = None
    ) -> MemorySubscription:
        sub = MemorySubscription(self, topic, self._max_pending, sink)
        with self._lock:
            self._topics.setdefault(topic, set()).add(sub)
        return sub

    #: one process keeps no event history: nothing can be resumed
    history = False

    def head(self, channel_id: int) -> str | None:
        return None

    def replay(
        self, channel_id: int, since: str, topics: Iterable[str], limit: int = 1000
    ) -> list[dict[str, Any]] | None:
        return None

    def notices_head(self, user_id: int) -> str | None:
        return None

    def replay_notices(
        self, user_id: int, since: str, limit: int = 1000
    ) -> list[dict[str, Any]] | None:
        return None

    def subscriber_count(self, topic: str) -> int:
        with self._lock:
            return len(self._topics.get(topic, ()))

    def _remove(self, sub: MemorySubscription) -> None:
        with self._lock:
            subs = self._topics.get(sub.topic)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._topics[sub.topic]


def _push_all(group: list[tuple[MemorySubscription, Chunk]]) -> None:
    for sub, chunk in group:
        sub._push(chunk)
