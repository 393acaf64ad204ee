"""One channel-minute rolled up, checked field by field against a hand count."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from chatwarden.analytics import (
    MessageFact,
    ModActionFact,
    ResolutionFact,
    event_kind,
    minute_of,
    roll_minute,
)

T = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)


def _kappa_bits() -> float:
    # "kappa": k once, a twice, p twice out of 5 characters
    return -(0.2 * math.log2(0.2) + 2 * 0.4 * math.log2(0.4))


def test_roll_minute_counts_every_metric() -> None:
    messages = [
        MessageFact(1, "gg", "delivered"),
        MessageFact(2, "GG", "delivered"),  # repeats "gg"
        MessageFact(1, "Kappa", "delivered"),  # emote-only
        MessageFact(3, "abab", "held", ("bullying",)),
        MessageFact(3, "zz", "blocked"),
        MessageFact(2, "  gg ", "delayed"),  # repeats "gg" again; delayed counts as allowed
        MessageFact(4, "aaaa", "delivered", ("swearing",)),  # exempt-free finding, not held
    ]
    resolutions = [
        ResolutionFact("allowed", T - timedelta(seconds=30), T),
        ResolutionFact("denied", T - timedelta(seconds=10), T),
        ResolutionFact("expired", T - timedelta(seconds=600), T),
    ]
    actions = [
        ModActionFact(5, "ban"),
        ModActionFact(5, "timeout"),
        ModActionFact(6, "automod.approve"),
        ModActionFact(None, "automod.hold"),
        ModActionFact(None, "raid.suspected"),
        ModActionFact(7, "shield.raid.activate"),
        ModActionFact(None, "wave.bot"),
    ]
    r = roll_minute(
        9,
        T + timedelta(seconds=42),
        messages,
        resolutions=resolutions,
        mod_actions=actions,
        first_time_senders={3, 99},
        emotes={"Kappa"},
    )
    assert r.channel_id == 9
    assert r.minute == T
    assert r.messages == 7
    assert r.chatters == 4
    assert r.repeated == 2
    assert r.emote_only == 1
    # bits: gg 0, GG 0, Kappa 1.922, abab 1, zz 0, gg 0, aaaa 0
    assert r.entropy_sum == pytest.approx(_kappa_bits() + 1.0, abs=1e-6)
    assert (r.allowed, r.held, r.blocked) == (5, 1, 1)
    assert r.category_findings == {"bullying": 1, "swearing": 1}
    assert r.held_by_category == {"bullying": 1}
    assert (r.resolved_allowed, r.resolved_denied, r.expired) == (1, 1, 1)
    assert r.decision_seconds == (10.0, 30.0)
    assert r.mod_actions == 4
    assert r.mod_actions_by_actor == {"5": 2, "6": 1, "7": 1}
    assert r.first_time_chatters == 1  # 99 sent nothing this minute
    assert (r.raid_events, r.bot_wave_events) == (2, 1)
    assert not r.is_empty


def test_empty_minute_is_empty() -> None:
    r = roll_minute(1, T, [])
    assert r.is_empty
    assert r.messages == r.chatters == 0


def test_minute_of() -> None:
    assert minute_of(datetime(2026, 1, 1, 12, 30, 59, 999, tzinfo=UTC)) == T


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("raid.suspected", "raid"),
        ("channel.raid", "raid"),
        ("detect.raid.alert", "raid"),
        ("RAID_DETECTED", "raid"),
        ("wave.bot", "bot_wave"),
        ("bot_wave.detected", "bot_wave"),
        ("botwave", "bot_wave"),
        ("wave.crowdspeak", None),
        ("automod.hold", None),
        ("ban", None),
        ("braid", None),
    ],
)
def test_event_kind(action: str, kind: str | None) -> None:
    assert event_kind(action) == kind


def _wave(cluster: int) -> dict[str, object]:
    return {"code": "wave.bot", "evidence": {"cluster_id": cluster, "users": 5}}


def test_detection_findings_count_once_per_wave() -> None:
    from chatwarden.analytics.rollup import events_of

    acts = [
        # one bot wave (cluster 7) leaves a deletion per message and a timeout per account
        ModActionFact(None, "detection.delete", {"finding": _wave(7)}),
        ModActionFact(None, "detection.delete", {"finding": _wave(7)}),
        ModActionFact(None, "detection.timeout_user", {"findings": [_wave(7)]}),
        # a second wave, and a crowdspeak wave that is not an event
        ModActionFact(None, "detection.delete", {"finding": _wave(8)}),
        ModActionFact(None, "detection.delete", {"finding": {"code": "wave.crowdspeak"}}),
        # a raid alert: matched by its action name
        ModActionFact(None, "detection.raid_alert", {"code": "raid.suspected"}),
        ModActionFact(None, "detection.timeout_user", {"findings": [{"code": "spam.caps"}]}),
        ModActionFact(None, "detection.delete", {"finding": "garbage"}),
    ]
    assert events_of(acts[0]) == {("bot_wave", "cluster:7")}
    assert events_of(acts[5], 5) == {("raid", "entry:5")}
    assert events_of(acts[7]) == set()
    r = roll_minute(1, T, [], mod_actions=acts)
    assert (r.raid_events, r.bot_wave_events) == (1, 2)
    assert r.mod_actions == 0
