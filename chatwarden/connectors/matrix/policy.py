"""Matrix policy lists (pure): the moderation policy rooms Draupnir and Mjolnir share.

A policy room's state holds one rule a state event: ``m.policy.rule.user``,
``m.policy.rule.server`` or ``m.policy.rule.room`` (the legacy ``m.room.rule.*`` of MSC2313 and
``org.matrix.mjolnir.rule.*`` types are read as the same kinds), whose content is
``entity`` (a glob: ``*`` any run of characters, ``?`` one), ``reason`` and
``recommendation``. Only ``m.ban`` (legacy ``org.matrix.mjolnir.ban``) is acted on. A rule is
removed by a state event of the same type and state key with empty content (or without an
``entity``).

A member of the protected room is matched by user rules on their user id and by server rules
on their user id's server name; room rules name rooms, not people, and are kept but never
match a member. ``rule_state`` is the other way: a ChatWarden ban published as an
``m.policy.rule.user`` state event (state key ``rule:<user id>``, as Mjolnir writes them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Kind = Literal["user", "server", "room"]

_KINDS: tuple[Kind, ...] = ("user", "server", "room")
#: the rule event types: the spec's, MSC2313's before it was renamed and Mjolnir's first ones
RULE_TYPES: dict[str, Kind] = {
    prefix + kind: kind
    for prefix in ("m.policy.rule.", "m.room.rule.", "org.matrix.mjolnir.rule.")
    for kind in _KINDS
}
BAN_RECOMMENDATIONS = frozenset({"m.ban", "org.matrix.mjolnir.ban"})
USER_RULE = "m.policy.rule.user"


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One rule as its policy room states it."""

    room_id: str  # the policy room: the rule's source
    kind: Kind
    entity: str
    reason: str
    recommendation: str

    @property
    def bans(self) -> bool:
        return self.recommendation in BAN_RECOMMENDATIONS

    def matches(self, user_id: str) -> bool:
        """Whether this rule, if it bans, names ``user_id`` (a user rule: the id; a server
        rule: the id's server name)."""
        if not self.bans:
            return False
        if self.kind == "user":
            return glob_match(self.entity, user_id)
        if self.kind == "server":
            return glob_match(self.entity, server_name(user_id))
        return False


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    """Matrix's globs: ``*`` any run of characters, ``?`` exactly one; case-sensitive, the
    whole value (no ``[...]`` classes)."""
    return _glob(pattern).fullmatch(value) is not None


def server_name(user_id: str) -> str:
    """``@alice:example.org`` -> ``example.org`` (a port stays on)."""
    return user_id.split(":", 1)[1] if ":" in user_id else ""


def rule_of(room_id: str, event: Mapping[str, Any]) -> tuple[tuple[str, str], PolicyRule | None]:
    """A policy state event as ``((kind, state key), rule)``: the rule None when the event
    removes it (empty content, no ``entity``) or is not a rule. The key is the kind's, so a
    legacy and a current event with one state key are one rule (the newer wins)."""
    kind = RULE_TYPES.get(str(event.get("type")))
    key = (kind or "", str(event.get("state_key", "")))
    content = event.get("content")
    if kind is None or not isinstance(content, Mapping):
        return key, None
    entity, reason, recommendation = (
        content.get("entity"),
        content.get("reason"),
        content.get("recommendation"),
    )
    if not isinstance(entity, str) or not entity or not isinstance(recommendation, str):
        return key, None
    text = reason if isinstance(reason, str) else ""
    return key, PolicyRule(room_id, kind, entity, " ".join(text.split())[:300], recommendation)


class PolicySet:
    """The rules of every subscribed policy room, kept as their rooms' state says."""

    def __init__(self) -> None:
        self._rules: dict[str, dict[tuple[str, str], PolicyRule]] = {}

    def __len__(self) -> int:
        return sum(len(rules) for rules in self._rules.values())

    def rules(self) -> list[PolicyRule]:
        return [r for rules in self._rules.values() for r in rules.values()]

    def update(self, room_id: str, events: Iterable[Mapping[str, Any]]) -> list[PolicyRule]:
        """Apply a policy room's state events in order; the ban rules that are new or
        changed (their members are checked again). A removed rule is forgotten: it stops
        applying, and nobody it banned is unbanned (a ban is a moderator's decision once
        made; a list dropping a name says it no longer asks for the ban, not that it was
        wrong)."""
        rules = self._rules.setdefault(room_id, {})
        added: list[PolicyRule] = []
        for event in events:
            if "state_key" not in event or event.get("type") not in RULE_TYPES:
                continue
            key, rule = rule_of(room_id, event)
            if rule is None:
                rules.pop(key, None)
                continue
            if rules.get(key) != rule:
                rules[key] = rule
                if rule.bans:
                    added.append(rule)
        return added

    def match(self, user_id: str) -> PolicyRule | None:
        """The first ban rule naming ``user_id`` (user rules before server rules)."""
        found = [r for r in self.rules() if r.matches(user_id)]
        found.sort(key=lambda r: r.kind != "user")
        return found[0] if found else None


def with_policy_rooms(sync_filter: dict[str, Any], room_ids: Iterable[str]) -> dict[str, Any]:
    """The connector's ``/sync`` filter widened to the policy rooms and their rule events."""
    rooms = list(room_ids)
    if not rooms:
        return sync_filter
    room = dict(sync_filter["room"])
    room["rooms"] = [*room["rooms"], *rooms]
    for block in ("timeline", "state"):
        section = dict(room[block])
        section["types"] = [*section["types"], *sorted(RULE_TYPES)]
        room[block] = section
    return {**sync_filter, "room": room}


def room_events(sync: Mapping[str, Any], room_id: str) -> list[Mapping[str, Any]]:
    """A policy room's state events in a ``/sync`` answer, in order: its ``state`` block (the
    state before the timeline) then its timeline's state events."""
    rooms = sync.get("rooms")
    join = rooms.get("join") if isinstance(rooms, Mapping) else None
    room = join.get(room_id) if isinstance(join, Mapping) else None
    if not isinstance(room, Mapping):
        return []
    found: list[Mapping[str, Any]] = []
    for block in ("state", "timeline"):
        section = room.get(block)
        events = section.get("events") if isinstance(section, Mapping) else None
        for event in events if isinstance(events, list) else ():
            if isinstance(event, Mapping) and "state_key" in event:
                found.append(event)
    return found


def rule_state(user_id: str, reason: str) -> tuple[str, str, dict[str, Any]]:
    """A ChatWarden ban as a policy rule: ``(event type, state key, content)``."""
    content = {
        "entity": user_id,
        "reason": " ".join(reason.split())[:300] or "ChatWarden",
        "recommendation": "m.ban",
    }
    return USER_RULE, f"rule:{user_id}", content
