"""The chat rules for one message, as one pure function of facts, windows and the clock.

Order (the first that fails decides): ban, timeout, unacknowledged warning; then, for everyone
but the owner and moderators, followers-only (VIPs and subscribers pass), subscribers-only
(VIPs pass), emote-only (every word in the emote set), slow mode (VIPs skip it), unique chat
(the same text from anyone in the channel within 30 s) and the rate limit (per chatter per
30 s; 0 turns it off). The reasons and texts are what the chatter sees.

The windows (slow-mode clocks, unique-chat fingerprints, rate windows) are behind
``RuleWindows``: live chat passes the shared ``bus`` state, replay a ``MemoryWindows``.
A window records a message only when its own rule lets it through (as before). Live chat
runs ``check_chat_rules_but_rate`` per message and counts a batch's rate windows together
(``bus.ChatState.hit_rates``), which gives what ``check_chat_rules`` per message would.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from chatwarden.settings import ALWAYS_EXEMPT, Role

UNIQUE_CHAT_WINDOW_S = 30.0
RATE_WINDOW_S = 30.0

RejectionReason = Literal[
    "banned",
    "timed_out",
    "warning_unacknowledged",
    "followers_only",
    "subscribers_only",
    "emote_only",
    "slow_mode",
    "duplicate_message",
    "rate_limited",
]


def fingerprint(text: str) -> str:
    """What unique chat compares: case-folded, NFKC, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the rules refused a message: the code, the text the chatter sees, and when
    (seconds) trying again can succeed, where that is known."""

    reason: RejectionReason
    detail: str
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """The sender's standing in the channel (their membership row; none: a stranger)."""

    banned: bool = False
    timeout_until: datetime | None = None
    warned: bool = False  # a warning they have not acknowledged
    warning_reason: str | None = None
    followed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Modes:
    """The channel's chat modes (its ``ChatSettings``) and the rate limit that applies."""

    slow_mode_s: int = 0
    followers_only_min_age_s: int | None = None
    subscribers_only: bool = False
    emote_only: bool = False
    emote_set: frozenset[str] = field(default_factory=frozenset)
    unique_chat: bool = False
    rate_limit_messages_per_30s: int = 100  # 0: off

    @classmethod
    def of(cls, settings: ModeSettings, rate_limit: int) -> Modes:
        """From any settings object with the chat-mode fields (``ChatSettings``, replay's
        ``ChatModes``) and the rate limit."""
        return cls(
            slow_mode_s=settings.slow_mode_s,
            followers_only_min_age_s=settings.followers_only_min_age_s,
            subscribers_only=settings.subscribers_only,
            emote_only=settings.emote_only,
            emote_set=frozenset(settings.emote_set),
            unique_chat=settings.unique_chat,
            rate_limit_messages_per_30s=rate_limit,
        )


class ModeSettings(Protocol):
    @property
    def slow_mode_s(self) -> int: ...
    @property
    def followers_only_min_age_s(self) -> int | None: ...
    @property
    def subscribers_only(self) -> bool: ...
    @property
    def emote_only(self) -> bool: ...
    @property
    def emote_set(self) -> tuple[str, ...]: ...
    @property
    def unique_chat(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """Everything the rules read about one message. ``channel`` and ``sender`` key the
    windows (slow mode and the rate limit per sender in a channel, unique chat per channel)."""

    channel: str
    sender: str
    role: Role
    text: str
    modes: Modes
    standing: Standing | None = None


class RuleWindows(Protocol):
    """The rules' memory between messages (``bus.ChatState`` implements it for live chat)."""

    def hit_rate(self, key: str, now: datetime, window_s: float, limit: int) -> float | None:
        """Count one event for ``key``: None if within ``limit`` per window, else the wait."""
        ...

    def slow_mode_wait(self, key: str, now: datetime, interval_s: float) -> float | None:
        """None (and record ``now``) if the last send is ``interval_s`` old, else the wait."""
        ...

    def seen_recently(self, key: str, fingerprint: str, now: datetime, window_s: float) -> bool:
        """True if ``fingerprint`` was seen under ``key`` in the window; else records it."""
        ...


class MemoryWindows:
    """``RuleWindows`` in memory (not thread-safe: ``bus.MemoryChatState`` adds the lock)."""

    def __init__(self, max_fingerprints: int = 500) -> None:
        self._hits: dict[str, deque[datetime]] = {}
        self._last: dict[str, datetime] = {}
        self._seen: dict[str, dict[str, datetime]] = {}
        self._max_fingerprints = max_fingerprints

    def hit_rate(self, key: str, now: datetime, window_s: float, limit: int) -> float | None:
        start = now - timedelta(seconds=window_s)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= start:
            hits.popleft()
        if len(hits) >= limit:
            return max((hits[0] - start).total_seconds(), 0.001)
        hits.append(now)
        return None

    def slow_mode_wait(self, key: str, now: datetime, interval_s: float) -> float | None:
        last = self._last.get(key)
        if last is not None:
            wait = interval_s - (now - last).total_seconds()
            if wait > 0:
                return wait
        self._last[key] = now
        return None

    def seen_recently(self, key: str, fingerprint: str, now: datetime, window_s: float) -> bool:
        start = now - timedelta(seconds=window_s)
        seen = self._seen.setdefault(key, {})
        when = seen.get(fingerprint)
        if when is not None and when > start:
            return True
        seen[fingerprint] = now
        if len(seen) > self._max_fingerprints:
            for fp in [fp for fp, t in seen.items() if t <= start]:
                del seen[fp]
            while len(seen) > self._max_fingerprints:
                del seen[next(iter(seen))]
        return False

    def forget(self, key: str) -> None:
        self._hits.pop(key, None)
        self._last.pop(key, None)
        self._seen.pop(key, None)


@dataclass(frozen=True, slots=True)
class RateHit:
    """One message's count against its sender's rate window (the rules' last check): the
    arguments of ``RuleWindows.hit_rate`` but the clock."""

    key: str
    window_s: float
    limit: int


def check_chat_rules(facts: MessageFacts, windows: RuleWindows, now: datetime) -> Rejection | None:
    """The first rule that refuses the message (see the module docstring), or None."""
    first = check_chat_rules_but_rate(facts, windows, now)
    if isinstance(first, RateHit):
        return rate_rejection(windows.hit_rate(first.key, now, first.window_s, first.limit))
    return first


def check_chat_rules_but_rate(
    facts: MessageFacts, windows: RuleWindows, now: datetime
) -> Rejection | RateHit | None:
    """Every rule but the rate limit: the first that refuses the message, else the rate
    window's hit still to count (``rate_rejection`` of its wait), else None (no rate limit
    applies). The rate limit is the last rule and its windows are keyed apart from the
    others', so a batch can run this for each message in order, then count all the batch's
    hits at once, in the same order (``bus.ChatState.hit_rates``, one Redis round trip), and
    get exactly what ``check_chat_rules`` per message gives."""
    rejection = _standing(facts.standing, now)
    if rejection is not None or facts.role in ALWAYS_EXEMPT:
        return rejection
    return _modes(facts, windows, now)


def rate_rejection(wait: float | None) -> Rejection | None:
    """The rate limit's rejection for a counted hit's wait (None: the hit was counted)."""
    if wait is None:
        return None
    return Rejection("rate_limited", "You are sending messages too fast.", wait)


def _standing(standing: Standing | None, now: datetime) -> Rejection | None:
    if standing is None:
        return None
    if standing.banned:
        return Rejection("banned", "You are banned from this channel.")
    until = standing.timeout_until
    if until is not None and until > now:
        wait = (until - now).total_seconds()
        return Rejection("timed_out", f"You are timed out for {wait:.0f} more seconds.", wait)
    if standing.warned:
        return Rejection(
            "warning_unacknowledged",
            f"You were warned: {standing.warning_reason or 'no reason given'}. "
            "Acknowledge the warning to chat again.",
        )
    return None


def _modes(facts: MessageFacts, windows: RuleWindows, now: datetime) -> Rejection | RateHit | None:
    modes, role = facts.modes, facts.role
    vip = role is Role.VIP
    if modes.followers_only_min_age_s is not None and not vip and role is not Role.SUBSCRIBER:
        rejection = _followers_only(facts, modes.followers_only_min_age_s, now)
        if rejection is not None:
            return rejection
    if modes.subscribers_only and not vip and role is not Role.SUBSCRIBER:
        return Rejection("subscribers_only", "This channel is in subscribers-only mode.")
    if modes.emote_only and not all(word in modes.emote_set for word in facts.text.split()):
        return Rejection("emote_only", "This channel is in emote-only mode.")
    key = f"{facts.channel}:{facts.sender}"
    if modes.slow_mode_s and not vip:
        wait = windows.slow_mode_wait("slow:" + key, now, modes.slow_mode_s)
        if wait is not None:
            return Rejection(
                "slow_mode", f"Slow mode: wait {wait:.0f} seconds between messages.", wait
            )
    if modes.unique_chat and windows.seen_recently(
        f"unique:{facts.channel}", fingerprint(facts.text), now, UNIQUE_CHAT_WINDOW_S
    ):
        return Rejection("duplicate_message", "Unique chat: this message was just sent.")
    limit = modes.rate_limit_messages_per_30s
    if limit:
        return RateHit("rate:" + key, RATE_WINDOW_S, limit)
    return None


def _followers_only(facts: MessageFacts, min_age_s: int, now: datetime) -> Rejection | None:
    followed = facts.standing.followed_at if facts.standing is not None else None
    if followed is None:
        return Rejection("followers_only", "This channel is in followers-only mode.")
    min_age = timedelta(seconds=min_age_s)
    if now - followed >= min_age:
        return None
    wait = (followed + min_age - now).total_seconds()
    return Rejection(
        "followers_only",
        f"Followers-only mode: you can chat {wait:.0f} seconds after following.",
        wait,
    )
