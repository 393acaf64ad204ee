"""One channel-minute of chat, rolled up into additive counts (pure; no I/O).

The service reads what is already stored for a finished minute (messages with their decision,
review items resolved in the minute, mod-log entries) and turns it into the ``*Fact`` records
below; ``roll_minute`` turns those into a ``MinuteRollup``, which is stored as one row. Every
field is a count or a sum, so rows of several minutes combine by adding (see ``series``).
Definitions: docs/analytics.md.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chatwarden.analytics.text import entropy_of_normalised, is_emote_only, normalise

#: message statuses at decision time (``messages.initial_status``) that mean "AutoMod allowed it"
ALLOWED_STATUSES = frozenset({"delivered", "delayed"})


@dataclass(frozen=True, slots=True)
class MessageFact:
    """A stored message: who sent it, its text, AutoMod's action (the message's status when it
    was decided) and the categories its decision names as reasons (the findings above the
    channel's thresholds)."""

    sender_id: int
    text: str
    status: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResolutionFact:
    """A review item that left the queue: ``allowed``, ``denied`` or ``expired``."""

    status: str
    held_at: datetime
    resolved_at: datetime


@dataclass(frozen=True, slots=True)
class ModActionFact:
    """A mod-log entry: ``actor_id`` None is AutoMod (or another automatic detector).
    ``details`` is only needed for entries written by proactive detection (their findings
    name raids and bot waves)."""

    actor_id: int | None
    action: str
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class MinuteRollup:
    """The stored counts of one channel-minute (``minute`` is the minute's start, UTC)."""

    channel_id: int
    minute: datetime
    messages: int = 0
    chatters: int = 0
    repeated: int = 0
    entropy_sum: float = 0.0
    emote_only: int = 0
    allowed: int = 0
    held: int = 0
    blocked: int = 0
    category_findings: dict[str, int] = field(default_factory=dict)
    held_by_category: dict[str, int] = field(default_factory=dict)
    resolved_allowed: int = 0
    resolved_denied: int = 0
    expired: int = 0
    decision_seconds: tuple[float, ...] = ()
    mod_actions: int = 0
    mod_actions_by_actor: dict[str, int] = field(default_factory=dict)
    first_time_chatters: int = 0
    raid_events: int = 0
    bot_wave_events: int = 0

    @property
    def is_empty(self) -> bool:
        return not (
            self.messages
            or self.resolved_allowed
            or self.resolved_denied
            or self.expired
            or self.mod_actions
            or self.raid_events
            or self.bot_wave_events
        )


def minute_of(ts: datetime) -> datetime:
    """The start of the UTC minute holding ``ts``."""
    return ts.astimezone(UTC).replace(second=0, microsecond=0)


MINUTE = timedelta(minutes=1)


@functools.lru_cache(maxsize=1024)
def event_kind(action: str) -> str | None:
    """``raid`` or ``bot_wave`` for a mod-log action that records such an event, else None.

    Matching is on the action's name, split into tokens at ``.``, ``_``, ``-`` and ``:``
    (case-insensitive): any token ``raid`` makes it a raid event (``raid.suspected``,
    ``shield.raid``, ``detect.raid.alert``, ``channel.raid``); the token pair ``bot`` +
    ``wave`` or the token ``botwave`` makes it a bot-wave event (``wave.bot``,
    ``bot_wave.detected``). Everything else (``ban``, ``automod.hold``...) is None.
    """
    tokens = set(action.lower().replace("_", ".").replace("-", ".").replace(":", ".").split("."))
    if "raid" in tokens:
        return "raid"
    if "botwave" in tokens or {"bot", "wave"} <= tokens:
        return "bot_wave"
    return None


def events_of(act: ModActionFact, position: int = 0) -> set[tuple[str, str]]:
    """The raid and bot-wave events one mod-log entry records, as ``(kind, key)`` pairs.

    The entry's action name (``event_kind``) makes it one event of its own. Otherwise each
    detection finding in its details (``details.finding`` or ``details.findings[]``) whose
    ``code`` names a raid or bot wave (``raid.suspected``, ``wave.bot``) is an event keyed by
    the finding's ``evidence.cluster_id`` when it has one: the several entries one bot wave
    leaves (one deletion per removed message, one timeout per account) count once. ``position``
    (the entry's place in its minute) keys the events of entries without a cluster.
    """
    kind = event_kind(act.action)
    if kind is not None:
        return {(kind, f"entry:{position}")}
    details = act.details or {}
    findings: list[Any] = []
    if isinstance(details.get("finding"), Mapping):
        findings.append(details["finding"])
    if isinstance(details.get("findings"), list):
        findings.extend(details["findings"])
    found: set[tuple[str, str]] = set()
    for finding in findings:
        if not isinstance(finding, Mapping) or not isinstance(finding.get("code"), str):
            continue
        kind = event_kind(finding["code"])
        if kind is None:
            continue
        evidence = finding.get("evidence")
        cluster = evidence.get("cluster_id") if isinstance(evidence, Mapping) else None
        found.add((kind, f"cluster:{cluster}" if cluster is not None else f"entry:{position}"))
    return found


def roll_minute(
    channel_id: int,
    minute: datetime,
    messages: Sequence[MessageFact],
    *,
    resolutions: Iterable[ResolutionFact] = (),
    mod_actions: Iterable[ModActionFact] = (),
    first_time_senders: Collection[int] = (),
    emotes: Collection[str] = (),
) -> MinuteRollup:
    """Roll up one channel-minute. ``messages`` in the order they were stored (repetition
    counts a message whose normalised text already appeared *earlier* in the minute);
    ``first_time_senders`` are the senders whose first message in the channel is in this
    minute; ``emotes`` is the channel's emote set."""
    seen: set[str] = set()
    repeated = emote_only = allowed = held = blocked = 0
    entropy_sum = 0.0
    findings: Counter[str] = Counter()
    held_cats: Counter[str] = Counter()
    senders: set[int] = set()
    emote_set = frozenset(emotes)
    for msg in messages:
        senders.add(msg.sender_id)
        norm = normalise(msg.text)
        if norm in seen:
            repeated += 1
        seen.add(norm)
        entropy_sum += entropy_of_normalised(norm)
        if is_emote_only(msg.text, emote_set):
            emote_only += 1
        cats = set(msg.categories)
        if cats:
            findings.update(cats)
        if msg.status in ALLOWED_STATUSES:
            allowed += 1
        elif msg.status == "held":
            held += 1
            if cats:
                held_cats.update(cats)
        elif msg.status == "blocked":
            blocked += 1
    res_allowed = res_denied = expired = 0
    seconds: list[float] = []
    for res in resolutions:
        if res.status == "expired":
            expired += 1
            continue
        if res.status == "allowed":
            res_allowed += 1
        elif res.status == "denied":
            res_denied += 1
        else:
            continue
        seconds.append(max(0.0, (res.resolved_at - res.held_at).total_seconds()))
    by_actor: Counter[str] = Counter()
    seen_events: set[tuple[str, str]] = set()
    for position, act in enumerate(mod_actions):
        seen_events |= events_of(act, position)
        if act.actor_id is not None:
            by_actor[str(act.actor_id)] += 1
    kinds = Counter(kind for kind, _ in seen_events)
    return MinuteRollup(
        channel_id=channel_id,
        minute=minute_of(minute),
        messages=len(messages),
        chatters=len(senders),
        repeated=repeated,
        entropy_sum=round(entropy_sum, 6),
        emote_only=emote_only,
        allowed=allowed,
        held=held,
        blocked=blocked,
        category_findings=dict(sorted(findings.items())),
        held_by_category=dict(sorted(held_cats.items())),
        resolved_allowed=res_allowed,
        resolved_denied=res_denied,
        expired=expired,
        decision_seconds=tuple(sorted(round(s, 3) for s in seconds)),
        mod_actions=sum(by_actor.values()),
        mod_actions_by_actor=dict(sorted(by_actor.items())),
        first_time_chatters=len(senders & set(first_time_senders)),
        raid_events=kinds["raid"],
        bot_wave_events=kinds["bot_wave"],
    )
