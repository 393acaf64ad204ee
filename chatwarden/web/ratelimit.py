"""Request rate limits at the web edge: a fixed-window counter per key (user or IP).

The chat service enforces the chat-message limit itself; this guards the HTTP API and the
login form (password guessing) before any service runs. The counter state sits behind the
small ``RateLimiter`` class so a shared (Redis) implementation can replace it later.

Password guessing is limited twice: per client IP (every login and registration attempt) and
per account (failed logins only, counted with ``hit`` after a failure and checked with
``refuse`` before the password is verified), so guesses spread over many addresses still
stop. The client IP is the TCP peer; ``X-Forwarded-For`` is believed only from the reverse
proxies listed in ``ServiceConfig.trusted_proxies`` (none by default; see ``app.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from chatwarden.errors import RateLimited


@dataclass(slots=True)
class _Window:
    start: float
    count: int


class RateLimiter:
    """At most ``limit`` hits per key in each ``window_s``-second window.

    ``now`` returns seconds (injected so tests can move time); windows start at a key's first
    hit, so a burst right after a reset gets a full window.
    """

    def __init__(self, limit: int, window_s: float, now: Callable[[], float]) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError(f"limit must be >= 1 and window_s > 0, got {limit}, {window_s}")
        self.limit = limit
        self.window_s = window_s
        self._now = now
        self._windows: dict[str, _Window] = {}

    def hit(self, key: str) -> float | None:
        """Count one hit; ``None`` if allowed, else the seconds until the key may retry."""
        now = self._now()
        window = self._windows.get(key)
        if window is None or now - window.start >= self.window_s:
            if len(self._windows) > 100_000:
                self._evict(now)
            self._windows[key] = _Window(now, 1)
            return None
        if window.count >= self.limit:
            return max(window.start + self.window_s - now, 0.001)
        window.count += 1
        return None

    def retry_after(self, key: str) -> float | None:
        """Without counting a hit: ``None`` if ``key`` may go on, else the seconds to wait."""
        now = self._now()
        window = self._windows.get(key)
        if window is None or now - window.start >= self.window_s or window.count < self.limit:
            return None
        return max(window.start + self.window_s - now, 0.001)

    def check(self, key: str, what: str) -> None:
        """Count one hit; raise ``RateLimited`` naming ``what`` when over the limit."""
        self._raise(self.hit(key), what)

    def refuse(self, key: str, what: str) -> None:
        """Raise ``RateLimited`` if ``key`` is at its limit now; counts nothing."""
        self._raise(self.retry_after(key), what)

    def _raise(self, retry_after: float | None, what: str) -> None:
        if retry_after is not None:
            raise RateLimited(
                f"too many {what}: at most {self.limit} per {self.window_s:g} s; "
                f"retry in {math.ceil(retry_after)} s",
                retry_after,
            )

    def _evict(self, now: float) -> None:
        expired = [k for k, w in self._windows.items() if now - w.start >= self.window_s]
        for key in expired:
            del self._windows[key]
