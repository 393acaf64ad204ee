"""The one chat-rules function, on facts and a fake clock (pure: no store, no service)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chatwarden.clock import FakeClock
from chatwarden.rules import (
    MemoryWindows,
    MessageFacts,
    Modes,
    RateHit,
    Rejection,
    Standing,
    check_chat_rules,
    check_chat_rules_but_rate,
    fingerprint,
    rate_rejection,
)
from chatwarden.settings import Role

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
OFF = Modes(rate_limit_messages_per_30s=0)


def facts(
    text: str = "hello",
    *,
    sender: str = "7",
    role: Role = Role.VIEWER,
    modes: Modes = OFF,
    standing: Standing | None = None,
) -> MessageFacts:
    return MessageFacts("1", sender, role, text, modes, standing)


class Script:
    """Sends facts at seconds after T0 through one set of windows, on a fake clock."""

    def __init__(self) -> None:
        self.clock = FakeClock(T0)
        self.windows = MemoryWindows()

    def at(self, second: float, f: MessageFacts) -> Rejection | None:
        self.clock.advance((T0 + timedelta(seconds=second) - self.clock.now()).total_seconds())
        return check_chat_rules(f, self.windows, self.clock.now())


def test_standing_comes_first_and_applies_to_moderators() -> None:
    s = Script()
    banned = Standing(banned=True, timeout_until=T0 + timedelta(seconds=60))
    assert s.at(0, facts(role=Role.MODERATOR, standing=banned)) == Rejection(
        "banned", "You are banned from this channel."
    )
    timed = Standing(timeout_until=T0 + timedelta(seconds=90), warned=True)
    assert s.at(30, facts(standing=timed)) == Rejection(
        "timed_out", "You are timed out for 60 more seconds.", 60.0
    )
    warned = replace(timed, warning_reason="be nice")
    assert s.at(90, facts(standing=warned)) == Rejection(  # the timeout is over
        "warning_unacknowledged",
        "You were warned: be nice. Acknowledge the warning to chat again.",
    )
    assert s.at(91, facts(standing=Standing(warned=True))) is not None
    assert "no reason given" in str(s.at(91, facts(standing=Standing(warned=True))))
    assert s.at(92, facts(standing=Standing())) is None


def test_followers_only_counts_the_follow_age() -> None:
    s = Script()
    modes = replace(OFF, followers_only_min_age_s=600)
    assert s.at(0, facts(modes=modes)) == Rejection(
        "followers_only", "This channel is in followers-only mode."
    )
    new = Standing(followed_at=T0 - timedelta(seconds=500))
    assert s.at(0, facts(modes=modes, standing=new)) == Rejection(
        "followers_only", "Followers-only mode: you can chat 100 seconds after following.", 100.0
    )
    assert s.at(100, facts(modes=modes, standing=new)) is None  # exactly old enough
    for role in (Role.VIP, Role.SUBSCRIBER, Role.MODERATOR, Role.OWNER):
        assert s.at(100, facts(modes=modes, role=role)) is None


def test_subscribers_only_and_emote_only() -> None:
    s = Script()
    subs = replace(OFF, subscribers_only=True)
    assert s.at(0, facts(modes=subs)) == Rejection(
        "subscribers_only", "This channel is in subscribers-only mode."
    )
    assert s.at(0, facts(modes=subs, role=Role.VIP)) is None
    assert s.at(0, facts(modes=subs, role=Role.SUBSCRIBER)) is None
    emotes = replace(OFF, emote_only=True, emote_set=frozenset({"Kappa", "PogChamp"}))
    assert s.at(0, facts("Kappa PogChamp Kappa", modes=emotes)) is None
    assert s.at(0, facts("Kappa lol", modes=emotes, role=Role.VIP)) == Rejection(
        "emote_only", "This channel is in emote-only mode."
    )
    assert s.at(0, facts("Kappa lol", modes=emotes, role=Role.LEAD_MODERATOR)) is None


def test_slow_mode_per_sender_vips_skip_it() -> None:
    s = Script()
    slow = replace(OFF, slow_mode_s=10)
    assert s.at(0, facts(modes=slow)) is None
    assert s.at(4, facts(modes=slow)) == Rejection(
        "slow_mode", "Slow mode: wait 6 seconds between messages.", 6.0
    )
    assert s.at(5, facts(modes=slow, sender="8")) is None  # per sender
    assert s.at(10, facts(modes=slow)) is None  # 10 s after the accepted one
    assert s.at(11, facts(modes=slow, role=Role.VIP)) is None
    assert s.at(12, facts(modes=slow, role=Role.VIP)) is None


def test_unique_chat_across_senders_for_30_seconds() -> None:
    s = Script()
    unique = replace(OFF, unique_chat=True)
    assert s.at(0, facts("Hello  World", modes=unique)) is None
    assert s.at(29, facts("hello world", modes=unique, sender="8")) == Rejection(
        "duplicate_message", "Unique chat: this message was just sent."
    )
    assert s.at(30, facts("ＨＥＬＬＯ world", modes=unique, sender="9")) is None  # window over
    assert s.at(31, facts("hello world", modes=unique, role=Role.MODERATOR)) is None
    other_channel = MessageFacts("2", "8", Role.VIEWER, "hello world", unique)
    assert s.at(31, other_channel) is None


def test_rate_limit_with_retry_and_off() -> None:
    s = Script()
    limited = replace(OFF, rate_limit_messages_per_30s=3)
    assert [s.at(i, facts(modes=limited)) for i in range(3)] == [None] * 3
    assert s.at(10, facts(modes=limited)) == Rejection(
        "rate_limited", "You are sending messages too fast.", 20.0
    )
    assert s.at(30, facts(modes=limited)) is None  # the first hit left the window
    assert s.at(30, facts(modes=limited, role=Role.MODERATOR)) is None
    assert all(s.at(31, facts()) is None for _ in range(200))  # 0: off


def test_the_rate_limit_can_be_counted_after_the_other_rules() -> None:
    """``check_chat_rules_but_rate`` runs every rule but the rate limit and hands back the hit
    to count; counting it and ``rate_rejection`` give ``check_chat_rules``'s answer."""
    limited = replace(OFF, rate_limit_messages_per_30s=2, slow_mode_s=5)
    windows = MemoryWindows()
    hit = check_chat_rules_but_rate(facts(modes=limited), windows, T0)
    assert hit == RateHit("rate:1:7", 30.0, 2)
    assert check_chat_rules_but_rate(facts(modes=limited), windows, T0) == Rejection(
        "slow_mode", "Slow mode: wait 5 seconds between messages.", 5.0
    )  # slow mode was recorded by the first call, the rate window was not
    assert check_chat_rules_but_rate(facts(modes=OFF), windows, T0) is None
    assert check_chat_rules_but_rate(facts(modes=limited, role=Role.MODERATOR), windows, T0) is None
    assert rate_rejection(None) is None
    assert rate_rejection(12.5) == Rejection(
        "rate_limited", "You are sending messages too fast.", 12.5
    )


def test_a_rule_that_refuses_records_nothing_after_it() -> None:
    """Slow mode refuses before unique chat sees the text, so the text stays unused."""
    s = Script()
    modes = replace(OFF, slow_mode_s=10, unique_chat=True)
    assert s.at(0, facts("first", modes=modes)) is None
    assert s.at(2, facts("second", modes=modes)) is not None  # slow mode
    assert s.at(3, facts("second", modes=modes, sender="8")) is None  # unique: not seen


def test_fingerprint() -> None:
    assert fingerprint("  Ｈｉ   THERE ") == "hi there"


def test_memory_windows_bound_their_fingerprints() -> None:
    w = MemoryWindows(max_fingerprints=3)
    for i in range(5):
        assert not w.seen_recently("k", f"t{i}", T0, 30)
    assert not w.seen_recently("k", "t0", T0, 30)  # the oldest was dropped
    assert w.seen_recently("k", "t4", T0, 30)
    w.forget("k")
    assert not w.seen_recently("k", "t4", T0, 30)


@pytest.mark.parametrize("role", [Role.OWNER, Role.LEAD_MODERATOR, Role.MODERATOR])
def test_moderators_skip_every_mode(role: Role) -> None:
    every = Modes(
        slow_mode_s=60,
        followers_only_min_age_s=0,
        subscribers_only=True,
        emote_only=True,
        unique_chat=True,
        rate_limit_messages_per_30s=1,
    )
    s = Script()
    assert all(s.at(0, facts("same", modes=every, role=role)) is None for _ in range(5))
