"""Event payloads shaped after Twitch EventSub, and the envelope every bus event travels in.

``envelope(type, event, now)`` -> ``{"id", "type", "version", "created_at", "event"}``. Ids in
``event`` are strings, as in EventSub; ``broadcaster_user_id`` is the channel owner's id and
``broadcaster_user_login`` the channel name; ``channel_id`` is added for convenience.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chatwarden.ids import new_uuid

CHAT_MESSAGE = "channel.chat.message"
CHAT_MESSAGE_DELETE = "channel.chat.message_delete"
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
NOTICE = "notice"

#: the types a webhook may subscribe to
SUBSCRIBABLE = (
    CHAT_MESSAGE,
    CHAT_MESSAGE_DELETE,
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


def envelope(event_type: str, event: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": new_uuid(),
        "type": event_type,
        "version": VERSIONS.get(event_type, "1"),
        "created_at": _iso(now),
        "event": event,
    }


def broadcaster(channel: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "channel_id": channel["id"],
        "broadcaster_user_id": str(channel["owner_id"]),
        "broadcaster_user_login": channel["name"],
        "broadcaster_user_name": channel["name"],
    }


def _user(prefix: str, user_id: int | None, login: str | None) -> dict[str, Any]:
    return {
        f"{prefix}_id": None if user_id is None else str(user_id),
        f"{prefix}_login": login,
        f"{prefix}_name": login,
    }


def chat_message(
    channel: Mapping[Any, Any],
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
        "channel_id": channel["id"],
        "broadcaster_user_id": str(channel["owner_id"]),
        "broadcaster_user_login": channel["name"],
        "broadcaster_user_name": channel["name"],
        "chatter_user_id": str(sender_id),
        "chatter_user_login": sender_name,
        "chatter_user_name": sender_name,
        "message_id": message_id,
        "message": {"text": text, "fragments": [{"type": "text", "text": text}]},
        "badges": [{"set_id": b} for b in badges],
        "sent_at": _iso(sent_at),
        "delivered_at": _iso(delivered_at),
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
    channel: Mapping[Any, Any], *, message_id: str, target_id: int, target_name: str
) -> dict[str, Any]:
    return {
        **broadcaster(channel),
        **_user("target_user", target_id, target_name),
        "message_id": message_id,
    }


def automod_hold(
    channel: Mapping[Any, Any],
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
    """v2 shape: ``reason`` automod|blocked_term plus the matching detail object."""
    reasons = decision.get("reasons", [])
    terms = [r for r in reasons if r.get("kind") != "category"]
    cats = [r for r in reasons if r.get("kind") == "category"]
    automod = None
    if cats:
        top = cats[0]
        automod = {
            "category": top.get("category"),
            "level": top.get("level"),
            "boundaries": [{"start_pos": s, "end_pos": e - 1} for s, e in top.get("spans", [])],
        }
    blocked_term = None
    if terms:
        blocked_term = {
            "terms_found": [
                {
                    "term": t.get("term"),
                    "private": t.get("private", False),
                    "boundary": [{"start_pos": s, "end_pos": e - 1} for s, e in t.get("spans", [])],
                }
                for t in terms
            ]
        }
    return {
        **broadcaster(channel),
        **_user("user", sender_id, sender_name),
        "message_id": message_id,
        "review_item_id": item_id,
        "message": {"text": text, "fragments": [{"type": "text", "text": text}]},
        "reason": "blocked_term" if terms else "automod",
        "automod": automod,
        "blocked_term": blocked_term,
        "held_at": held_at.isoformat(),
        "expires_at": expires_at.isoformat(),
        "decision": decision,
    }


def automod_update(
    channel: Mapping[Any, Any],
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
) -> dict[str, Any]:
    """``status``: approved | denied | expired."""
    return {
        **broadcaster(channel),
        **_user("user", sender_id, sender_name),
        **_user("moderator_user", moderator_id, moderator_name),
        "message_id": message_id,
        "review_item_id": item_id,
        "message": {"text": text, "fragments": [{"type": "text", "text": text}]},
        "status": status,
        "held_at": held_at.isoformat(),
    }


def moderate(
    channel: Mapping[Any, Any],
    *,
    moderator_id: int,
    moderator_name: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``action`` is the EventSub word (ban, unban, timeout, untimeout, warn, delete, slow, ...);
    ``detail`` goes under the key of the same name, as in EventSub v2."""
    out: dict[str, Any] = {
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        "action": action,
    }
    if detail is not None:
        out[action] = detail
    return out


def target(user_id: int, login: str, **extra: Any) -> dict[str, Any]:
    return {"user_id": str(user_id), "user_login": login, "user_name": login, **extra}


def unban_request_create(
    channel: Mapping[Any, Any],
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
    channel: Mapping[Any, Any],
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


def chat_settings_update(channel: Mapping[Any, Any], settings: dict[str, Any]) -> dict[str, Any]:
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
    channel: Mapping[Any, Any],
    *,
    moderator_id: int,
    moderator_name: str,
    settings: dict[str, Any],
    levels: dict[str, int],
) -> dict[str, Any]:
    return {
        **broadcaster(channel),
        **_user("moderator_user", moderator_id, moderator_name),
        "overall_level": settings.get("overall_level"),
        "levels": levels,
        "vip_exempt": settings.get("vip_exempt"),
    }


def automod_terms_update(
    channel: Mapping[Any, Any],
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
    channel: Mapping[Any, Any],
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
    channel: Mapping[Any, Any],
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
        "message": {
            "message_id": message_id,
            "text": text,
            "fragments": [{"type": "text", "text": text}],
        },
    }


def suspicious_user_update(
    channel: Mapping[Any, Any],
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
    channel: Mapping[Any, Any], *, finding: dict[str, Any], at: datetime, shield_enabled: bool
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
    channel: Mapping[Any, Any],
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
    channel: Mapping[Any, Any],
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
