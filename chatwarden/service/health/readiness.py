"""Readiness: does this process reach what it needs (the database; Redis with ``--bus``)?

``GET /readyz`` on every HTTP process and on a worker's metrics port answers from
``Readiness.check()``. Each dependency is one cheap call (``SELECT 1``; a PING on a connection
of its own with a one-second timeout), and a report is reused for ``cache_s`` so a storm of
probes costs the database at most one query per second. A report names each dependency and
says ``ok`` or the error's class (never a URL, a password or a message that could hold them:
the details go to the log).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from chatwarden.bus.redis import ping as ping_redis
from chatwarden.store.engine import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadinessReport:
    checks: dict[str, str]  # dependency -> "ok" or the failure's class name

    @property
    def ready(self) -> bool:
        return all(v == "ok" for v in self.checks.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, v in self.checks.items() if v != "ok"]


class Readiness:
    """Runs named checks (each raises when its dependency does not answer)."""

    def __init__(
        self,
        checks: Mapping[str, Callable[[], object]],
        *,
        cache_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.checks = dict(checks)
        self.cache_s = cache_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[float, ReadinessReport] | None = None

    def check(self) -> ReadinessReport:
        with self._lock:  # one probe checks, the others wait and reuse its report
            now = self._clock()
            if self._last is not None and now - self._last[0] < self.cache_s:
                return self._last[1]
            report = ReadinessReport({name: _run(name, fn) for name, fn in self.checks.items()})
            self._last = (now, report)
            return report


def readiness_of(
    db: Database, bus_url: str = "", *, timeout_s: float = 1.0, cache_s: float = 1.0
) -> Readiness:
    """The database, and Redis when ``bus_url`` is set (a gateway or a worker)."""
    checks: dict[str, Callable[[], object]] = {"database": db.ping}
    if bus_url:
        checks["redis"] = partial(ping_redis, bus_url, timeout_s)
    return Readiness(checks, cache_s=cache_s)


def _run(name: str, fn: Callable[[], object]) -> str:
    try:
        fn()
    except Exception as exc:
        log.warning("readiness: %s does not answer: %s", name, exc)
        return type(exc).__name__
    return "ok"
