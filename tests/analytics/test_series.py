"""Minute roll-ups combined into buckets, and the derived metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatwarden.analytics import MinuteRollup, build_series, floor_to, percentile
from chatwarden.analytics.series import bucket_starts, flat_columns, flatten

T = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 90) == 9.0
    assert percentile(values, 100) == 10.0
    assert percentile(values, 0) == 1.0
    assert percentile([7.0], 50) == 7.0
    assert percentile([], 90) is None


def test_floor_to() -> None:
    ts = datetime(2026, 1, 1, 12, 34, 56, tzinfo=UTC)
    assert floor_to(ts, "minute") == datetime(2026, 1, 1, 12, 34, tzinfo=UTC)
    assert floor_to(ts, "hour") == T
    assert floor_to(ts, "day") == datetime(2026, 1, 1, tzinfo=UTC)


def test_minute_series_keeps_empty_minutes_as_gaps() -> None:
    rows = [
        MinuteRollup(1, T, messages=4, chatters=2, repeated=1, entropy_sum=2.0, held=1),
        MinuteRollup(1, T + timedelta(minutes=2), messages=1, chatters=1),
    ]
    buckets = build_series(rows, T, T + timedelta(minutes=3), "minute")
    got = [b.metrics() for b in buckets]
    assert [g["messages"] for g in got] == [4, 0, 1]
    assert got[0]["messages_per_chatter"] == 2.0
    assert got[0]["repetition_ratio"] == 0.25
    assert got[0]["entropy_bits_per_char"] == 0.5
    assert got[0]["held_rate"] == 0.25
    assert got[1]["held_rate"] is None  # no messages: a gap, not 0
    assert got[1]["messages_per_min"] == 0.0


def test_hour_bucket_sums_minutes() -> None:
    rows = [
        MinuteRollup(
            1,
            T + timedelta(minutes=1),
            messages=10,
            chatters=5,
            emote_only=2,
            category_findings={"bullying": 2},
            held_by_category={"bullying": 1},
            resolved_allowed=1,
            resolved_denied=3,
            decision_seconds=(5.0, 40.0),
            mod_actions=3,
            mod_actions_by_actor={"7": 3},
            first_time_chatters=2,
            raid_events=1,
        ),
        MinuteRollup(
            1,
            T + timedelta(minutes=59),
            messages=20,
            chatters=5,
            emote_only=4,
            category_findings={"bullying": 1, "swearing": 3},
            resolved_denied=1,
            decision_seconds=(10.0, 20.0, 30.0),
            mod_actions=3,
            mod_actions_by_actor={"7": 1, "8": 2},
            bot_wave_events=2,
        ),
        MinuteRollup(1, T + timedelta(hours=1), messages=99),  # next hour: outside the range
    ]
    (bucket,) = build_series(
        rows, T, T + timedelta(hours=1), "hour", returned={T + timedelta(minutes=1): 1}
    )
    m = bucket.metrics({"7": "mike"})
    assert m["minutes"] == 60
    assert m["messages"] == 30
    assert m["messages_per_min"] == pytest.approx(0.5)
    assert m["chatters_per_min"] == pytest.approx(10 / 60)
    assert m["messages_per_chatter"] == 3.0
    assert m["emote_only_share"] == pytest.approx(0.2)
    assert m["harm_rate"]["bullying"] == pytest.approx(0.1)
    assert m["harm_rate"]["swearing"] == pytest.approx(0.1)
    assert m["harm_rate"]["misogyny"] == 0.0
    assert m["held_by_category"]["bullying"] == 1
    assert m["hold_precision"] == pytest.approx(0.8)  # 4 denied of 5 resolved
    assert m["allow_deny_ratio"] == pytest.approx(0.25)
    assert m["decision_median_s"] == 20.0  # of 5, 10, 20, 30, 40
    assert m["decision_p90_s"] == 40.0  # ceil(0.9 * 5) = 5th value
    assert m["mod_actions"] == 6
    assert m["mod_actions_per_min"] == {"mike": pytest.approx(4 / 60), "8": pytest.approx(2 / 60)}
    assert m["first_time_chatters"] == 2
    assert m["returned_chatters"] == 1
    assert (m["raid_events"], m["bot_wave_events"]) == (1, 2)


def test_bucket_starts_cover_the_range() -> None:
    starts = bucket_starts(T + timedelta(minutes=30), T + timedelta(hours=2), "hour")
    assert starts == [T, T + timedelta(hours=1)]


def test_flatten_nested_metrics() -> None:
    records = [flatten({"a": 1, "b": {"x": 2}}), flatten({"a": 3, "c": {"y": None}})]
    assert records[0] == {"a": 1, "b.x": 2}
    assert flat_columns(records) == ["a", "b.x", "c.y"]
