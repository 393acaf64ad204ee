"""Shared per-channel chat state: rate windows, slow-mode clocks and duplicate detection.

Behind the ``ChatState`` protocol so a Redis implementation can serve many gateway nodes;
``ChatState`` is the chat rules' ``RuleWindows`` (``rules/chat_rules.py``) plus ``forget``.
This state is advisory (losing it only relaxes limits briefly); the database stays the truth.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chatwarden.rules.chat_rules import MemoryWindows, RateHit


class ChatState(Protocol):
    def hit_rate(self, key: str, now: datetime, window_s: float, limit: int) -> float | None:
        """Count one event for ``key``: None if within ``limit`` per window, else the wait."""
        ...

    def hit_rates(self, hits: Sequence[RateHit], now: datetime) -> list[float | None]:
        """``hit_rate`` for each hit at ``now``, in order (a later hit on a key sees the
        earlier ones), as one operation: one Redis round trip for a whole batch."""
        ...

    def slow_mode_wait(self, key: str, now: datetime, interval_s: float) -> float | None:
        """None (and record ``now``) if the last send is ``interval_s`` old, else the wait."""
        ...

    def seen_recently(self, key: str, fingerprint: str, now: datetime, window_s: float) -> bool:
        """True if ``fingerprint`` was seen under ``key`` in the window; else records it."""
        ...

    def forget(self, key: str) -> None: ...

    def grant_permit(self, channel_id: int, user_id: int, until: datetime, now: datetime) -> None:
        """A moderator's link permit (``!permit``) for ``user_id`` in the channel, given at
        ``now``, until ``until``: shared so the process that decides the channel honours it."""
        ...

    def permits(self, channel_id: int, now: datetime) -> dict[int, datetime]:
        """The channel's link permits still running at ``now`` (user id -> end)."""
        ...


class MemoryChatState:
    """In-process ``ChatState`` (thread-safe): the rules' own ``MemoryWindows`` (the ones
    replay uses) behind a lock, so live chat and replay count alike."""

    def __init__(self, max_fingerprints: int = 500) -> None:
        self._lock = threading.Lock()
        self._windows = MemoryWindows(max_fingerprints)
        self._permits: dict[int, dict[int, datetime]] = {}

    def hit_rate(self, key: str, now: datetime, window_s: float, limit: int) -> float | None:
        with self._lock:
            return self._windows.hit_rate(key, now, window_s, limit)

    def hit_rates(self, hits: Sequence[RateHit], now: datetime) -> list[float | None]:
        with self._lock:
            return [self._windows.hit_rate(h.key, now, h.window_s, h.limit) for h in hits]

    def slow_mode_wait(self, key: str, now: datetime, interval_s: float) -> float | None:
        with self._lock:
            return self._windows.slow_mode_wait(key, now, interval_s)

    def seen_recently(self, key: str, fingerprint: str, now: datetime, window_s: float) -> bool:
        with self._lock:
            return self._windows.seen_recently(key, fingerprint, now, window_s)

    def forget(self, key: str) -> None:
        with self._lock:
            self._windows.forget(key)

    def grant_permit(self, channel_id: int, user_id: int, until: datetime, now: datetime) -> None:
        with self._lock:
            self._permits.setdefault(channel_id, {})[user_id] = until

    def permits(self, channel_id: int, now: datetime) -> dict[int, datetime]:
        with self._lock:
            running = {u: t for u, t in self._permits.get(channel_id, {}).items() if t > now}
            if running:
                self._permits[channel_id] = running
            else:
                self._permits.pop(channel_id, None)
            return dict(running)
