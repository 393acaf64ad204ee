"""Event payloads shaped after Twitch EventSub, and the envelope every bus event travels in.

``envelope(type, event, now)`` -> ``{"id", "type", "version", "created_at", "event"}``. Ids in
``event`` are strings, as in EventSub; ``broadcaster_user_id`` is the channel owner's id and
``broadcaster_user_login`` the channel name; ``channel_id`` is added for convenience.

Every type with a Twitch counterpart carries every field Twitch documents for that type and
version, with the same JSON type and nesting (``tests/fixtures/twitch/`` holds the documented
shapes; ``tests/service/test_events_twitch.py`` compares); ChatWarden's extras use names Twitch
does not use there. See ``docs/events.md``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from chatwarden.ids import new_uuid
from chatwarden.store.channels import ChannelRow

CHAT_MESSAGE = "channel.chat.message"
CHAT_MESSAGE_DELETE = "channel.chat.message_delete"
CHAT_CLEAR = "channel.chat.clear"
BAN = "channel.ban"
UNBAN = "channel.unban"
WARNING_SEND = "channel.warning.send"
WARNING_ACKNOWLEDGE = "channel.warning.acknowledge"
AUTOMOD_HOLD = "automod.message.hold"
AUTOMOD_UPDATE = "automod.message.update"
MODERATE = "channel.moderate"
UNBAN_REQUEST_CREATE = "channel.unban_request.create"
UNBAN_REQUEST_RESOLVE = "channel.unban_request.resolve"
CHAT_SETTINGS_UPDATE = "channel.chat_settings.update"
AUTOMOD_SETTINGS_UPDATE = "automod.settings.update"
AUTOMOD_TERMS_UPDATE = "automod.terms.update"
# proactive detection (issue 5): the first four are Twitch EventSub types, the rest ours
SHIELD_MODE_BEGIN = "channel.shield_mode.begin"
SHIELD_MODE_END = "channel.shield_mode.end"
SUSPICIOUS_USER_MESSAGE = "channel.suspicious_user.message"
SUSPICIOUS_USER_UPDATE = "channel.suspicious_user.update"
RAID_ALERT = "channel.raid_alert"
DETECTION_FINDING = "channel.detection.finding"
DETECTION_SETTINGS_UPDATE = "channel.detection_settings.update"
#: the channel's rules changed (public: viewers read the rules on the chat page; issue 15)
RULES_UPDATE = "channel.rules.update"
NOTICE = "notice"

#: who removed a chat message (``message_delete``'s extra)
RemovedBy = Literal["automod", "moderator"]

#: the types a webhook may subscribe to
SUBSCRIBABLE = (
    CHAT_MESSAGE,
    CHAT_MESSAGE_DELETE,
    CHAT_CLEAR,
    BAN,
    UNBAN,
    WARNING_SEND,
    WARNING_ACKNOWLEDGE,
    AUTOMOD_HOLD,
    AUTOMOD_UPDATE,
    MODERATE,
    UNBAN_REQUEST_CREATE,
    UNBAN_REQUEST_RESOLVE,
    CHAT_SETTINGS_UPDATE,
    AUTOMOD_SETTINGS_UPDATE,
    AUTOMOD_TERMS_UPDATE,
    SHIELD_MODE_BEGIN,
    SHIELD_MODE_END,
    SUSPICIOUS_USER_MESSAGE,
    SUSPICIOUS_USER_UPDATE,
    RAID_ALERT,
    DETECTION_FINDING,
    DETECTION_SETTINGS_UPDATE,
)

VERSIONS = {AUTOMOD_HOLD: "2", AUTOMOD_UPDATE: "2", MODERATE: "2"}

#: ChatWarden's AutoMod categories (the Helix settings field names) -> the ``category`` values
#: Twitch's EventSub ``automod.message.*`` events use (v1 ``category``, v2 ``automod.category``)
EVENTSUB_CATEGORY = {
    "aggression": "aggressive",
    "bullying": "bullying",
    "disability": "disability",
    "misogyny": "misogyny",
    "race_ethnicity_or_religion": "racism",
    "sex_based_terms": "sexwords",
    "sexuality_sex_or_gender": "sexuality",
    "swearing": "swearing",
}

#: the per-action keys of ``channel.moderate`` v2: Twitch sends every one, null unless it is
#: the action's, with these fields
MODERATE_V2_KEYS: dict[str, tuple[str, ...]] = {
    "followers": ("follow_duration_minutes",),
    "slow": ("wait_time_seconds",),
    "vip": ("user_id", "user_login", "user_name"),
    "unvip": ("user_id", "user_login", "user_name"),
    "mod": ("user_id", "user_login", "user_name"),
    "unmod": ("user_id", "user_login", "user_name"),
    "ban": ("user_id", "user_login", "user_name", "reason"),
    "unban": ("user_id", "user_login", "user_name"),
    "timeout": ("user_id", "user_login", "user_name", "reason", "expires_at"),
    "untimeout": ("user_id", "user_login", "user_name"),
    "raid": ("user_id", "user_login", "user_name", "viewer_count"),
    "unraid": ("user_id", "user_login", "user_name"),
    "delete": ("user_id", "user_login", "user_name", "message_id", "message_body"),
    "automod_terms": ("action", "list", "terms", "from_automod"),
    "unban_request": ("is_approved", "user_id", "user_login", "user_name", "moderator_message"),
    "warn": ("user_id", "user_login", "user_name", "reason", "chat_rules_cited"),
    "shared_chat_ban": ("user_id", "user_login", "user_name", "reason"),
    "shared_chat_unban": ("user_id", "user_login", "user_name"),
    "shared_chat_timeout": ("user_id", "user_login", "user_name", "reason", "expires_at"),
    "shared_chat_untimeout": ("user_id", "user_login", "user_name"),
    "shared_chat_delete": ("user_id", "user_login", "user_name", "message_id", "message_body"),
}

#: actions whose detail Twitch puts under another key than the action's name
MODERATE_DETAIL_KEY = {
    "approve_unban_request": "unban_request",
    "deny_unban_request": "unban_request",
    "add_blocked_term": "automod_terms",
    "add_permitted_term": "automod_terms",
    "remove_blocked_term": "automod_terms",
    "remove_permitted_term": "automod_terms",
}

#: namespace of the ``term_id`` of a blocked term in ``automod.message.*`` v2 (terms have no
#: stored id: a public term's id is derived from its channel, scope and text, so it is stable)
_TERM_NS = uuid.UUID("5f0c3f7e-4d1b-4d55-9a43-1c2f8f1e7a10")


#: types whose Twitch condition names the reading user as ``user_id`` (the rest: a moderator)
_USER_CONDITION = frozenset({CHAT_MESSAGE, CHAT_MESSAGE_DELETE, CHAT_CLEAR, CHAT_SETTINGS_UPDATE})


def condition(event_type: str, broadcaster_id: int, user_id: int | None) -> dict[str, Any]:
    """A subscription's ``condition`` as Twitch gives it for ``event_type``: the broadcaster
    and the subscribing user (``user_id`` for chat types, ``moderator_user_id`` otherwise)."""
    key = "user_id" if event_type in _USER_CONDITION else "moderator_user_id"
    return {
        "broadcaster_user_id": str(broadcaster_id),
        key: None if user_id is None else str(user_id),
    }


def envelope(event_type: str, event: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": new_uuid(),
        "type": event_type,
        "version": VERSIONS.get(event_type, "1"),
        "created_at": _iso(now),
        "event": event,
    }


def broadcaster(channel: ChannelRow) -> dict[str, Any]:
    return {
        "channel_id": channel.id,
        "broadcaster_user_id": str(channel.owner_id),
        "broadcaster_user_login": channel.name,
        "broadcaster_user_name": channel.name,
    }


def _user(prefix: str, user_id: int | None, login: str | None) -> dict[str, Any]:
    return {
        f"{prefix}_id": None if user_id is None else str(user_id),
        f"{prefix}_login": login,
        f"{prefix}_name": login,
    }


def chat_message(
    channel: ChannelRow,
    *,
    message_id: str,
    sender_id: int,
    sender_name: str,
    text: str,
    sent_at: datetime,
    delivered_at: datetime,
    badges: list[str],
) -> dict[str, Any]:
    # one literal (the hot path: one per chat message); same keys as broadcaster() + _user()
    return {
        "channel_id": channel.id,
        "broadcaster_user_id": str(channel.owner_id),
        "broadcaster_user_login": channel.name,
        "broadcaster_user_name": channel.name,
        "chatter_user_id": str(sender_id),
        "chatter_user_login": sender_name,
        "chatter_user_name": sender_name,
        "message_id": message_id,
        "message": {
            "text": text,
            "fragments": [
                {"type": "text", "text": text, "cheermote": None, "emote": None, "mention": None}
            ],
        },
        "color": "",
        "badges": [{"set_id": b, "id": "1", "info": ""} for b in badges],
        "message_type": "text",
        "cheer": None,
        "reply": None,
        "channel_points_custom_reward_id": None,
        "source_broadcaster_user_id": None,
        "source_broadcaster_user_login": None,
        "source_broadcaster_user_name": None,
        "source_message_id": None,
        "source_badges": None,
        "sent_at": _iso(sent_at),
        "delivered_at": _iso(delivered_at),
    }


def _automod_message(text: str) -> dict[str, Any]:
    """The ``message`` of ``automod.message.*`` and ``channel.suspicious_user.message``: one
    text fragment (ChatWarden has no emotes or cheermotes, so there are no other kinds)."""
    return {
        "text": text,
        "fragments": [{"type": "text", "text": text, "cheermote": None, "emote": None}],
    }


_last_iso: tuple[datetime, str] | None = None


def _iso(moment: datetime) -> str:
    """``moment.isoformat()``, remembering the last one (a batch shares one timestamp)."""
    global _last_iso
    last = _last_iso
    if last is not None and last[0] == moment and last[0].tzinfo == moment.tzinfo:
        return last[1]
    text = moment.isoformat()
    _last_iso = (moment, text)
    return text


def message_delete(
    channel: ChannelRow,
    *,
    message_id: str,
    target_id: int,
    target_name: str,
    removed_by: RemovedBy,
) -> dict[str, Any]:
    """v1, with ChatWarden's extra ``removed_by``: ``automod`` for an automatic deletion (a
    bot wave's earlier lines), ``moderator`` for a moderator's delete or clear."""
    return {
        **broadcaster(channel),
        **_user("target_user", target_id, target_name),
        "message_id": message_id,
        "removed_by": removed_by,
    }


def automod_hold(
    channel: ChannelRow,
    *,
    message_id: str,
    sender_id: int,
    sender_name: str,
    text: str,
    held_at: datetime,
    expires_at: datetime,
    item_id: int,
    decision: dict[str, Any],
) -> dict[str, Any]:
    """v2: ``reason`` automod | blocked_term and that reason's object (the other is null).
    ``decision`` (already redacted for moderators) also travels whole as an extra."""
    return {
        **broadcaster(channel),
        **_user("user", sender_id, sender_name),
        "message_id": message_id,
        "review_item_id": item_id,
        "message": _automod_message(text),
        **hold_reason(channel, message_id, decision),
        "held_at": held_at.isoformat(),
        "expires_at": expires_at.isoformat(),
        "decision": decision,
    }


def hold_reason(
    channel: ChannelRow, message_id: str, decision: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``reason``, ``automod`` and ``blocked_term`` of ``automod.message.hold``/``.update`` v2
    from a decision's reasons. Positions are code points, ``end_pos`` inclusive; one
    ``terms_found`` entry per place a term matched. A blocked term (or pattern) wins over a
    category, as the decision does (it blocks). Neither a term's text nor its private flag is
    sent (Twitch sends neither); a private term's ``term_id`` is per message, so it cannot be
    matched against anything."""
    reasons = list((decision or {}).get("reasons", []))
    terms = [r for r in reasons if r.get("kind") in ("blocked_term", "blocked_pattern")]
    cats = [r for r in reasons if r.get("kind") == "category"]
    if terms:
        owner = {
            "owner_broadcaster_user_id": str(channel.owner_id),
            "owner_broadcaster_user_login": channel.name,
            "owner_broadcaster_user_name": channel.name,
        }
        found = []
        for index, term in enumerate(terms):
            tid = _term_id(channel, message_id, index, term)
            for start, end in term.get("spans", []):
                found.append(
                    {"term_id": tid, **owner, "boundary": {"start_pos": start, "end_pos": end - 1}}
                )
        return {"reason": "blocked_term", "automod": None, "blocked_term": {"terms_found": found}}
    automod = None
    if cats:
        top = cats[0]
        category = top.get("category")
        automod = {
            "category": EVENTSUB_CATEGORY.get(category, category) if category else "",
            "level": top.get("level") or 0,
            "boundaries": [{"start_pos": s, "end_pos": e - 1} for s, e in top.get("spans", [])],
        }
    return {"reason": "automod", "automod": automod, "blocked_term": None}


def _term_id(channel: ChannelRow, message_id: str, index: int, term: Mapping[str, Any]) -> str:
    text = term.get("term")
    if term.get("private") or text is None:
        key = f"private:{channel.id}:{message_id}:{index}"
    else:
        scope = term.get("scope") or "channel"
        owner = "global" if scope == "global" else str(channel.id)
        key = f"{owner}:{term.get('kind')}:{text}"
    return str(uuid.uuid5(_TERM_NS, key))


def automod_update(
    channel: ChannelRow,
    *,
    message_id: str,
    item_id: int,
    sender_id: int,
    sender_name: str,
    text: str,
    status: str,
    moderator_id: int | None,
    moderator_name: str | None,
    held_at: datetime,
    decision: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """v2; ``status``: approved | denied | expired. ``decision`` (redacted) gives ``reason``,
    ``automod`` and ``blocked_term`` as in the hold. An expiry has no moderator (null ids)."""
    return {
        **broadcaster(channel),
        **_user("user", sender_id, sender_name),
        **_user("moderator_user", moderator_id, moderator_name),
        "message_id": message_id,
        "review_item_id": item_id,
        "message": _automod_message(text),
        **hold_reason(channel, message_id, decision),
        "status": status,
        "held_at": held_at.isoformat(),
    }


def moderate(
    channel: ChannelRow,
    *,
    moderator_id: int,
    moderator_name: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """v2. ``action`` is the EventSub word (ban, unban, timeout, untimeout, warn, delete, mod,
    ...); ``detail`` goes under the key of the same name. Every per-action key Twitch documents
    is present (null unless it is this action's), and the action's object has every field
    Twitch gives it (a reason left out, as in the channel's public copy, is ``""``, as Twitch
    sends when none was given; other missing fields are null). Actions Twitch has no key for
    (clear, lead_mod, ...) keep their detail under their own name, which Twitch does not use."""
    out: dict[str, Any] = {
        **broadcaster(channel),
        "source_broadcaster_user_id": None,
        "source_broadcaster_user_login": None,
        "source_broadcaster_user_name": None,
        **_user("moderator_user", moderator_id, moderator_name),
        "action": action,
        **dict.fromkeys(MODERATE_V2_KEYS),
    }
    key = MODERATE_DETAIL_KEY.get(action, action)
    fields = MODERATE_V2_KEYS.get(key)
    if detail is not None:
        out[key] = detail if fields is None else {**_blank(fields), **detail}
    return out


def automod_terms_detail(verb: str, kind: str, terms: list[str]) -> dict[str, Any]:
    """The ``automod_terms`` object of ``channel.moderate`` (``verb`` add | remove, ``kind``
    blocked | permitted); private terms are left out by the caller."""
    return {"action": verb, "list": kind, "terms": terms, "from_automod": False}


def chat_clear(channel: ChannelRow) -> dict[str, Any]:
    """``channel.chat.clear``: a moderator cleared the chat."""
    return broadcaster(channel)


def ban(
    channel: ChannelRow,
    *,
    moderator_id: int | None,
    moderator_name: str | None,
    user_id: int,
    login: str,
    reason: str,
    at: datetime,
    ends_at: datetime | None,
) -> dict[str, Any]:
    """``channel.ban``: a ban (``ends_at`` None) or a timeout (``is_permanent`` false)."""
    return {
        **broadcaster(channel),
        **_user("user", user_id, login),
        **_user("moderator_user", moderator_id, moderator_name),
        "reason": reason,
        "banned_at": at.isoformat(),
        "ends_at": None if ends_at is None else ends_at.isoformat(),
        "is_permanent": ends_at is None,
    }


def unban(
    channel: ChannelRow,
    *,
    moderator_id: int | None,
    moderator_name: str | None,
    user_id: int,
    login: str,
) -> dict[str, Any]:
    """``channel.unban``."""
    return {
        **broadcaster(channel),
        **_user("user", user_id, login),
        **_user("moderator_user", moderator_id, moderator_name),
    }


def warning_send(
    channel: ChannelRow,
    *,
    moderator_id: int | None,
    moderator_name: str | None,
    user_id: int,
    login: str,
    reason: str,
) -> dict[str, Any]:
    """``channel.warning.send`` (ChatWarden cites no chat rules: ``chat_rules_cited`` null)."""
    return {
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        **_user("user", user_id, login),
        "reason": reason,
        "chat_rules_cited": None,
    }


def warning_acknowledge(channel: ChannelRow, *, user_id: int, login: str) -> dict[str, Any]:
    """``channel.warning.acknowledge``: the warned user acknowledged; they may chat again."""
    return {**broadcaster(channel), **_user("user", user_id, login)}


def _blank(fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: "" if f == "reason" else None for f in fields}


def target(user_id: int, login: str, **extra: Any) -> dict[str, Any]:
    return {"user_id": str(user_id), "user_login": login, "user_name": login, **extra}


def unban_request_create(
    channel: ChannelRow,
    *,
    request_id: int,
    user_id: int,
    login: str,
    text: str,
    created_at: datetime,
) -> dict[str, Any]:
    return {
        "id": str(request_id),
        **broadcaster(channel),
        **_user("user", user_id, login),
        "text": text,
        "created_at": created_at.isoformat(),
    }


def unban_request_resolve(
    channel: ChannelRow,
    *,
    request_id: int,
    user_id: int,
    login: str,
    moderator_id: int,
    moderator_name: str,
    status: str,
    resolution_text: str,
) -> dict[str, Any]:
    return {
        "id": str(request_id),
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        **_user("user", user_id, login),
        "resolution_text": resolution_text,
        "status": status,
    }


def chat_settings_update(channel: ChannelRow, settings: dict[str, Any]) -> dict[str, Any]:
    follower_age = settings.get("followers_only_min_age_s")
    delay = settings.get("non_mod_chat_delay_s", 0)
    return {
        **broadcaster(channel),
        "emote_mode": settings.get("emote_only", False),
        "follower_mode": follower_age is not None,
        "follower_mode_duration_minutes": None if follower_age is None else follower_age // 60,
        "slow_mode": settings.get("slow_mode_s", 0) > 0,
        "slow_mode_wait_time_seconds": settings.get("slow_mode_s") or None,
        "subscriber_mode": settings.get("subscribers_only", False),
        "unique_chat_mode": settings.get("unique_chat", False),
        "non_moderator_chat_delay": delay > 0,
        "non_moderator_chat_delay_duration_seconds": delay or None,
        "settings": settings,
    }


def automod_settings_update(
    channel: ChannelRow,
    *,
    moderator_id: int,
    moderator_name: str,
    settings: dict[str, Any],
    levels: dict[str, int],
) -> dict[str, Any]:
    return {
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        **{cat: levels.get(cat, 0) for cat in EVENTSUB_CATEGORY},
        "overall_level": settings.get("overall_level"),
        "levels": levels,
        "vip_exempt": settings.get("vip_exempt"),
    }


def automod_terms_update(
    channel: ChannelRow,
    *,
    moderator_id: int,
    moderator_name: str,
    action: str,
    terms: list[str],
) -> dict[str, Any]:
    """``action``: add_blocked | remove_blocked | add_permitted | remove_permitted.
    Private terms are passed in as ``None``-free lists by the caller (it leaves them out)."""
    return {
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        "action": action,
        "from_automod": False,
        "terms": terms,
    }


def notice(kind: str, channel_id: int, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "channel_id": channel_id, **fields}


# -- proactive detection (issue 5) -------------------------------------------------------------


def shield_mode(
    channel: ChannelRow,
    *,
    moderator_id: int | None,
    moderator_name: str | None,
    at: datetime,
    begin: bool,
) -> dict[str, Any]:
    """``channel.shield_mode.begin``/``.end``; a moderator of None is AutoMod (raid response)."""
    return {
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        ("started_at" if begin else "ended_at"): at.isoformat(),
    }


def suspicious_user_message(
    channel: ChannelRow,
    *,
    user_id: int,
    login: str,
    low_trust_status: str,
    types: list[str],
    evaluation: str,
    shared_ban_channel_ids: list[int],
    reasons: list[str],
    message_id: str,
    text: str,
) -> dict[str, Any]:
    """EventSub ``channel.suspicious_user.message``: ``low_trust_status`` active_monitoring |
    restricted; ``types`` manually_added | ban_evader_detector | banned_in_shared_channel."""
    return {
        **broadcaster(channel),
        **_user("user", user_id, login),
        "low_trust_status": low_trust_status,
        "shared_ban_channel_ids": [str(c) for c in shared_ban_channel_ids],
        "types": types,
        "ban_evasion_evaluation": evaluation,
        "reasons": reasons,
        "message": {"message_id": message_id, **_automod_message(text)},
    }


def suspicious_user_update(
    channel: ChannelRow,
    *,
    moderator_id: int | None,
    moderator_name: str | None,
    user_id: int,
    login: str,
    low_trust_status: str,
    reasons: list[str],
) -> dict[str, Any]:
    """EventSub ``channel.suspicious_user.update``: ``low_trust_status`` none |
    active_monitoring | restricted."""
    return {
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        **_user("user", user_id, login),
        "low_trust_status": low_trust_status,
        "reasons": reasons,
    }


def raid_alert(
    channel: ChannelRow, *, finding: dict[str, Any], at: datetime, shield_enabled: bool
) -> dict[str, Any]:
    """A suspected hate raid: the detector's finding and whether Shield Mode was turned on."""
    return {
        **broadcaster(channel),
        "code": finding.get("code"),
        "explanation": finding.get("explanation"),
        "evidence": finding.get("evidence", {}),
        "detected_at": at.isoformat(),
        "shield_mode_enabled": shield_enabled,
    }


def detection_finding(
    channel: ChannelRow,
    *,
    user_id: int,
    login: str,
    message_id: str | None,
    text: str,
    action: str,
    findings: list[dict[str, Any]],
) -> dict[str, Any]:
    """What the detectors found in one message and what was done (``action``)."""
    return {
        **broadcaster(channel),
        **_user("user", user_id, login),
        "message_id": message_id,
        "message": {"text": text, "fragments": [{"type": "text", "text": text}]},
        "action": action,
        "findings": findings,
    }


def detection_settings_update(
    channel: ChannelRow,
    *,
    moderator_id: int,
    moderator_name: str,
    what: str,
    changed: dict[str, Any],
) -> dict[str, Any]:
    """``what``: settings | shield_preset | sharing | policy_lists."""
    return {
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        "what": what,
        "changed": changed,
    }
