"""The health roll-up on SQLite and PostgreSQL: seeded chat, holds and moderator decisions give
roll-up rows equal to a hand count; running it twice (or from two processes) changes nothing;
the series, comparison and exports say the same numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError
from chatwarden.model import Model
from chatwarden.services import Services, build_services
from chatwarden.store.schema import analytics_minutes
from tests.service.conftest import Cast, make_config

HARSH = "you are a worthless idiot and everyone hates you"  # held at the default level 2


def _rows(services: Services, channel_id: int) -> dict[datetime, dict[str, object]]:
    with services.db.read() as conn:
        rows = conn.execute(
            sa.select(analytics_minutes).where(analytics_minutes.c.channel_id == channel_id)
        ).mappings()
        return {r["minute"]: dict(r) for r in rows}


def _held_item(services: Services, cast: Cast, message_id: str | None) -> int:
    items = services.review.list_pending(cast.mike, cast.channel.id)
    return next(i.id for i in items if i.message.id == message_id)


@pytest.fixture
def seeded(services: Services, cast: Cast, clock: FakeClock) -> Iterator[dict[str, object]]:
    """Two minutes of chat in ``alpha`` starting at T (13:00:00), then a return visit."""
    cid = cast.channel.id
    t0 = clock.now()
    services.modes.update(cast.olivia, cid, {"emote_set": ["Kappa"]})  # olivia: 1 action
    clock.advance(5)
    services.chat.send_message(cast.victor, cid, "Kappa Kappa")
    services.chat.send_message(cast.sam, cid, "gg wp")
    services.chat.send_message(cast.fiona, cid, "GG  WP")  # repeats "gg wp"
    held1 = services.chat.send_message(cast.mallory, cid, HARSH)
    assert held1.status == "held" and held1.decision is not None
    clock.advance(35)  # 13:00:40
    services.review.resolve(cast.mike, _held_item(services, cast, held1.message_id), "deny")
    clock.advance(30)  # 13:01:10
    held2 = services.chat.send_message(cast.mallory, cid, HARSH)
    assert held2.status == "held"
    clock.advance(20)  # 13:01:30
    services.review.resolve(cast.lena, _held_item(services, cast, held2.message_id), "allow")
    clock.advance(10)  # 13:01:40
    services.actions.timeout(cast.mike, cid, cast.fiona.user_id, 60)
    clock.advance(10)  # 13:01:50: sam again, too soon to count as coming back
    services.chat.send_message(cast.sam, cid, "nice")
    clock.advance(20)  # 13:02:10
    cats = sorted({r.category for r in held1.decision.reasons if r.kind == "category"})
    yield {"t0": t0, "cats": cats}


def test_rollup_rows_equal_a_hand_count(
    services: Services, cast: Cast, clock: FakeClock, seeded: dict[str, object]
) -> None:
    t0 = seeded["t0"]
    assert isinstance(t0, datetime)
    services.tick()
    rows = _rows(services, cast.channel.id)
    assert t0 - timedelta(hours=1) in rows  # the cast's role changes at 12:00 (mod actions)
    first = rows[t0]
    cats = seeded["cats"]
    assert isinstance(cats, list) and cats
    assert first["messages"] == 4
    assert first["chatters"] == 4
    assert first["repeated"] == 1
    assert first["emote_only"] == 1
    assert (first["allowed"], first["held"], first["blocked"]) == (3, 1, 0)
    assert first["held_by_category"] == dict.fromkeys(cats, 1)
    assert first["category_findings"] == dict.fromkeys(cats, 1)
    assert (first["resolved_allowed"], first["resolved_denied"], first["expired"]) == (0, 1, 0)
    assert first["decision_seconds"] == [35.0]
    assert first["mod_actions_by_actor"] == {
        str(cast.olivia.user_id): 1,
        str(cast.mike.user_id): 1,
    }
    assert first["first_time_chatters"] == 4
    second = rows[t0 + timedelta(minutes=1)]
    assert (second["messages"], second["chatters"], second["held"]) == (2, 2, 1)
    assert second["repeated"] == 0
    assert (second["resolved_allowed"], second["resolved_denied"]) == (1, 0)
    assert second["decision_seconds"] == [20.0]
    assert second["mod_actions_by_actor"] == {
        str(cast.lena.user_id): 1,
        str(cast.mike.user_id): 1,
    }
    assert second["mod_actions"] == 2
    assert second["first_time_chatters"] == 0
    # the unfinished minute (13:02) is not rolled up yet
    assert t0 + timedelta(minutes=2) not in rows


def test_rollup_is_idempotent_and_safe_with_two_processes(
    services: Services,
    cast: Cast,
    clock: FakeClock,
    seeded: dict[str, object],
    database_url: str,
    model: Model,
) -> None:
    other = build_services(make_config(database_url), clock=clock, model=model, migrate=False)
    try:
        with services.db.read() as conn:  # both read the (absent) watermark before either writes
            from chatwarden.store import analytics as store

            channel = next(c for c in store.channels_txn(conn) if c.id == cast.channel.id)
        horizon = clock.now().replace(second=0, microsecond=0)
        assert services.analytics._roll_channel(channel, None, horizon) is not None
        assert other.analytics._roll_channel(channel, None, horizon) is None  # lost the race
        assert services.analytics.roll_up() == 2  # the rest: 13:00 and 13:01
        before = _rows(services, cast.channel.id)
        assert len(before) == 3
        assert services.analytics.roll_up() == 0
        assert other.analytics.roll_up() == 0
        assert _rows(services, cast.channel.id) == before
        clock.advance(60)  # 13:03:10: the 13:02 minute is finished now
        assert other.analytics.roll_up() == 0  # nothing happened in 13:02
        assert services.analytics.roll_up() == 0
        assert _rows(services, cast.channel.id) == before
    finally:
        other.close()


def test_series_comparison_and_first_chatters_coming_back(
    services: Services, cast: Cast, clock: FakeClock, seeded: dict[str, object]
) -> None:
    t0 = seeded["t0"]
    assert isinstance(t0, datetime)
    cid = cast.channel.id
    clock.advance(90 * 60)  # 14:32:10: victor comes back (>= 1 h after his first message)
    services.chat.send_message(cast.victor, cid, "back again")
    services.chat.send_message(cast.bob, cast.other.id, "hello beta")
    clock.advance(60)
    services.tick()
    body = services.analytics.series(cast.mike, cid, t0, t0 + timedelta(minutes=3), "minute")
    b = body["buckets"]
    assert [x["messages"] for x in b] == [4, 2, 0]
    assert b[0]["repetition_ratio"] == 0.25
    assert b[0]["emote_only_share"] == 0.25
    assert b[0]["held_rate"] == 0.25
    assert b[0]["hold_precision"] == 1.0
    assert b[1]["allow_deny_ratio"] is None  # one allowed, none denied
    assert b[1]["decision_median_s"] == 20.0
    assert b[1]["mod_actions_per_min"] == {"lena": 1.0, "mike": 1.0}
    assert b[2]["held_rate"] is None
    hourly = services.analytics.series(cast.mike, cid, t0, t0 + timedelta(hours=2), "hour")
    h = hourly["buckets"]
    assert [x["messages"] for x in h] == [6, 1]
    assert h[0]["first_time_chatters"] == 4
    assert h[0]["returned_chatters"] == 1  # victor; sam's second message was too soon
    assert h[0]["decision_median_s"] == pytest.approx(27.5)
    assert hourly["rolled_until"] is not None
    # comparison: the channels bob moderates (beta only); an admin names both
    mine = services.analytics.compare(cast.bob, "messages", None, t0, t0 + timedelta(hours=2))
    assert mine["channels"] == {"beta": [0, 1]}
    both = services.analytics.compare(
        cast.ada, "held_rate", [cid, cast.other.id], t0, t0 + timedelta(hours=2)
    )
    assert both["channels"]["alpha"] == [pytest.approx(2 / 6), 0.0]
    assert both["channels"]["beta"] == [None, 0.0]
    with pytest.raises(Forbidden):
        services.analytics.compare(cast.bob, "messages", [cid], t0, t0 + timedelta(hours=1))
    with pytest.raises(InputError, match="unknown metric"):
        services.analytics.compare(cast.mike, "nonsense", None, t0, t0 + timedelta(hours=1))


def test_exports_parse_back_with_the_same_numbers(
    services: Services, cast: Cast, seeded: dict[str, object]
) -> None:
    t0 = seeded["t0"]
    assert isinstance(t0, datetime)
    services.tick()
    cid = cast.channel.id
    end = t0 + timedelta(minutes=2)
    series = services.analytics.series(cast.mike, cid, t0, end, "minute")["buckets"]
    data, media, name = services.analytics.export(cast.mike, cid, "csv", t0, end, "minute")
    assert media.startswith("text/csv") and name == "alpha-health-minute.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [int(r["messages"]) for r in rows] == [b["messages"] for b in series] == [4, 2]
    assert float(rows[0]["repetition_ratio"]) == series[0]["repetition_ratio"]
    assert rows[1]["allow_deny_ratio"] == ""  # None
    data, media, name = services.analytics.export(cast.mike, cid, "parquet", t0, end, "minute")
    table = pq.read_table(io.BytesIO(data)).to_pylist()
    assert [r["messages"] for r in table] == [4, 2]
    assert table[0]["held_rate"] == series[0]["held_rate"]
    assert table[0]["mod_actions_per_min.mike"] == 1.0
    assert table[1]["allow_deny_ratio"] is None
    with pytest.raises(InputError):
        services.analytics.export(cast.mike, cid, "xlsx", t0, end)


def test_bad_ranges_and_permissions(services: Services, cast: Cast, clock: FakeClock) -> None:
    cid = cast.channel.id
    now = clock.now()
    with pytest.raises(InputError, match="resolution"):
        services.analytics.series(cast.mike, cid, resolution="week")
    with pytest.raises(InputError, match="before"):
        services.analytics.series(cast.mike, cid, now, now - timedelta(minutes=1))
    with pytest.raises(InputError, match="buckets"):
        services.analytics.series(cast.mike, cid, now - timedelta(days=30), now, "minute")
    with pytest.raises(InputError, match="time zone"):
        services.analytics.series(cast.mike, cid, now.replace(tzinfo=None))
    for viewer in (cast.vera, cast.sam, cast.victor, cast.bob):
        with pytest.raises(Forbidden):
            services.analytics.series(viewer, cid)
    assert len(services.analytics.series(cast.mike, cid)["buckets"]) == 60


def test_metrics_count_decided_messages_and_queue(
    services: Services, cast: Cast, seeded: dict[str, object]
) -> None:
    services.chat.send_message(cast.mallory, cast.channel.id, HARSH)  # pending at scrape time
    services.tick()
    text = services.metrics.exposition().decode()
    assert 'chatwarden_messages_decided_total{action="allow"} 4.0' in text
    assert 'chatwarden_messages_decided_total{action="hold"} 2.0' in text
    assert "chatwarden_review_queue_depth 1.0" in text
    assert "chatwarden_tick_duration_seconds_count 1.0" in text
    assert "chatwarden_rollup_lag_seconds" in text


def test_raid_and_bot_wave_events_from_the_mod_log(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    from chatwarden.store import audit

    cid = cast.channel.id
    t0 = clock.now()
    with services.db.write() as conn:
        for action in ("raid.suspected", "shield.raid.activate", "wave.bot", "wave.crowdspeak"):
            audit.append_txn(conn, channel_id=cid, actor_id=None, action=action, created_at=t0)
        # what proactive detection writes for one bot wave: an entry per removed message
        wave = {"code": "wave.bot", "evidence": {"cluster_id": 41}}
        for _ in range(3):
            audit.append_txn(
                conn,
                channel_id=cid,
                actor_id=None,
                action="detection.delete",
                created_at=t0,
                details={"finding": wave},
            )
    clock.advance(70)
    services.tick()
    (bucket,) = services.analytics.series(cast.lena, cid, t0, t0 + timedelta(minutes=1), "minute")[
        "buckets"
    ]
    assert (bucket["raid_events"], bucket["bot_wave_events"]) == (2, 2)
    assert bucket["mod_actions"] == 0  # automatic entries are nobody's workload
    assert bucket["messages"] == 0 and bucket["held_rate"] is None


def test_time_budget_defers_catch_up_to_later_ticks(
    services: Services, cast: Cast, seeded: dict[str, object]
) -> None:
    from chatwarden.config import AnalyticsSettings

    services.analytics.settings = AnalyticsSettings(budget_s=1e-9)
    assert services.analytics.roll_up() == 0  # over budget before the first stretch
    assert _rows(services, cast.channel.id) == {}
    services.analytics.settings = AnalyticsSettings()
    assert services.analytics.roll_up() == 3  # 12:00 (the cast's set-up), 13:00, 13:01
