"""``service/health/readiness.py``: each dependency checked for real, failures named by class
only, and a report reused for ``cache_s``."""

from __future__ import annotations

import socket
from pathlib import Path

from chatwarden.service.health.readiness import Readiness, readiness_of
from chatwarden.store.engine import Database
from tests.redis_support import REDIS_URL, redis_namespace


def closed_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_reachable_database_and_redis_are_ready(database_url: str) -> None:
    with redis_namespace():  # skips (or fails in CI) without Redis
        pass
    db = Database(database_url)
    try:
        report = readiness_of(db, REDIS_URL, cache_s=0).check()
    finally:
        db.dispose()
    assert report.checks == {"database": "ok", "redis": "ok"}
    assert report.ready and report.failed == []


def test_without_a_bus_only_the_database_is_checked(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert readiness_of(db).check().checks == {"database": "ok"}
    finally:
        db.dispose()


def test_an_unreachable_redis_or_database_is_named_without_its_url(tmp_path: Path) -> None:
    port = closed_port()
    db = Database(f"postgresql://nobody:s3cret@127.0.0.1:{port}/none")
    try:
        report = readiness_of(db, f"redis://:s3cret@127.0.0.1:{port}/0", cache_s=0).check()
    finally:
        db.dispose()
    assert not report.ready
    assert report.failed == ["database", "redis"]
    assert report.checks == {"database": "OperationalError", "redis": "ConnectionError"}
    assert "s3cret" not in repr(report) and str(port) not in repr(report)


def test_a_report_is_reused_for_cache_s_then_checked_again() -> None:
    now = [100.0]
    calls: list[str] = []
    answers = iter([None, RuntimeError("down")])

    def check() -> None:
        calls.append("db")
        error = next(answers)
        if error is not None:
            raise error

    readiness = Readiness({"database": check}, cache_s=1.0, clock=lambda: now[0])
    assert readiness.check().ready
    now[0] += 0.5
    assert readiness.check().ready  # reused: the check did not run
    assert calls == ["db"]
    now[0] += 0.6
    report = readiness.check()
    assert calls == ["db", "db"]
    assert report.checks == {"database": "RuntimeError"}
