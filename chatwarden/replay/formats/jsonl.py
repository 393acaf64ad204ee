"""ChatWarden's own chat log: JSON lines, one message per line.

Each line is an object with ``time`` (ISO-8601), ``user`` and ``text`` (required), and
``channel``, ``user_id``, ``role`` (a channel role), ``badges`` (Twitch badge names) and
``decision`` (what ChatWarden decided when the message was live: ``{"action": ..., "status":
..., "initial_status": ..., "detection": {"effect": ..., "codes": [...]}}``), all optional.
``chatwarden export`` and ``GET /api/v1/channels/{name}/history/export`` write this format.

The recorded outcome is the message's ``initial_status`` (else ``status``) as an action
(``delivered``, ``delayed`` and ``restricted`` -> allow, ``held`` -> hold, ``blocked`` ->
block), so it includes what detection did; without a status it is AutoMod's ``action``.
"""

from __future__ import annotations

import json
from typing import Any

from chatwarden.replay.formats.times import parse_iso
from chatwarden.replay.records import ChatRecord, ParsedLog, parse_role, role_from_badges

NAME = "chatwarden-jsonl"
#: a stored message's status when it was sent -> the replay action it amounts to
STATUS_ACTIONS = {
    "delivered": "allow",
    "delayed": "allow",
    "restricted": "allow",
    "held": "hold",
    "blocked": "block",
}


def recorded_outcome(decision: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(action, detection effect)`` a log line's ``decision`` records (None: not said)."""
    action = None
    for key in ("initial_status", "status"):
        status = decision.get(key)
        if isinstance(status, str) and status in STATUS_ACTIONS:
            action = STATUS_ACTIONS[status]
            break
    if action is None and isinstance(decision.get("action"), str):
        action = decision["action"]
    detection = decision.get("detection")
    effect = None
    if isinstance(detection, dict) and isinstance(detection.get("effect"), str):
        effect = detection["effect"]
    return action, effect


def looks_like(text: str) -> bool:
    """The first non-blank line is a JSON object with ``time`` and ``text``."""
    for line in text.splitlines():
        if line.strip():
            try:
                first = json.loads(line)
            except ValueError:
                return False
            return isinstance(first, dict) and "text" in first and "time" in first
    return False


def parse(text: str) -> ParsedLog:
    log = ParsedLog(NAME)
    for number, line in enumerate(text.splitlines(), start=1):
        log.total += 1
        if not line.strip():
            log.blank_lines += 1
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            log.problem(number, f"not JSON: {exc.msg} at column {exc.colno}", line)
            continue
        except ValueError as exc:  # e.g. numbers too long to convert
            log.problem(number, f"not JSON: {exc}", line)
            continue
        if not isinstance(obj, dict):
            log.problem(number, f"not a JSON object: got {type(obj).__name__}", line)
            continue
        try:
            log.records.append(record(number, obj))
        except ValueError as exc:
            log.problem(number, str(exc), line)
    return log


def record(number: int, obj: dict[str, Any]) -> ChatRecord:
    """One message object as a record; ValueError names what is wrong."""
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError("missing text: 'text' must be a string")
    if not text.strip():
        raise ValueError("empty message: 'text' is blank")
    user = obj.get("user")
    if not isinstance(user, str) or not user:
        raise ValueError("missing user: 'user' must be a non-empty string")
    when = parse_iso(obj.get("time"))
    badges_raw = obj.get("badges", [])
    if not isinstance(badges_raw, list) or not all(isinstance(b, str) for b in badges_raw):
        raise ValueError("bad badges: 'badges' must be a list of strings")
    badges = tuple(badges_raw)
    role = parse_role(obj.get("role")) if obj.get("role") is not None else None
    if role is None:
        role = role_from_badges(badges)
    decision = obj.get("decision")
    recorded = recorded_detection = None
    if isinstance(decision, dict):
        recorded, recorded_detection = recorded_outcome(decision)
    elif decision is not None:
        raise ValueError("bad decision: 'decision' must be an object")
    user_id = obj.get("user_id")
    channel = obj.get("channel", "")
    return ChatRecord(
        line=number,
        time=when,
        user=user,
        text=text,
        channel=channel if isinstance(channel, str) else str(channel),
        user_id=None if user_id is None else str(user_id),
        role=role,
        badges=badges,
        recorded=recorded,
        recorded_detection=recorded_detection,
    )


def dump_line(
    *,
    time: str,
    channel: str,
    user: str,
    user_id: str | None,
    text: str,
    role: str | None = None,
    decision: dict[str, Any] | None = None,
) -> str:
    """One message in this format (the inverse of ``record``)."""
    obj: dict[str, Any] = {
        "time": time,
        "channel": channel,
        "user": user,
        "user_id": user_id,
        "text": text,
    }
    if role is not None:
        obj["role"] = role
    if decision is not None:
        obj["decision"] = decision
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
