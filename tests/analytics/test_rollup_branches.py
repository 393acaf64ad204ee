"""The less travelled paths of a rollup: unusual statuses, malformed findings, stray returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chatwarden.analytics import (
    MessageFact,
    MinuteRollup,
    ModActionFact,
    ResolutionFact,
    roll_minute,
)
from chatwarden.analytics.rollup import events_of
from chatwarden.analytics.series import build_series

T = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)


def test_a_status_neither_allowed_held_nor_blocked_counts_as_a_message_only() -> None:
    roll = roll_minute(
        1,
        T,
        [
            MessageFact(1, "hello", "rejected"),
            MessageFact(2, "you there", "held"),  # held without a category (a blocked term)
        ],
    )
    assert roll.messages == 2 and roll.chatters == 2
    assert (roll.allowed, roll.held, roll.blocked) == (0, 1, 0)
    assert roll.held_by_category == {} and roll.category_findings == {}


def test_a_resolution_still_pending_is_not_a_decision() -> None:
    roll = roll_minute(
        1,
        T,
        [],
        resolutions=[
            ResolutionFact("pending", T - timedelta(seconds=5), T),
            ResolutionFact("allowed", T - timedelta(seconds=5), T),
        ],
    )
    assert (roll.resolved_allowed, roll.resolved_denied, roll.expired) == (1, 0, 0)
    assert roll.decision_seconds == (5.0,)


def test_malformed_findings_are_skipped_and_clusters_count_once() -> None:
    details = {
        "findings": [
            "not a mapping",
            {"code": 5},  # not a string
            {"code": "spam.links"},  # no event kind
            {"code": "wave.bot", "evidence": {"cluster_id": "c1"}},
            {"code": "raid.suspected", "evidence": "not a mapping"},
        ]
    }
    act = ModActionFact(None, "detection.delete", details)
    assert events_of(act, 3) == {("bot_wave", "cluster:c1"), ("raid", "entry:3")}
    roll = roll_minute(
        1, T, [], mod_actions=[act, ModActionFact(None, "detection.delete", details)]
    )
    # the same cluster from two entries is one bot wave; entries without a cluster are one each
    assert (roll.bot_wave_events, roll.raid_events) == (1, 2)
    assert roll.mod_actions == 0  # detection acts without an actor


def test_returns_outside_the_range_are_ignored() -> None:
    h = T.replace(minute=0)
    rows = [MinuteRollup(1, h, messages=3)]
    (bucket,) = build_series(
        rows,
        h,
        h + timedelta(hours=1),
        "hour",
        returned={h + timedelta(minutes=5): 2, h + timedelta(hours=2): 7},
    )
    assert bucket.returned_chatters == 2
    assert bucket.metrics({})["messages"] == 3
