"""A timeout as a mute (pure): the member's power level lowered below what sending a message
needs, for the timeout's length, then put back.

Matrix has no timeout. Sending an ``m.room.message`` needs the room's ``events`` level for
that type, else its ``events_default``; a member below it can read but not speak. The bot may
change ``m.room.power_levels`` only with that event's level (``events``, else
``state_default``), and may change a member's level only while it is below its own; where it
cannot, the connector kicks instead (``mute_refusal`` says why).

What to put back is the member's own entry before the mute (None: they had none, the room's
``users_default``); it is put back only while the member is still at the muted level, so a
moderator who changed the level meanwhile is not overruled.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

POWER_LEVELS = "m.room.power_levels"


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _events(content: Mapping[str, Any]) -> Mapping[str, Any]:
    events = content.get("events")
    return events if isinstance(events, Mapping) else {}


def _users(content: Mapping[str, Any]) -> Mapping[str, Any]:
    users = content.get("users")
    return users if isinstance(users, Mapping) else {}


def level_of(content: Mapping[str, Any], user_id: str) -> int:
    return _int(_users(content).get(user_id), _int(content.get("users_default"), 0))


def send_level(content: Mapping[str, Any]) -> int:
    """The level an ``m.room.message`` needs."""
    return _int(_events(content).get("m.room.message"), _int(content.get("events_default"), 0))


def muted_level(content: Mapping[str, Any]) -> int:
    return send_level(content) - 1


def mute_refusal(
    content: Mapping[str, Any], bot_id: str, user_id: str, creators: frozenset[str] = frozenset()
) -> str | None:
    """Why the bot cannot mute ``user_id`` here (None: it can)."""
    if user_id in creators:
        return "a room creator cannot be muted"
    bot = level_of(content, bot_id) if bot_id not in creators else 2**53
    needed = _int(_events(content).get(POWER_LEVELS), _int(content.get("state_default"), 50))
    if bot < needed:
        return f"changing {POWER_LEVELS} needs power level {needed}, the bot has {bot}"
    if level_of(content, user_id) >= bot:
        return "the member's power level is not below the bot's"
    return None


def muted(content: Mapping[str, Any], user_id: str) -> tuple[dict[str, Any], int | None] | None:
    """The power levels with ``user_id`` muted, and their entry to put back (None: no entry);
    None when they cannot send already (nothing to do)."""
    target = muted_level(content)
    if level_of(content, user_id) <= target:
        return None
    new = copy.deepcopy(dict(content))
    users = dict(_users(content))
    previous = users.get(user_id)
    users[user_id] = target
    new["users"] = users
    return new, (previous if isinstance(previous, int) else None)


def restored(
    content: Mapping[str, Any], user_id: str, previous: int | None, was_muted_at: int
) -> dict[str, Any] | None:
    """The power levels with ``user_id``'s entry put back; None when their entry is no
    longer the mute's (a moderator changed it, or it was put back already)."""
    users = dict(_users(content))
    if users.get(user_id) != was_muted_at:
        return None
    if previous is None:
        del users[user_id]
    else:
        users[user_id] = previous
    new = copy.deepcopy(dict(content))
    new["users"] = users
    return new
