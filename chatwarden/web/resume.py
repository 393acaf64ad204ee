"""Resuming a chat socket after a reconnect, on any gateway (scale-out, docs/scaling.md).

With ``--bus`` every channel event a socket receives carries ``seq``, the id of its entry in
the channel's events stream. A client that reconnects with the last ``seq`` it saw (query
parameter ``since``, or the ``Last-Event-ID`` header) gets the events it missed from the
stream, then live events. The live subscription is opened before the stream is read, so
nothing falls between the two; what the stream already gave is dropped from the live side by
``seq`` (the ids a subscription hears only grow), so nothing arrives twice. A fresh socket's
``welcome`` carries the channel's newest ``seq`` (its recent messages are read after it), so
a client has a cursor before its first event.
"""

from __future__ import annotations

from typing import Any

from starlette.websockets import WebSocket

from chatwarden.bus import SEQ, seq_key
from chatwarden.web.outbox import Outbox, encode_chunk

Chunk = list[dict[str, Any]]


def resume_point(ws: WebSocket) -> str | None:
    """The ``seq`` the client asks to resume after, if it asks (a malformed one: None)."""
    since = ws.query_params.get("since") or ws.headers.get("last-event-id")
    if since is None or SEQ.fullmatch(since.strip()) is None:
        return None
    return since.strip()


def notices_point(ws: WebSocket) -> str | None:
    """The ``notice_seq`` (the user's events about no channel, a stream of their own) the
    client asks to resume after (``?notices_since=``; a malformed one: None)."""
    since = ws.query_params.get("notices_since")
    if since is None or SEQ.fullmatch(since.strip()) is None:
        return None
    return since.strip()


class LiveFilter:
    """Drops live events the replay already gave (``field``, ``seq`` or ``notice_seq``, at or
    before ``after``); after the first newer one, everything passes (ids only grow), so the hot
    path costs nothing more."""

    def __init__(self, after: str | None, field: str = "seq") -> None:
        self._after = None if after is None else seq_key(after)
        self._field = field

    def fresh(self, env: dict[str, Any]) -> bool:
        if self._after is None:
            return True
        seq = env.get(self._field)
        if seq is None:  # not that stream's event (another stream's, a resync marker)
            return True
        if seq_key(seq) <= self._after:
            return False
        self._after = None
        return True

    def keep(self, chunk: Chunk) -> Chunk:
        """``chunk`` itself when all of it is new (its shared encoding is reused)."""
        if self._after is None:
            return chunk
        kept = [env for env in chunk if self.fresh(env)]
        return chunk if len(kept) == len(chunk) else kept


class ViewerGate:
    """A viewer's sink (the encoded-once hot path) that holds live chunks until the replay is
    queued, then lets through only what the replay did not give."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self._held: list[Chunk] | None = []
        self._filter = LiveFilter(None)

    def sink(self, chunk: Chunk) -> None:
        if self._held is not None:
            self._held.append(chunk)
            return
        self._put(chunk)

    def open(self, after: str | None) -> None:
        """The replay (up to ``after``) is queued: send what was held and go live."""
        self._filter = LiveFilter(after)
        held, self._held = self._held or [], None
        for chunk in held:
            self._put(chunk)

    def _put(self, chunk: Chunk) -> None:
        if kept := self._filter.keep(chunk):
            self._outbox.put(encode_chunk(kept), len(kept))
