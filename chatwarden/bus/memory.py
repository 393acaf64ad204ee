"""The in-process bus: per-subscriber bounded asyncio queues, fed thread-safely."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

_RESYNC: dict[str, Any] = {"type": "resync"}


class MemorySubscription:
    """One listener on one topic; a full buffer drops its oldest event and queues a resync."""

    def __init__(self, bus: InProcessBus, topic: str, maxsize: int) -> None:
        self.topic = topic
        self._bus = bus
        self._maxsize = maxsize
        self._buffer: deque[dict[str, Any]] = deque()
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._closed = False
        self._lost = False
        self.dropped = 0

    def _push(self, event: dict[str, Any]) -> None:
        # Runs on the subscriber's loop.
        if self._closed:
            return
        if len(self._buffer) >= self._maxsize:
            self._buffer.popleft()
            self.dropped += 1
            self._lost = True
        self._buffer.append(event)
        self._ready.set()

    def deliver(self, event: dict[str, Any]) -> None:
        """Hand ``event`` over from any thread."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._push(event)
        else:
            try:
                self._loop.call_soon_threadsafe(self._push, event)
            except RuntimeError:  # the loop is closed: the listener is gone
                self.close()

    def __aiter__(self) -> MemorySubscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while True:
            if self._lost:
                self._lost = False
                return dict(_RESYNC)
            if self._buffer:
                return self._buffer.popleft()
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()

    def pending(self) -> int:
        return len(self._buffer)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._bus._remove(self)
            try:
                self._loop.call_soon_threadsafe(self._ready.set)
            except RuntimeError:
                pass


class InProcessBus:
    """Fan-out inside one process. ``publish`` may be called from any thread."""

    def __init__(self, max_pending: int = 1000) -> None:
        self._max_pending = max_pending
        self._topics: dict[str, set[MemorySubscription]] = {}
        self._lock = threading.Lock()
        self.published = 0

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        with self._lock:
            self.published += 1
            subs = list(self._topics.get(topic, ()))
        for sub in subs:
            sub.deliver(event)

    def subscribe(self, topic: str) -> MemorySubscription:
        sub = MemorySubscription(self, topic, self._max_pending)
        with self._lock:
            self._topics.setdefault(topic, set()).add(sub)
        return sub

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
