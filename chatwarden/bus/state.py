"""Shared per-channel chat state: rate windows, slow-mode clocks and duplicate detection.

Behind the ``ChatState`` protocol so a Redis implementation can serve many gateway nodes.
This state is advisory (losing it only relaxes limits briefly); the database stays the truth.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Protocol


class ChatState(Protocol):
    def hit_rate(self, key: str, now: datetime, window_s: float, limit: int) -> float | None:
        """Count one event for ``key``: None if within ``limit`` per window, else the wait."""
        ...

    def slow_mode_wait(self, key: str, now: datetime, interval_s: float) -> float | None:
        """None (and record ``now``) if the last send is ``interval_s`` old, else the wait."""
        ...

    def seen_recently(self, key: str, fingerprint: str, now: datetime, window_s: float) -> bool:
        """True if ``fingerprint`` was seen under ``key`` in the window; else records it."""
        ...

    def forget(self, key: str) -> None: ...


class MemoryChatState:
    """In-process ``ChatState`` (thread-safe)."""

    def __init__(self, max_fingerprints: int = 500) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, deque[datetime]] = {}
        self._last: dict[str, datetime] = {}
        self._seen: dict[str, dict[str, datetime]] = {}
        self._max_fingerprints = max_fingerprints

    def hit_rate(self, key: str, now: datetime, window_s: float, limit: int) -> float | None:
        start = now - timedelta(seconds=window_s)
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= start:
                hits.popleft()
            if len(hits) >= limit:
                return max((hits[0] - start).total_seconds(), 0.001)
            hits.append(now)
            return None

    def slow_mode_wait(self, key: str, now: datetime, interval_s: float) -> float | None:
        with self._lock:
            last = self._last.get(key)
            if last is not None:
                wait = interval_s - (now - last).total_seconds()
                if wait > 0:
                    return wait
            self._last[key] = now
            return None

    def seen_recently(self, key: str, fingerprint: str, now: datetime, window_s: float) -> bool:
        start = now - timedelta(seconds=window_s)
        with self._lock:
            seen = self._seen.setdefault(key, {})
            when = seen.get(fingerprint)
            if when is not None and when > start:
                return True
            seen[fingerprint] = now
            if len(seen) > self._max_fingerprints:
                for fp in [fp for fp, t in seen.items() if t <= start]:
                    del seen[fp]
                while len(seen) > self._max_fingerprints:
                    del seen[next(iter(seen))]
            return False

    def forget(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
            self._last.pop(key, None)
            self._seen.pop(key, None)
