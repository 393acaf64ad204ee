"""The raid detector on a hand-built burst, a friendly raid, a spam wave and a busy chat."""

from __future__ import annotations

import random
from datetime import timedelta

from chatwarden.decision import Action
from chatwarden.detect import ActionKind, ChannelDetectors, DetectionConfig, RaidConfig, SpamConfig
from chatwarden.detect.types import DetectionResult
from tests.detect.factory import T0, ctx, newcomer

CFG = DetectionConfig(spam=SpamConfig(emotes=frozenset({"PogChamp", "wardenRage"})))
HOSTILE = ["you are trash", "leave the stream", "nobody wants you here", "you are trash"]


def alerts(results: list[DetectionResult]) -> list[int]:
    return [i for i, r in enumerate(results) if r.alerts]


def test_hate_raid_burst_alerts_within_seconds_and_recommends_shield_mode() -> None:
    det = ChannelDetectors(1, CFG)
    results = []
    for i in range(30):
        hostile = i % 2 == 0
        results.append(
            det.observe(
                newcomer(
                    1000 + i,
                    HOSTILE[i % 4] if hostile else "we are everywhere",
                    at=0.5 * i,
                    harm=0.9 if hostile else 0.2,
                    automod_action=Action.HOLD if hostile else Action.ALLOW,
                )
            )
        )
    fired = alerts(results)
    assert fired and fired[0] == 4  # the 5th newcomer, 2 s in
    assert len(fired) == 1  # then quiet (cooldown)
    alert = results[4].alerts[0]
    assert alert.code == "raid.suspected" and alert.action.kind is ActionKind.FLAG
    assert alert.user_id is None
    assert alert.evidence["recommendation"] == "shield_mode"
    assert alert.evidence["auto_shield"] is False
    assert "Recommendation: turn on Shield Mode" in alert.explanation
    assert alert in results[4].findings


def test_auto_shield_is_reported_when_the_owner_allows_it() -> None:
    det = ChannelDetectors(1, CFG.model_copy(update={"raid": RaidConfig(auto_shield=True)}))
    results = [det.observe(newcomer(1000 + i, "you are trash", at=i, harm=0.95)) for i in range(6)]
    [alert] = [a for r in results for a in r.alerts]
    assert alert.evidence["auto_shield"] is True
    assert "Turning on Shield Mode" in alert.explanation


def test_friendly_raid_does_not_alert() -> None:
    det = ChannelDetectors(1, CFG)
    results = [
        det.observe(
            newcomer(
                2000 + i,
                "RAID HYPE PogChamp",
                at=0.3 * i,
                account_created_at=T0 - timedelta(days=300 + i),
                email_verified=True,
                harm=0.05,
            )
        )
        for i in range(50)
    ]
    assert alerts(results) == []


def test_spam_bot_wave_is_not_a_hate_raid() -> None:
    det = ChannelDetectors(1, CFG)
    results = [
        det.observe(newcomer(3000 + i, f"buy viewers at bigviews.xyz {i}", at=i, harm=0.1))
        for i in range(20)
    ]
    assert alerts(results) == []
    assert any("wave.bot_member" in r.codes() for r in results)


def test_emote_only_messages_are_not_hostile() -> None:
    # a text model may score the channel's "wardenRage" emote as hostile
    det = ChannelDetectors(1, CFG)
    results = [
        det.observe(newcomer(4000 + i, "wardenRage wardenRage", at=i, harm=0.8)) for i in range(10)
    ]
    assert alerts(results) == []


def test_busy_normal_chat_with_some_toxicity_never_alerts() -> None:
    rng = random.Random(5)
    det = ChannelDetectors(1, CFG)
    t = 0.0
    fired = 0
    uid = 10_000
    for _ in range(6000):  # about an hour at ~2 messages/s
        t += rng.expovariate(2.0)
        if rng.random() < 0.01:  # a first-time chatter now and then, one in ten a troll
            uid += 1
            troll = rng.random() < 0.1
            r = det.observe(
                newcomer(uid, "you suck" if troll else "hi chat", at=t, harm=0.9 if troll else 0)
            )
        else:
            hostile = rng.random() < 0.02  # regulars' banter
            r = det.observe(
                ctx(rng.randrange(1, 300), "gg that was close", at=t, harm=0.9 if hostile else 0)
            )
        fired += bool(r.alerts)
    assert fired == 0
    assert det.sizes()["raid_window"] < 50


def test_slow_trickle_of_trolls_is_not_a_burst() -> None:
    det = ChannelDetectors(1, CFG)
    # one hostile first-time chatter every 10 s: never 5 in the 30 s window
    results = [
        det.observe(newcomer(5000 + i, "you suck", at=10.0 * i, harm=0.9)) for i in range(20)
    ]
    assert alerts(results) == []


def test_disabled() -> None:
    det = ChannelDetectors(1, CFG.model_copy(update={"raid": RaidConfig(enabled=False)}))
    results = [det.observe(newcomer(6000 + i, "you suck", at=i, harm=0.9)) for i in range(10)]
    assert alerts(results) == []


def test_a_flood_of_young_accounts_alerts_even_when_most_lines_pass_automod() -> None:
    det = ChannelDetectors(1, CFG)
    results = []
    for i in range(24):
        hostile = i % 6 == 5
        results.append(
            det.observe(
                newcomer(
                    7000 + i,
                    "you are garbage" if hostile else "you should quit",
                    at=0.4 * i,
                    harm=0.9 if hostile else 0.3,
                )
            )
        )
    fired = alerts(results)
    assert fired and fired[0] >= 14
    alert = results[fired[0]].alerts[0]
    assert alert.evidence["rule"] == "burst"
    assert alert.evidence["newcomers"] >= 15


def test_chatters_who_arrived_minutes_ago_are_not_a_raid() -> None:
    # five trolls who each arrived on their own minutes apart, now chatting at the same time:
    # still "newcomers" for an hour, but not a burst of first-time chatters
    det = ChannelDetectors(1, CFG)
    for i in range(5):
        det.observe(newcomer(8000 + i, "hi", at=120.0 * i))
    results = [
        det.observe(
            newcomer(8000 + i, "you suck", at=600 + i, harm=0.9, first_message_in_channel=False)
        )
        for i in range(5)
    ]
    assert alerts(results) == []


def test_running_counts_match_a_rescan_of_the_window() -> None:
    from chatwarden.detect.raid import RaidDetector

    rng = random.Random(7)
    det = RaidDetector(RaidConfig(window_s=10, min_newcomers=50))
    t = 0.0
    for _ in range(3000):
        t += rng.expovariate(rng.choice([0.5, 5.0]))
        det.observe(
            newcomer(rng.randrange(40), "x", at=t, harm=rng.random()),
            newcomer=True,
            cluster_id=rng.randrange(15),
        )
        window = list(det._window)
        users = {e.user_id: e for e in window}
        clusters: dict[int, set[int]] = {}
        for e in window:
            clusters.setdefault(e.cluster_id, set()).add(e.user_id)
        assert det._users.keys() == users.keys()
        assert det._young_users == sum(e.young for e in users.values())
        assert det._hostile == sum(e.hostile for e in window)
        assert det._arrivals == sum(e.arrival for e in window)
        assert det._similar == sum(len(clusters[e.cluster_id]) > 1 for e in window)


def _busy_channel(det: ChannelDetectors, seconds: float, every_s: float, start: int) -> int:
    """First-time chatters arriving steadily (one in five lines hostile); the next user id."""
    uid, t = start, 0.0
    while t < seconds:
        hostile = uid % 5 == 0
        r = det.observe(
            newcomer(
                uid,
                "you are trash" if hostile else f"hello from city {uid}",
                at=t,
                harm=0.9 if hostile else 0.1,
                automod_action=Action.HOLD if hostile else Action.ALLOW,
            )
        )
        # (the minutes before the detector started watching count as quiet, so a channel
        # that starts at full speed looks like a surge at first)
        assert t < 300 or not r.alerts, "a steady stream of first-time chatters is no raid"
        uid += 1
        t += every_s
    return uid


def test_a_channel_that_always_gets_newcomers_needs_a_surge_over_its_own_rate() -> None:
    # a big channel: a first-time chatter every second for ten minutes (20 % hostile)
    det = ChannelDetectors(1, CFG)
    uid = _busy_channel(det, 600, 1.0, 20_000)
    alert = None
    for i in range(200):  # then 200 hostile young accounts in 20 s: a surge, a raid
        r = det.observe(
            newcomer(
                uid + i, "you are trash", at=600 + 0.1 * i, harm=0.9, automod_action=Action.HOLD
            )
        )
        alert = alert or (r.alerts[0] if r.alerts else None)
    assert alert is not None
    assert alert.evidence["usual_first_time_chatters"] > 20
    assert alert.evidence["first_time_chatters"] >= 3 * alert.evidence["usual_first_time_chatters"]


def test_without_a_baseline_span_every_burst_is_measured_on_its_own() -> None:
    from chatwarden.detect.raid import RaidDetector

    det = RaidDetector(RaidConfig(baseline_s=30, window_s=30))
    for i in range(100):
        det.observe(newcomer(i, "hi", at=i), newcomer=True, cluster_id=1)
    assert det.usual_arrivals() == 0.0


def test_an_unknown_account_age_is_not_a_young_account() -> None:
    # replayed logs from elsewhere carry no account ages: a busy stretch of strangers with
    # some AutoMod holds must not read as a flood of young accounts
    det = ChannelDetectors(1, CFG)
    results = [
        det.observe(
            newcomer(
                9000 + i,
                "you should quit" if i % 6 else "you are garbage",
                at=0.4 * i,
                harm=0.3 if i % 6 else 0.9,
                account_created_at=None,
            )
        )
        for i in range(24)
    ]
    assert alerts(results) == []


def test_a_one_word_wall_is_not_hostile_unless_automod_holds_it() -> None:
    # a text model reads "WIGGLE WIGGLE WIGGLE" (caps, repetition) as aggression
    det = ChannelDetectors(1, CFG)
    walls = [det.observe(newcomer(9100 + i, "WIGGLE " * 8, at=i, harm=0.9)) for i in range(10)]
    assert alerts(walls) == []
    det = ChannelDetectors(1, CFG)
    held = [
        det.observe(newcomer(9200 + i, "SLUR " * 8, at=i, harm=0.9, automod_action=Action.HOLD))
        for i in range(10)
    ]
    assert alerts(held) != []


def test_quiet_holds_alerts_back_until_its_time_and_none_lets_them_through() -> None:
    """A channel taken over by another process continues the cooldown of an alert raised
    before (``quiet_raids``); None means the next due alert is raised."""
    det = ChannelDetectors(1, CFG)
    det.quiet_raids(T0 + timedelta(seconds=60))
    first = [det.observe(newcomer(1000 + i, "you are trash", at=i, harm=0.95)) for i in range(8)]
    assert alerts(first) == []  # due from the 5th newcomer, but quiet
    det.quiet_raids(None)
    assert det.observe(newcomer(2000, "you are trash", at=9, harm=0.95)).alerts
