"""Discord's Gateway (API v10, JSON encoding) as pure functions: the payloads we send, the
meaning of what we receive, and a ``MESSAGE_CREATE`` as a ChatWarden ``InboundMessage``.

Shapes follow Discord's developer documentation (Gateway: Opcodes, Gateway Events, Message
Object, Guild Member Object); ``tests/fixtures/discord/`` holds them as recorded JSON and
``tests/connectors/discord/test_parse.py`` is written from them. Nothing here does I/O.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from chatwarden.connectors.base import EmoteSpan, InboundMessage, PlatformUser
from chatwarden.settings import Role

PLATFORM = "discord"
API_VERSION = 10


class Op(IntEnum):
    """Gateway opcodes."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    RESUME = 6
    RECONNECT = 7
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


# Gateway intents (only what the connector reads): guild messages and their content. Guild
# ownership comes from REST (GET /guilds/{id}), so GUILDS is not needed; GUILD_MODERATION is
# not requested (the connector does not read the guild's own bans).
GUILD_MESSAGES = 1 << 9
MESSAGE_CONTENT = 1 << 15  # privileged: switch it on in the Developer Portal
INTENTS = GUILD_MESSAGES | MESSAGE_CONTENT

# Permissions (bit flags) each action needs in the channel or guild
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13  # delete others' messages
BAN_MEMBERS = 1 << 2
MANAGE_GUILD = 1 << 5  # read the guild's AutoMod rules
MODERATE_MEMBERS = 1 << 40  # timeouts (communication_disabled_until)
PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | MANAGE_MESSAGES | BAN_MEMBERS | MODERATE_MEMBERS

#: close codes after which reconnecting cannot help (bad token, shard or intents): stop
FATAL_CLOSE_CODES = frozenset({4004, 4010, 4011, 4012, 4013, 4014})
#: close codes after which the session cannot be resumed (identify anew)
FRESH_CLOSE_CODES = frozenset({4007, 4009})

#: message types that are chat: DEFAULT and REPLY
CHAT_TYPES = frozenset({0, 19})

# control characters (Discord's multi-line messages) become spaces: ChatWarden's chat line is one
# line, and one character for one keeps the emote positions
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")

# ``<:name:id>`` and animated ``<a:name:id>`` (names are 2-32 word characters)
_EMOTE_RE = re.compile(r"<(a?):(\w{2,32}):(\d{1,20})>")


def gateway_url(base: str) -> str:
    """``base`` (Get Gateway's ``url`` or READY's ``resume_gateway_url``) with the version
    and encoding the connector speaks."""
    return f"{base.rstrip('/')}/?v={API_VERSION}&encoding=json"


def identify(token: str, intents: int = INTENTS) -> dict[str, Any]:
    return {
        "op": Op.IDENTIFY,
        "d": {
            "token": token,
            "intents": intents,
            "properties": {"os": "linux", "browser": "chatwarden", "device": "chatwarden"},
        },
    }


def resume(token: str, session_id: str, seq: int | None) -> dict[str, Any]:
    return {"op": Op.RESUME, "d": {"token": token, "session_id": session_id, "seq": seq}}


def heartbeat(seq: int | None) -> dict[str, Any]:
    return {"op": Op.HEARTBEAT, "d": seq}


def first_heartbeat_s(interval_ms: int, rng: random.Random) -> float:
    """The first heartbeat waits ``heartbeat_interval * jitter`` (jitter in [0, 1)), as
    Discord asks, so that many clients reconnecting at once do not beat together."""
    return interval_ms * rng.random() / 1000


def emote_spans(text: str) -> tuple[EmoteSpan, ...]:
    """The custom emotes in a message's content, each at its position (code points)."""
    return tuple(
        EmoteSpan(m.group(0), m.start(), m.end(), m.group(3)) for m in _EMOTE_RE.finditer(text)
    )


_RANK = (Role.OWNER, Role.LEAD_MODERATOR, Role.MODERATOR, Role.VIP, Role.SUBSCRIBER, Role.VIEWER)


def member_role(
    user_id: str,
    role_ids: Sequence[str],
    roles: Mapping[str, Role],
    owner_id: str | None,
) -> Role:
    """The ChatWarden role of a guild member: the guild's owner is a lead moderator (the
    ChatWarden owner is whoever made the channel); otherwise the highest role the configured
    map gives one of their Discord roles (role id -> role); otherwise a viewer."""
    if owner_id is not None and user_id == owner_id:
        return Role.LEAD_MODERATOR
    mapped = [roles[r] for r in role_ids if r in roles]
    best = min(mapped, key=_RANK.index, default=Role.VIEWER)
    return Role.LEAD_MODERATOR if best == Role.OWNER else best


def _sent_at_ms(timestamp: object) -> int | None:
    if not isinstance(timestamp, str):
        return None
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def inbound_message(
    data: Mapping[str, Any],
    channel_id: str,
    roles: Mapping[str, Role],
    owner_id: str | None,
) -> InboundMessage | None:
    """A ``MESSAGE_CREATE``'s ``d`` as a ChatWarden message; None when it is not chat in the
    configured channel (another channel, a bot's or a webhook's message, a system message,
    an empty content)."""
    author = data.get("author")
    if str(data.get("channel_id")) != channel_id or not isinstance(author, Mapping):
        return None
    if author.get("bot") or author.get("system") or data.get("webhook_id"):
        return None
    if data.get("type", 0) not in CHAT_TYPES:
        return None
    content = data.get("content")
    if not isinstance(content, str) or not content.strip():
        return None
    text = _CONTROL_RE.sub(" ", content)
    user_id = str(author["id"])
    login = str(author.get("username") or user_id)
    member = data.get("member")
    role_ids = [str(r) for r in member.get("roles") or ()] if isinstance(member, Mapping) else []
    name = author.get("global_name") or login
    if isinstance(member, Mapping) and member.get("nick"):
        name = member["nick"]
    return InboundMessage(
        platform=PLATFORM,
        channel=channel_id,
        message_id=str(data["id"]),
        user=PlatformUser(PLATFORM, user_id, login, str(name)),
        text=text,
        role=member_role(user_id, role_ids, roles, owner_id),
        emotes=emote_spans(text),
        sent_at_ms=_sent_at_ms(data.get("timestamp")),
    )


def parse_role_map(specs: Sequence[str]) -> dict[str, Role]:
    """``ROLE_ID=role`` pairs (``--role 1234=moderator``) → the map; ``ValueError`` saying
    which is wrong."""
    out: dict[str, Role] = {}
    allowed = {r.value for r in _RANK if r != Role.OWNER}
    for spec in specs:
        rid, sep, name = spec.partition("=")
        if not sep or not rid.strip().isdigit() or name.strip() not in allowed:
            raise ValueError(
                f"--role {spec!r}: expected ROLE_ID=ROLE, ROLE one of {', '.join(sorted(allowed))}"
            )
        out[rid.strip()] = Role(name.strip())
    return out


#: Discord's AutoMod trigger and action types, by their documented numbers
TRIGGERS = {1: "keyword", 3: "spam", 4: "keyword_preset", 5: "mention_spam", 6: "member_profile"}
ACTIONS = {1: "block_message", 2: "send_alert_message", 3: "timeout", 4: "block_member_interaction"}


def automod_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """One of the guild's AutoMod rules (Auto Moderation Rule Object) as Mod View and the CLI
    show it: id, name, enabled, the trigger and the actions by name, how many roles are exempt."""
    trigger = rule.get("trigger_type")
    actions = [a for a in rule.get("actions") or () if isinstance(a, Mapping)]
    return {
        "id": str(rule.get("id")),
        "name": str(rule.get("name") or ""),
        "enabled": bool(rule.get("enabled")),
        "trigger": _named(TRIGGERS, trigger),
        "actions": [_named(ACTIONS, a.get("type")) for a in actions],
        "exempt_roles": len(rule.get("exempt_roles") or ()),
    }


def _named(names: Mapping[int, str], value: object) -> str:
    return names.get(value, str(value)) if isinstance(value, int) else str(value)
