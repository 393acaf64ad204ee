"""Proactive detection in a replay: per-channel detectors built from the log, as live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chatwarden.detect.settings import DEFAULT_SETTINGS, DetectionSettings
from chatwarden.pipeline import AutoMod
from chatwarden.replay import (
    ChatRecord,
    ParsedLog,
    Variant,
    build_summary,
    render_report,
    run_replay,
)
from chatwarden.replay.config import ReplaySettings
from chatwarden.replay.core import not_simulated
from chatwarden.settings import AutoModSettings, Role

T0 = datetime(2024, 5, 1, 20, 0, tzinfo=UTC)
SPAM_ON = DetectionSettings.model_validate(
    {"detectors": {"spam": {"caps": {"enabled": True}}, "waves": {"enabled": True}}}
)
WAVE = "grab cheap viewers followers primes today at bigfollows dot net"


def rec(
    second: float,
    user: str,
    text: str,
    *,
    channel: str = "alpha",
    role: Role | None = None,
    recorded: str | None = None,
    recorded_detection: str | None = None,
) -> ChatRecord:
    return ChatRecord(
        line=int(second) + 1,
        time=T0 + timedelta(seconds=second),
        user=user,
        text=text,
        channel=channel,
        role=role,
        recorded=recorded,
        recorded_detection=recorded_detection,
    )


def test_a_spam_filter_deletes_and_says_which_detector_and_why() -> None:
    records = [
        rec(0, "alice", "hello chat"),
        rec(5, "bob", "FOLLOW ME FOLLOW ME FOLLOW ME"),
        rec(9, "mod1", "FOLLOW ME FOLLOW ME FOLLOW ME", role=Role.MODERATOR),
    ]
    run = run_replay(records, AutoMod(AutoModSettings()), detection=SPAM_ON)
    hello, spam, mod = run.outcomes
    assert hello.action == "allow" and hello.detection is None
    assert spam.decision is not None and spam.decision.action.value == "allow"
    assert spam.action == "block" and spam.by_detection
    assert spam.detection is not None and spam.detection.effect == "delete"
    assert spam.detection.detectors == ("spam",) and spam.detection.codes() == ("spam.caps",)
    assert "capitals" in spam.detection.explanation
    assert spam.to_dict()["detection"]["codes"] == ["spam.caps"]
    assert mod.action == "allow"  # moderators are exempt from the filters, as live
    # the live defaults leave the caps filter off
    assert run_replay(records, AutoMod(AutoModSettings())).counts()["block"] == 0


def test_a_bot_wave_needs_the_log_s_own_earlier_messages() -> None:
    """Four first-time chatters post near-duplicates: the wave forms from the log itself, the
    fourth message is deleted; a chatter seen earlier in the log is not bot-like."""
    ends = ("", " !", " now", " fast", " !!")
    records = [rec(i * 2, f"promo_{i}", WAVE + ends[i]) for i in range(5)]
    run = run_replay(records, AutoMod(AutoModSettings()), detection=SPAM_ON)
    effects = [o.detection.effect if o.detection else None for o in run.outcomes]
    assert effects[:3] == [None, None, None] and effects[3] == "delete" == effects[4]
    # the first three were delivered, then removed when the wave was recognised (as live)
    assert [o.removed_later for o in run.outcomes] == [True, True, True, False, False]
    # the consequences are rules.effects values, applied log-only: the wave's earlier lines
    # deleted (one Delete naming the four members), moderators alerted on each member
    wave = run.outcomes[3].detection
    assert wave is not None and len(wave.earlier_deletes()) == 1
    assert len(wave.earlier_deletes()[0].user_ids) == 4
    assert run.consequences == {"alert": 2, "delete": 1}
    assert run.outcomes[3].detection is not None
    assert run.outcomes[3].detection.detectors == ("wave",)
    # the same posts from the same users in two channels: each channel has its own detectors
    split = [rec(i * 2, f"promo_{i}", WAVE + ends[i], channel=f"c{i % 2}") for i in range(5)]
    assert all(
        o.detection is None
        for o in run_replay(split, AutoMod(AutoModSettings()), detection=SPAM_ON).outcomes
    )


def test_detection_off_and_what_the_summary_says() -> None:
    records = [
        rec(
            0, "bob", "FOLLOW ME FOLLOW ME FOLLOW ME", recorded="block", recorded_detection="delete"
        )
    ]
    off = DetectionSettings(enabled=False)
    run_off = run_replay(records, AutoMod(AutoModSettings()), detection=off)
    run_on = run_replay(records, AutoMod(AutoModSettings()), detection=SPAM_ON, label="B")
    assert run_off.outcomes[0].action == "allow" and run_off.outcomes[0].detection is None
    log = ParsedLog("chatwarden-jsonl", records=records)
    variants = [
        Variant("A", ReplaySettings(detection=off)),
        Variant("B", ReplaySettings(detection=SPAM_ON)),
    ]
    summary = build_summary(log, [run_off, run_on], variants)
    a, b = summary["runs"]
    assert a["recorded"] == {"with_recorded": 1, "agree": 0, "differ": 1}
    assert a["recorded_detection"] == {"with_recorded": 1, "agree": 0, "differ": 1}
    assert b["recorded"] == {"with_recorded": 1, "agree": 1, "differ": 0}
    assert b["detection"]["effects"]["delete"] == 1 and b["detection"]["decided"] == 1
    assert b["detection"]["by_detector"] == {"spam": 1}
    assert a["detection"]["enabled"] is False
    assert any("proactive detection in A" in s for s in summary["not_simulated"])
    html = render_report(summary)
    assert "A: proactive detection off." in html
    assert "B: proactive detection: 1 delete (by spam 1); it set 1 outcomes" in html
    assert not any("proactive detection" in s for s in not_simulated([Variant("A")]))
    assert any("account age" in s for s in not_simulated([Variant("A")]))
    assert DEFAULT_SETTINGS.enabled


def test_a_detection_timeout_rejects_the_sender_s_later_lines_until_it_ends() -> None:
    flood = DetectionSettings.model_validate(
        {"detectors": {"spam": {"rate": {"enabled": True, "max_messages": 3, "per_s": 10}}}}
    )
    records = [rec(s, "bob", f"line number {s}") for s in (0, 1, 2, 3, 5, 14)]
    records.insert(5, rec(6, "carol", "hi bob"))
    run = run_replay(records, AutoMod(AutoModSettings()), detection=flood)
    got = [(o.record.user, o.action, o.rule) for o in run.outcomes]
    assert got == [
        ("bob", "allow", None),
        ("bob", "allow", None),
        ("bob", "allow", None),
        ("bob", "block", None),  # the 4th within 10 s: a 10 s timeout (first offence)
        ("bob", "rejected", "timed_out"),  # 2 s later: still timed out, as live chat says
        ("carol", "allow", None),  # others chat on
        ("bob", "allow", None),  # 11 s later: the timeout has ended
    ]
    flooded = run.outcomes[3].detection
    assert flooded is not None and flooded.effect == "timeout" and flooded.seconds == 10
    assert flooded.detectors == ("flood",)
    assert flooded.to_dict()["effects"] == ["timeout"] and run.consequences == {"timeout": 1}
