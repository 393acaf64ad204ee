"""Health analytics, shadow mode and /metrics over real HTTP (the server's own tick runs the
roll-up concurrently with the test's: the watermark keeps them from doubling anything)."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime, timedelta

import httpx
import pyarrow.parquet as pq
import pytest

from chatwarden.clock import FakeClock
from chatwarden.service.types import Actor
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from tests.web.harness import LiveServer, World, abusive_text, make_config


def _actor(world: World, name: str) -> Actor:
    user = world.services.accounts.get_user_by_name(name)
    return Actor(user.id, user.username)


def _seed(world: World) -> dict[str, str]:
    """Three messages in the first minute (one held), then the minute finishes."""
    services, clock = world.services, world.clock
    cid = services.channels.get_channel_by_name("main").id
    start = clock.now().replace(second=0, microsecond=0)
    clock.advance(61 - clock.now().second)  # second 1 of the next minute
    start += timedelta(minutes=1)
    alice, mallory = _actor(world, "alice"), _actor(world, "mallory")
    assert services.chat.send_message(alice, cid, "hello all").status == "delivered"
    assert services.chat.send_message(alice, cid, "Hello   ALL").status == "delivered"
    assert services.chat.send_message(mallory, cid, abusive_text()).status == "held"
    clock.advance(120)
    end = start + timedelta(minutes=2)
    # The server's own tick runs beside this one and a tick stops rolling up once its time
    # budget is spent (say, waiting for the other's write), so tick until the seeded minute is
    # rolled up (bounded) instead of trusting one tick to have finished it.
    mod, done = _actor(world, "mod"), start + timedelta(minutes=1)
    for _ in range(50):
        services.tick()
        until = services.analytics.series(mod, cid, start, end, "minute")["rolled_until"]
        if until is not None and datetime.fromisoformat(until) >= done:
            break
    else:
        raise AssertionError(f"the roll-up did not reach {done} (at {until})")
    return {"start": start.isoformat(), "end": end.isoformat()}


def test_series_export_and_compare(world: World) -> None:
    span = _seed(world)
    mod = world["mod"].http
    r = mod.get("/api/v1/channels/main/health", params={**span, "resolution": "minute"})
    assert r.status_code == 200, r.text
    buckets = r.json()["buckets"]
    assert [b["messages"] for b in buckets] == [3, 0]
    assert buckets[0]["chatters_per_min"] == 2
    assert buckets[0]["repetition_ratio"] == pytest.approx(1 / 3)
    assert buckets[0]["held_rate"] == pytest.approx(1 / 3)

    r = mod.get("/api/v1/channels/main/health/export", params={**span, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="main-health-minute.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(x["messages"]) for x in rows] == [3, 0]
    r = mod.get("/api/v1/channels/main/health/export", params={**span, "format": "parquet"})
    assert r.status_code == 200
    table = pq.read_table(io.BytesIO(r.content)).to_pylist()
    assert [x["messages"] for x in table] == [3, 0]
    assert table[0]["held_rate"] == pytest.approx(1 / 3)

    r = mod.get("/api/v1/health/compare", params={**span, "metric": "messages"})
    assert r.status_code == 200, r.text
    assert r.json()["channels"] == {"main": [3]}  # hour resolution; mod moderates main only
    r = mod.get("/api/v1/health/compare", params={"metric": "messages", "channels": "main,other"})
    assert r.status_code == 403
    r = mod.get("/api/v1/channels/main/health", params={"start": "yesterday"})
    assert r.status_code == 422
    r = mod.get("/api/v1/channels/main/health", params={"start": "2026-01-01T00:00:00"})
    assert r.status_code == 400 and "time zone" in r.json()["error"]["message"]


def test_shadow_mode_over_http(world: World) -> None:
    lead, mod = world["lead"].http, world["mod"].http
    body = {"candidate_settings": {"overall_level": 0}}
    assert mod.put("/api/v1/channels/main/shadow", json=body).status_code == 403
    r = lead.put("/api/v1/channels/main/shadow", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["rev"] == 1
    r = lead.put("/api/v1/channels/main/shadow", json={"candidate_settings": {"bogus": 1}})
    assert r.status_code == 400 and "unknown key" in r.json()["error"]["message"]
    _seed(world)
    deadline = time.monotonic() + 10  # the shadow engine evaluates in the service's tick
    while True:
        r = mod.get("/api/v1/channels/main/shadow/results", params={"resolution": "minute"})
        assert r.status_code == 200, r.text
        summary = r.json()["summary"]
        if summary["evaluated"] >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert summary["evaluated"] == 3
    assert summary["disagreements"] == 1  # the held message: level 0 would have allowed it
    assert r.json()["samples"][0]["text"] == abusive_text()
    got = mod.get("/api/v1/channels/main/shadow").json()
    assert got["config"]["candidate_settings"] == {"overall_level": 0}
    assert "bundled" in got["models"]
    r = lead.delete("/api/v1/channels/main/shadow")
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert world["vip"].http.get("/api/v1/channels/main/shadow/results").status_code == 403


def test_metrics_endpoint(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(world)
    with world.client() as scraper:
        r = scraper.get("/metrics")  # loopback, no token configured
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert 'chatwarden_messages_decided_total{action="allow"} 2.0' in r.text
        assert 'chatwarden_messages_decided_total{action="hold"} 1.0' in r.text
        assert "chatwarden_review_queue_depth 1.0" in r.text
        assert "chatwarden_tick_duration_seconds_bucket" in r.text
        # a reverse proxy on the same host connects from loopback too: refused without a token
        proxied = scraper.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 403
        # the token is a setting, read once at start-up: never the environment per request
        monkeypatch.setenv("CHATWARDEN_METRICS_TOKEN", "s3cret-token")
        assert scraper.get("/metrics").status_code == 200


def test_metrics_token_from_the_settings(database_url: str) -> None:
    config = make_config(database_url, metrics_token="s3cret-token")
    services = build_services(config, clock=FakeClock())
    try:
        with (
            LiveServer(create_app(services, WebSettings(tick_interval_s=0.2))) as live,
            httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=10) as scraper,
        ):
            assert scraper.get("/metrics").status_code == 401  # loopback is not enough now
            wrong = {"Authorization": "Bearer nope"}
            assert scraper.get("/metrics", headers=wrong).status_code == 401
            right = {"Authorization": "Bearer s3cret-token"}
            r = scraper.get("/metrics", headers=right)
            assert r.status_code == 200 and "chatwarden_tick_duration_seconds" in r.text
    finally:
        services.close()


def test_plotly_is_served_from_the_package(world: World) -> None:
    with world.client() as anon:
        r = anon.get("/vendor/plotly.min.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert len(r.content) > 1_000_000 and b"plotly" in r.content[:2000].lower()
