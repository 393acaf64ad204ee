"""Frames on their way to one WebSocket: bus events mapped to client frames, encoded once.

A channel event reaches every connection in the channel, so its JSON text is built once and
shared (``encode_event`` caches by event identity; ``encode_chunk`` does the same for a chunk
of events from the bus, so a connection queues one string per chunk, not one per event).
Frames that pile up while a socket is busy are sent together as one
``{"type": "batch", "frames": [...]}`` frame, which keeps a busy channel to a few socket
writes per client per event-loop turn instead of one per message.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from typing import Any

from chatwarden import jsoncodec
from chatwarden.service import events

#: bus event type -> the client frame ``type``
FRAME_TYPES: dict[str, str] = {
    events.CHAT_MESSAGE: "message",
    events.CHAT_MESSAGE_DELETE: "message_deleted",
    events.MODERATE: "moderation",
    events.CHAT_SETTINGS_UPDATE: "settings",
    events.AUTOMOD_HOLD: "queue",
    events.AUTOMOD_UPDATE: "queue",
    events.UNBAN_REQUEST_CREATE: "unban_request",
    events.UNBAN_REQUEST_RESOLVE: "unban_request",
    events.AUTOMOD_SETTINGS_UPDATE: "automod",
    events.AUTOMOD_TERMS_UPDATE: "automod",
    events.NOTICE: "notice",
}


def dumps(frame: dict[str, Any]) -> str:
    """Compact JSON text (orjson; see ``chatwarden.jsoncodec``)."""
    return jsoncodec.dumps(frame)


def to_frame(env: dict[str, Any]) -> dict[str, Any]:
    """The client frame for one bus envelope ``{"id", "type", "version", "created_at", "event"}``.

    Chat messages are flattened (the hot path; small frames). Everything else carries the
    EventSub-shaped payload under ``event`` with its EventSub type under ``event_type``. With
    ``--bus`` a channel's events carry ``seq``, the cursor a client resumes from
    (``web/resume.py``).
    """
    frame = _frame_of(env)
    if "seq" in env:
        frame["seq"] = env["seq"]
    elif "notice_seq" in env:  # a user's event about no channel: its notices stream's id
        frame["notice_seq"] = env["notice_seq"]
    return frame


def _frame_of(env: dict[str, Any]) -> dict[str, Any]:
    kind = env.get("type", "")
    if kind == "resync":
        return {"type": "resync", "message": "events were dropped; reload recent state"}
    event = env.get("event", {})
    if kind == events.CHAT_MESSAGE:
        return {
            "type": "message",
            "message_id": event["message_id"],
            "sender_id": event["chatter_user_id"],
            "sender": event["chatter_user_login"],
            "text": event["message"]["text"],
            "badges": [b["set_id"] for b in event.get("badges", ())],
            "sent_at": event["sent_at"],
            "delivered_at": event["delivered_at"],
        }
    if kind == events.NOTICE:
        return {"type": "notice", **event}
    return {
        "type": FRAME_TYPES.get(kind, "event"),
        "event_type": kind,
        "event_id": env.get("id"),
        "at": env.get("created_at"),
        "event": event,
    }


class _EncodeCache:
    """Event object -> encoded frame, for the last few thousand events (by identity)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[int, tuple[dict[str, Any], str]] = OrderedDict()

    def encode(self, env: dict[str, Any]) -> str:
        key = id(env)
        hit = self._items.get(key)
        if hit is not None and hit[0] is env:
            return hit[1]
        text = dumps(to_frame(env))
        self._items[key] = (env, text)  # holding ``env`` keeps its id from being reused
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return text


encode_event = _EncodeCache().encode


class _ChunkCache:
    """Chunk (a list of events shared by every subscriber) -> its frames, comma-joined."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[int, tuple[list[dict[str, Any]], str]] = OrderedDict()

    def encode(self, chunk: list[dict[str, Any]]) -> str:
        key = id(chunk)
        hit = self._items.get(key)
        if hit is not None and hit[0] is chunk:
            return hit[1]
        text = ",".join([encode_event(env) for env in chunk])
        self._items[key] = (chunk, text)
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return text


encode_chunk = _ChunkCache().encode


class Outbox:
    """Encoded frames waiting for one socket, bounded; ``next_text`` batches what is waiting."""

    def __init__(self, limit: int = 2000) -> None:
        self._limit = limit
        self._frames: deque[tuple[str, int]] = deque()  # (frames comma-joined, how many)
        self._count = 0
        self._ready = asyncio.Event()
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()
        self.dropped = 0

    def put(self, text: str, frames: int = 1) -> None:
        """Queue ``text``: one encoded frame, or ``frames`` of them joined by commas."""
        if self._frames and self._count + frames > self._limit:
            self.dropped += self._count
            self._frames.clear()
            self._frames.append((dumps(to_frame({"type": "resync"})), 1))
            self._count = 1
        self._frames.append((text, frames))
        self._count += frames
        self._ready.set()

    def waiting(self) -> int:
        """How many frames are queued."""
        return self._count

    def put_frame(self, frame: dict[str, Any]) -> None:
        self.put(dumps(frame))

    def first_sighting(self, event_id: str | None) -> bool:
        """False for an event already queued here (a moderator hears mod events on two topics)."""
        if event_id is None:
            return True
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._seen_order.append(event_id)
        if len(self._seen_order) > 1024:
            self._seen.discard(self._seen_order.popleft())
        return True

    async def next_text(self, max_batch: int = 500) -> str:
        """Wait for frames; one frame as is, several as one ``batch`` frame (oldest first)."""
        while not self._frames:
            self._ready.clear()
            await self._ready.wait()
        first, n = self._frames.popleft()
        self._count -= n
        if n == 1 and (not self._frames or max_batch <= 1):
            return first  # (``max_batch=1``: never a ``batch``, the EventSub socket's frames)
        parts = [first]
        while self._frames and n < max_batch:
            text, more = self._frames.popleft()
            self._count -= more
            n += more
            parts.append(text)
        return '{"type":"batch","frames":[' + ",".join(parts) + "]}"
