"""The worker's operator port (``web/opsserver.py``) over real HTTP: /livez, /readyz with the
real database and Redis checks, /metrics under the same access rule as the gateway's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from chatwarden.service.health.opsmetrics import OpsMetrics
from chatwarden.service.health.readiness import readiness_of
from chatwarden.store.engine import Database
from chatwarden.web.opsserver import OpsServer
from tests.redis_support import REDIS_URL, redis_namespace
from tests.service.health.test_readiness import closed_port


@contextmanager
def ops(tmp_path: Path, bus_url: str, token: str | None = None) -> Iterator[httpx.Client]:
    db = Database(f"sqlite:///{tmp_path / 'ops.db'}")
    metrics = OpsMetrics()
    metrics.rollup_minutes.inc(3)
    server = OpsServer("127.0.0.1", 0, metrics.exposition, readiness_of(db, bus_url), token)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as http:
            yield http
    finally:
        server.close()
        db.dispose()


def test_live_ready_and_metrics_on_the_loopback(tmp_path: Path) -> None:
    with redis_namespace():  # skips (or fails in CI) without Redis
        pass
    with ops(tmp_path, REDIS_URL) as http:
        live, ready, metrics = http.get("/livez"), http.get("/readyz"), http.get("/metrics")
        missing = http.get("/nothing")
    assert (live.status_code, live.json()) == (200, {"status": "live"})
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "checks": {"database": "ok", "redis": "ok"}},
    )
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "chatwarden_rollup_channel_minutes_total 3.0" in metrics.text
    assert missing.status_code == 404


def test_readyz_is_503_naming_redis_while_it_does_not_answer(tmp_path: Path) -> None:
    with ops(tmp_path, f"redis://127.0.0.1:{closed_port()}/0") as http:
        ready = http.get("/readyz")
        live = http.get("/livez")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "redis": "ConnectionError"}
    assert ready.json()["error"]["code"] == "not_ready"
    assert live.status_code == 200


def test_with_a_token_metrics_need_it_and_probes_do_not(tmp_path: Path) -> None:
    with ops(tmp_path, "", token="scrape-me") as http:
        none = http.get("/metrics")
        wrong = http.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        ready = http.get("/readyz")
    assert (none.status_code, none.json()["error"]["code"]) == (401, "unauthorized")
    assert wrong.status_code == 401
    assert right.status_code == 200 and "chatwarden_rollup" in right.text
    assert ready.status_code == 200
    assert "scrape-me" not in none.text


def test_without_a_token_a_proxied_scrape_is_refused(tmp_path: Path) -> None:
    with ops(tmp_path, "") as http:
        proxied = http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert (proxied.status_code, proxied.json()["error"]["code"]) == (403, "forbidden")
