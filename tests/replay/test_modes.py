"""The chat rules a replay simulates, on sequences whose answer is worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chatwarden.replay.modes import ChatModes, ModeSimulator, fingerprint
from chatwarden.replay.records import ChatRecord
from chatwarden.settings import Role

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def rec(second: float, user: str, text: str, role: Role | None = None) -> ChatRecord:
    return ChatRecord(line=0, time=T0 + timedelta(seconds=second), user=user, text=text, role=role)


def outcomes(modes: ChatModes, records: list[ChatRecord]) -> list[str | None]:
    sim = ModeSimulator(modes)
    return [sim.check(r) for r in records]


def test_slow_mode_per_chatter_and_who_skips_it() -> None:
    modes = ChatModes(slow_mode_s=10)
    records = [
        rec(0, "a", "one"),
        rec(5, "a", "two"),  # 5 s after a's last accepted message: rejected
        rec(6, "b", "other chatter"),  # slow mode is per chatter
        rec(10, "a", "three"),  # exactly 10 s after the accepted one: fine
        rec(11, "v", "vip 1", Role.VIP),
        rec(12, "v", "vip 2", Role.VIP),  # VIPs skip slow mode
        rec(13, "m", "mod 1", Role.MODERATOR),
        rec(14, "m", "mod 2", Role.MODERATOR),  # moderators skip every rule
    ]
    assert outcomes(modes, records) == [None, "slow_mode", None, None, None, None, None, None]


def test_unique_chat_window_is_30_seconds_across_chatters() -> None:
    modes = ChatModes(unique_chat=True)
    records = [
        rec(0, "a", "LOL"),
        rec(1, "b", "lol"),  # same fingerprint from someone else: rejected
        rec(2, "c", "l o l"),  # different text
        rec(31, "d", "lol  "),  # 31 s after the first one: allowed again
        rec(40, "m", "lol", Role.MODERATOR),
    ]
    assert outcomes(modes, records) == [None, "duplicate_message", None, None, None]
    assert fingerprint("  LoL \t  KEKW ") == "lol kekw"


def test_emote_only_and_subscribers_only() -> None:
    modes = ChatModes(emote_only=True, emote_set=("Kappa", "PogChamp"))
    records = [
        rec(0, "a", "Kappa PogChamp"),
        rec(1, "b", "Kappa lol"),
        rec(2, "v", "hi", Role.VIP),  # emote-only applies to VIPs too
        rec(3, "o", "hi", Role.OWNER),
    ]
    assert outcomes(modes, records) == [None, "emote_only", "emote_only", None]
    subs = ChatModes(subscribers_only=True)
    records = [
        rec(0, "a", "hi"),
        rec(1, "s", "hi", Role.SUBSCRIBER),
        rec(2, "v", "hi", Role.VIP),
        rec(3, "f", "hi", Role.FOLLOWER),
    ]
    assert outcomes(subs, records) == ["subscribers_only", None, None, "subscribers_only"]


def test_rate_limit_per_chatter() -> None:
    modes = ChatModes(rate_limit_messages_per_30s=3)
    records = [rec(i, "a", f"m{i}") for i in range(5)] + [rec(30, "a", "later"), rec(4, "b", "x")]
    # a: 3 in the window, then 2 rejected; at 30 s the message at 0 s has left the window
    assert outcomes(modes, records) == [
        None,
        None,
        None,
        "rate_limited",
        "rate_limited",
        None,
        None,
    ]
    assert outcomes(ChatModes(rate_limit_messages_per_30s=0), records) == [None] * 7


def test_default_modes_simulate_only_the_rate_limit() -> None:
    assert ChatModes().simulated() == ["rate limit 100 per 30 s"]
    assert ChatModes(slow_mode_s=5, unique_chat=True).simulated() == [
        "slow mode 5 s",
        "unique chat",
        "rate limit 100 per 30 s",
    ]


def test_windows_are_per_channel_in_a_multi_channel_log() -> None:
    modes = ChatModes(slow_mode_s=10, unique_chat=True)

    def at(second: float, channel: str, user: str, text: str) -> ChatRecord:
        return ChatRecord(
            line=0, time=T0 + timedelta(seconds=second), user=user, text=text, channel=channel
        )

    records = [
        at(0, "one", "a", "hello there"),
        at(1, "two", "a", "hello there"),  # another channel: neither slow mode nor unique chat
        at(2, "one", "a", "again"),  # same channel 2 s later: slow mode
        at(3, "one", "b", "hello there"),  # same channel, same text: unique chat
    ]
    assert outcomes(modes, records) == [None, None, "slow_mode", "duplicate_message"]
