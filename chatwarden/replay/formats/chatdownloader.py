"""chat-downloader's JSON (``chat_downloader URL --output chat.json``): a list of items.

Each chat item has ``message``, ``author`` (``name``, ``display_name``, ``id``, ``badges``: a
list of ``{"name": ..., "title": ...}``), ``timestamp`` (Unix microseconds) and
``time_in_seconds`` (offset into the video). Items that are not text messages (subscriptions,
raids, ... without a ``message``) are counted as problems with their ``message_type``.
Problems are numbered by item (1-based).
"""

from __future__ import annotations

from typing import Any

from chatwarden.replay.formats.times import from_epoch_us, parse_iso
from chatwarden.replay.records import ChatRecord, ParsedLog, role_from_badges

NAME = "chat-downloader"


def looks_like(doc: object) -> bool:
    if not isinstance(doc, list) or not doc:
        return False
    sample = [item for item in doc[:20] if isinstance(item, dict)]
    return any("author" in item and ("message" in item or "timestamp" in item) for item in sample)


def parse(doc: list[Any], channel: str = "") -> ParsedLog:
    log = ParsedLog(NAME)
    log.add_items(doc, lambda number, item: _record(number, item, channel), "a chat item")
    return log


def _record(number: int, item: dict[str, Any], channel: str) -> ChatRecord:
    text = item.get("message")
    if not isinstance(text, str):
        kind = item.get("message_type", "unknown")
        raise ValueError(f"not a text message: message_type {kind!r} has no 'message'")
    if not text.strip():
        raise ValueError("empty message: 'message' is blank")
    author = item.get("author")
    if not isinstance(author, dict):
        raise ValueError("missing user: 'author' must be an object")
    user = author.get("display_name") or author.get("name")
    if not isinstance(user, str) or not user:
        raise ValueError("missing user: 'author.name' needed")
    if "timestamp" in item:
        when = from_epoch_us(item["timestamp"])
    elif isinstance(item.get("time_text"), str) and "T" in item["time_text"]:
        when = parse_iso(item["time_text"])
    else:
        raise ValueError("missing time: 'timestamp' (microseconds) needed")
    badges: list[str] = []
    for badge in author.get("badges") or []:
        if isinstance(badge, dict):
            for key in ("name", "title"):
                if isinstance(badge.get(key), str):
                    badges.append(badge[key])
                    break
    user_id = author.get("id")
    return ChatRecord(
        line=number,
        time=when,
        user=user,
        text=text,
        channel=channel,
        user_id=None if user_id is None else str(user_id),
        role=role_from_badges(tuple(badges)),
        badges=tuple(badges),
    )
