"""TwitchDownloader's chat JSON (``TwitchDownloaderCLI chatdownload -o chat.json``).

One JSON document: ``{"streamer": {"name", "id"}, "video": {...}, "comments": [...]}``; each
comment has ``created_at`` (ISO-8601), ``content_offset_seconds``, ``commenter``
(``display_name``, ``name``, ``_id``) and ``message`` (``body``, ``user_badges``: a list of
``{"_id": "moderator", "version": "1"}``). Problems are numbered by comment (1-based).
"""

from __future__ import annotations

from typing import Any

from chatwarden.replay.formats.times import parse_iso
from chatwarden.replay.records import ChatRecord, ParsedLog, role_from_badges

NAME = "twitchdownloader"


def looks_like(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("comments"), list)


def parse(doc: dict[str, Any]) -> ParsedLog:
    log = ParsedLog(NAME)
    streamer = doc.get("streamer")
    channel = ""
    if isinstance(streamer, dict) and isinstance(streamer.get("name"), str):
        channel = streamer["name"]
    log.add_items(
        doc["comments"], lambda number, item: _record(number, item, channel), "a comment object"
    )
    return log


def _record(number: int, comment: dict[str, Any], channel: str) -> ChatRecord:
    message = comment.get("message")
    if not isinstance(message, dict):
        raise ValueError("missing message: 'message' must be an object")
    body = message.get("body")
    if not isinstance(body, str):
        raise ValueError("missing text: 'message.body' must be a string")
    if not body.strip():
        raise ValueError("empty message: 'message.body' is blank")
    commenter = comment.get("commenter")
    if not isinstance(commenter, dict):
        raise ValueError("missing user: 'commenter' must be an object")
    user = commenter.get("display_name") or commenter.get("name")
    if not isinstance(user, str) or not user:
        raise ValueError("missing user: 'commenter.display_name' or 'commenter.name' needed")
    when = parse_iso(comment.get("created_at"))
    badges: list[str] = []
    for badge in message.get("user_badges") or []:
        if isinstance(badge, dict) and isinstance(badge.get("_id"), str):
            badges.append(badge["_id"])
    user_id = commenter.get("_id")
    return ChatRecord(
        line=number,
        time=when,
        user=user,
        text=body,
        channel=channel,
        user_id=None if user_id is None else str(user_id),
        role=role_from_badges(tuple(badges)),
        badges=tuple(badges),
    )
