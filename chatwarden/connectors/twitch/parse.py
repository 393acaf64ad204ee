"""Twitch EventSub frames and Helix requests as values (pure).

In: an EventSub WebSocket frame (``{"metadata", "payload"}``) → a ``Frame``; a
``channel.chat.message`` or ``automod.message.hold`` event → an ``InboundMessage`` (the chat
message id, the chatter's id and login, badges → role, emote fragments → emote positions).
Out: one ChatWarden effect on one target → the Helix calls that carry it out
(``requests_for``), exactly as Twitch's API reference documents them. The client
(``client.py``) and the applier (``apply.py``) only move these values over the network, so
the documented shapes in ``tests/fixtures/twitch/`` are the whole contract.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from chatwarden.connectors.base import EmoteSpan, InboundMessage, PlatformUser
from chatwarden.connectors.irc.parse import TWITCH_BADGE_ROLES
from chatwarden.rules.effects import Ban, Delete, Effect, Hold, Target, Timeout, Warn
from chatwarden.settings import Role

EVENTSUB_URL = "wss://eventsub.wss.twitch.tv/ws"
HELIX_URL = "https://api.twitch.tv/helix"
#: the longest timeout Twitch takes (two weeks) and its reason limit (Ban User, Warn Chat User)
MAX_TIMEOUT_S = 1_209_600
MAX_REASON = 500

FrameType = Literal[
    "session_welcome", "session_keepalive", "notification", "session_reconnect", "revocation"
]


@dataclass(frozen=True, slots=True)
class Frame:
    """One EventSub WebSocket message: its ``metadata`` and ``payload`` as Twitch sends them."""

    message_id: str
    message_type: str
    timestamp: str
    subscription_type: str | None = None
    subscription_version: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> Mapping[str, Any]:
        return self.payload.get("session") or {}

    @property
    def event(self) -> Mapping[str, Any]:
        return self.payload.get("event") or {}

    @property
    def subscription(self) -> Mapping[str, Any]:
        return self.payload.get("subscription") or {}


def parse_frame(raw: str | bytes) -> Frame:
    """A WebSocket text message → a ``Frame``; ``ValueError`` for anything else."""
    try:
        data = json.loads(raw)
        meta = data["metadata"]
        return Frame(
            str(meta["message_id"]),
            str(meta["message_type"]),
            str(meta.get("message_timestamp") or ""),
            meta.get("subscription_type"),
            meta.get("subscription_version"),
            data.get("payload") or {},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not an EventSub message: {exc}") from exc


def keepalive_s(frame: Frame, default: float = 10.0) -> float:
    """A welcome's ``keepalive_timeout_seconds`` (Twitch: 10 unless the URL asked otherwise)."""
    value = frame.session.get("keepalive_timeout_seconds")
    return float(value) if isinstance(value, int | float) and value > 0 else default


# -- chat messages in --------------------------------------------------------------------------


def badge_role(badges: object) -> Role:
    """``[{"set_id": "moderator", ...}, ...]`` → the strongest channel role among them."""
    sets = (
        {str(b.get("set_id")) for b in badges or () if isinstance(b, Mapping)}
        if isinstance(badges, list)
        else set()
    )
    for badge, role in TWITCH_BADGE_ROLES:
        if badge in sets:
            return role
    return Role.VIEWER


def emote_spans(fragments: object) -> tuple[EmoteSpan, ...]:
    """The emote fragments' positions in the message text (the fragments' texts joined are the
    text; offsets are code points, as Python's ``str`` counts)."""
    spans: list[EmoteSpan] = []
    pos = 0
    for frag in fragments if isinstance(fragments, list) else ():
        if not isinstance(frag, Mapping):
            continue
        text = str(frag.get("text") or "")
        emote = frag.get("emote")
        if frag.get("type") == "emote" and text and isinstance(emote, Mapping):
            spans.append(EmoteSpan(text, pos, pos + len(text), str(emote.get("id") or "")))
        pos += len(text)
    return tuple(spans)


def chat_message(event: Mapping[str, Any], channel: str) -> InboundMessage | None:
    """A ``channel.chat.message`` v1 event → an ``InboundMessage`` (None without a message id,
    a chatter or text)."""
    message = event.get("message") or {}
    text = str(message.get("text") or "")
    uid, login = event.get("chatter_user_id"), event.get("chatter_user_login")
    if not event.get("message_id") or not uid or not login or not text:
        return None
    user = PlatformUser("twitch", str(uid), str(login), str(event.get("chatter_user_name") or ""))
    return InboundMessage(
        "twitch",
        channel,
        str(event["message_id"]),
        user,
        text,
        badge_role(event.get("badges")),
        _in_text(emote_spans(message.get("fragments")), text),
    )


def held_message(event: Mapping[str, Any], channel: str) -> InboundMessage | None:
    """An ``automod.message.hold`` v2 event (a message Twitch's own AutoMod holds, which nobody
    sees yet) → an ``InboundMessage`` (no badges in this event: the sender is a viewer)."""
    message = event.get("message") or {}
    text = str(message.get("text") or "")
    uid, login = event.get("user_id"), event.get("user_login")
    if not event.get("message_id") or not uid or not login or not text:
        return None
    user = PlatformUser("twitch", str(uid), str(login), str(event.get("user_name") or ""))
    spans = _in_text(emote_spans(message.get("fragments")), text)
    return InboundMessage("twitch", channel, str(event["message_id"]), user, text, emotes=spans)


def _in_text(spans: tuple[EmoteSpan, ...], text: str) -> tuple[EmoteSpan, ...]:
    return tuple(s for s in spans if text[s.start : s.end] == s.code)


# -- subscriptions ----------------------------------------------------------------------------


def subscription_body(
    kind: str, version: str, condition: Mapping[str, str], session_id: str
) -> dict[str, Any]:
    """The body of ``POST /eventsub/subscriptions`` for the WebSocket transport."""
    return {
        "type": kind,
        "version": version,
        "condition": dict(condition),
        "transport": {"method": "websocket", "session_id": session_id},
    }


def subscriptions(
    broadcaster_id: str, bot_id: str, session_id: str, *, automod: bool
) -> list[dict[str, Any]]:
    """What the connector subscribes to: the channel's chat as the bot reads it
    (``channel.chat.message`` v1) and, where the broadcaster uses Twitch's own AutoMod, its
    holds and their outcome (``automod.message.hold``/``.update`` v2, as a moderator)."""
    out = [
        subscription_body(
            "channel.chat.message",
            "1",
            {"broadcaster_user_id": broadcaster_id, "user_id": bot_id},
            session_id,
        )
    ]
    if automod:
        cond = {"broadcaster_user_id": broadcaster_id, "moderator_user_id": bot_id}
        out += [
            subscription_body("automod.message.hold", "2", cond, session_id),
            subscription_body("automod.message.update", "2", cond, session_id),
        ]
    return out


# -- effects out ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HelixRequest:
    """One Helix call: ``method`` ``path`` (under ``/helix``) with query ``params`` and an
    optional JSON ``body``."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: Mapping[str, Any] | None = None


def _reason(text: str) -> str:
    return " ".join(text.split())[:MAX_REASON] or "ChatWarden"


def automod_decision(moderator_id: str, msg_id: str, allow: bool) -> HelixRequest:
    """Manage Held AutoMod Messages: release (``ALLOW``) or remove (``DENY``) a held message."""
    body = {"user_id": moderator_id, "msg_id": msg_id, "action": "ALLOW" if allow else "DENY"}
    return HelixRequest("POST", "/moderation/automod/message", (), body)


def requests_for(
    effect: Effect,
    target: Target,
    *,
    broadcaster_id: str,
    moderator_id: str,
    user_id: str | None,
    held_by_twitch: bool = False,
) -> list[HelixRequest]:
    """The Helix calls that carry out ``effect`` on ``target`` (``target.message_id``: the
    Twitch message id; ``user_id``: the sender's Twitch user id). Twitch shows a chat message
    before anyone can hold it, so a hold is a deletion at once (the message waits in Mod View);
    a message Twitch's own AutoMod holds stays held there on a hold and is denied on a block.
    None: nothing to do, or not possible (no Twitch id known)."""
    who = (("broadcaster_id", broadcaster_id), ("moderator_id", moderator_id))
    match effect:
        case Hold() | Delete(user_ids=()):
            if not target.message_id:
                return []
            if held_by_twitch:
                if isinstance(effect, Hold):
                    return []  # Twitch holds it already; it waits in both queues
                return [automod_decision(moderator_id, target.message_id, allow=False)]
            return [
                HelixRequest(
                    "DELETE", "/moderation/chat", (*who, ("message_id", target.message_id))
                )
            ]
        case Timeout(seconds=seconds) if user_id:
            data = {
                "user_id": user_id,
                "duration": min(MAX_TIMEOUT_S, max(1, seconds)),
                "reason": _reason(effect.reason),
            }
            return [HelixRequest("POST", "/moderation/bans", who, {"data": data})]
        case Ban() if user_id:
            data = {"user_id": user_id, "reason": _reason(effect.reason)}
            return [HelixRequest("POST", "/moderation/bans", who, {"data": data})]
        case Warn() if user_id:
            data = {"user_id": user_id, "reason": _reason(effect.reason)}
            return [HelixRequest("POST", "/moderation/warnings", who, {"data": data})]
    return []


def ratelimit_wait_s(headers: Mapping[str, str], now_s: float, cap_s: float = 60.0) -> float:
    """How long to wait after a 429: until ``Ratelimit-Reset`` (epoch seconds), at least a
    tenth of a second, at most ``cap_s``; one second when the header is missing."""
    raw = headers.get("ratelimit-reset") or headers.get("Ratelimit-Reset")
    try:
        wait = float(raw) - now_s if raw is not None else 1.0
    except ValueError:
        wait = 1.0
    return min(cap_s, max(0.1, wait))
