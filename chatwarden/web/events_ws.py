"""The EventSub-style event stream for integrations: ``/api/v1/eventsub/ws``.

Like Twitch's EventSub WebSocket transport: the server greets with ``session_welcome``, the
client subscribes, and each event arrives as a ``notification`` with ``metadata`` and
``payload: {subscription, event}`` (the same body a webhook gets; ``subscription`` has Twitch's
fields, ``cost`` included, plus ``types``: one ChatWarden subscription covers several types).
``session_keepalive`` follows every ``keepalive_timeout_seconds`` of silence.

Client frames:
    {"type": "subscribe", "channel": "demo", "types": ["channel.chat.message", ...]}
    {"type": "subscribe", "channel": "demo", "types": [...], "since": "<message_seq>"}
    {"type": "unsubscribe", "channel": "demo"}

Resuming (with ``--bus``, docs/scaling.md): each notification carries ``metadata.message_seq``,
its place in the channel's events stream, and ``subscribed`` carries ``seq``, the cursor it
starts from. A client that reconnects (to any gateway) and subscribes with ``since`` = the last
``message_seq`` it processed for that channel (or the ``subscribed`` cursor if none came) gets
``subscribed`` with ``resumed: true``, then every event of its types it missed, in order, then
live events, none twice (the live side is subscribed, and confirmed by Redis, before the stream
is read; what the read gave is dropped from the live side by ``seq``). ``resumed: false``: the
events cannot all be had (trimmed, expired, too many, one process); reload state from the API.
Without ``since``, ``subscribed`` is sent once Redis has confirmed the subscription, so every
event published after it arrives.

Chat events are open to anyone who may read the chat; the others (AutoMod holds, moderation,
unban requests, settings) need a moderator of that channel (token scope ``moderation:read``).
That is checked again whenever the user's role in the channel changes or they are banned or
unbanned there (a ban takes a moderator's powers): a subscription the user may no longer hold
ends with a ``revocation`` message (status ``authorization_revoked``, as Twitch does), and no
moderator event reaches it after the change is seen.

When the gateway stops gracefully (SIGTERM, Ctrl+C: ``web/guard.py``'s ``Drain``), the socket
stops its subscriptions, sends what was queued, then ``session_reconnect`` as Twitch does
(``payload.session``: status ``reconnecting``, ``reconnect_url`` the URL the client connected
to, which behind a balancer reaches another gateway) with ``payload.resume``: one ``subscribe``
frame per subscription, with ``since`` the ``message_seq`` of the last event sent for its
channel (or its ``subscribed`` cursor; ``0-0`` when the channel's stream was empty then: all
of it follows), and closes with 1012. A client that connects to
``reconnect_url`` and sends those frames gets every event after them once.

The socket closes with 4401 when its session or token ends (logout, revocation, expiry) and
with 1009 on a message over ``ws_max_message_bytes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from chatwarden.bus import EMPTY_SEQ, Subscription, channel_topic, mods_topic, seq_key, user_topic
from chatwarden.errors import ChatWardenError, InputError
from chatwarden.service import events
from chatwarden.service.permissions import Permission, require
from chatwarden.service.types import Actor
from chatwarden.web.guard import DRAIN_EXTENSION, DRAIN_S, Drain
from chatwarden.web.outbox import Outbox, dumps
from chatwarden.web.resume import LiveFilter
from chatwarden.web.state import Edge, edge_of
from chatwarden.web.ws import (
    CLOSE_TOO_LARGE,
    CLOSE_UNAUTHORIZED,
    POWER_NOTICES,
    RESUME_MAX,
    Ending,
    authenticate,
    call,
    end_socket,
    reject,
    serve_held,
    too_large,
)

KEEPALIVE_S = 10
CLOSE_SERVICE_RESTART = 1012  # after ``session_reconnect``: the gateway is stopping
#: event types anyone in the channel sees; everything else is for its moderators
PUBLIC_TYPES = frozenset(
    {
        events.CHAT_MESSAGE,
        events.CHAT_MESSAGE_DELETE,
        events.CHAT_CLEAR,
        events.CHAT_SETTINGS_UPDATE,
    }
)


class SubscribeFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    channel: str = Field(min_length=1, max_length=64)
    types: list[str] = Field(default_factory=list, max_length=32)
    #: resume after this ``message_seq`` (the last one processed for this channel)
    since: str | None = Field(default=None, max_length=40)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def message(kind: str, payload: dict[str, Any], **meta: Any) -> dict[str, Any]:
    metadata = {"message_id": str(uuid.uuid4()), "message_type": kind, "message_timestamp": _now()}
    return {"metadata": {**metadata, **meta}, "payload": payload}


class _Session:
    """One event-stream connection and its subscriptions (channel name -> listeners)."""

    def __init__(self, ws: WebSocket, edge: Edge, actor: Actor) -> None:
        self.ws = ws
        self.edge = edge
        self.actor = actor
        self.id = str(uuid.uuid4())
        self.outbox = Outbox()
        self.subs: dict[str, tuple[list[Subscription], list[asyncio.Task[None]]]] = {}
        # channel id -> (name, subscription) of the subscriptions that need a moderator
        self.moderated: dict[int, tuple[str, dict[str, Any]]] = {}
        # channel name -> the ``seq`` of the newest event sent for it, else its ``subscribed``
        # cursor (a quiet resubscribe after a role change, and ``session_reconnect``, resume
        # from there)
        self.seen: dict[str, str] = {}
        # channel name -> its subscription, once ``subscribed`` was answered
        self.active: dict[str, dict[str, Any]] = {}
        self.connected_at = _now()
        #: set once the last frame (``session_reconnect``) is queued: the writer then stops
        self.last_queued = False

    async def subscribe(self, frame: SubscribeFrame, *, keep: dict[str, Any] | None = None) -> None:
        """Subscribe to a channel's events (``keep``: re-establish that subscription quietly)."""
        services = self.edge.services
        unknown = sorted(set(frame.types) - set(events.SUBSCRIBABLE))
        if unknown or not frame.types:
            raise InputError(
                f"unknown or missing types {unknown}; choose from {', '.join(events.SUBSCRIBABLE)}"
            )
        channel = await call(services.channels.get_channel_by_name, frame.channel)
        wanted = frozenset(frame.types)
        if wanted - PUBLIC_TYPES:
            await self.require_moderator(channel.id)
        self.unsubscribe(frame.channel)
        topics = [channel_topic(channel.id)]
        if wanted - PUBLIC_TYPES:
            topics.append(mods_topic(channel.id))
        condition = {
            "broadcaster_user_id": str(channel.owner_id),
            "user_id": str(self.actor.user_id),
        }
        if wanted - PUBLIC_TYPES:
            condition["moderator_user_id"] = str(self.actor.user_id)
        subscription = keep or {
            "id": str(uuid.uuid4()),
            "status": "enabled",
            "types": sorted(wanted),
            "condition": condition,
            "transport": {"method": "websocket", "session_id": self.id},
            "created_at": _now(),
            "cost": 0,
        }
        bus = services.bus
        # live first (held in the subscriptions), then the stream: nothing falls between
        listeners = [bus.subscribe(t) for t in topics]
        self.subs[frame.channel] = (listeners, [])
        if wanted - PUBLIC_TYPES:
            self.moderated[channel.id] = (frame.channel, subscription)
        since = frame.since.strip() if frame.since else None
        missed: list[dict[str, Any]] | None = None
        cursor: str | None = None
        if bus.history:  # both reads wait until Redis confirmed the live subscription
            if since is not None:
                missed = await call(bus.replay, channel.id, since, topics, RESUME_MAX)
            if missed is None:
                cursor = await call(bus.head, channel.id)
        if self.subs.get(frame.channel, ([], []))[0] is not listeners:
            for sub in listeners:  # unsubscribed (or subscribed again) meanwhile
                sub.close()
            return
        after = since if missed is not None else cursor
        if keep is None:
            self.seen.pop(frame.channel, None)
        if after is not None:
            self.seen[frame.channel] = after
        elif bus.history and frame.channel not in self.seen:
            # the channel's stream was empty: every later event is in it (session_reconnect)
            self.seen[frame.channel] = EMPTY_SEQ
        self.active[frame.channel] = subscription
        if keep is None:
            reply: dict[str, Any] = {"subscription": subscription}
            if after is not None:
                reply["seq"] = after
            if frame.since is not None:
                reply["resumed"] = missed is not None
            self.outbox.put_frame(message("subscribed", reply))
        for env in missed or []:
            self._deliver(env, wanted, subscription, frame.channel)
        if missed:
            after = missed[-1]["seq"]
        tasks = [
            asyncio.create_task(
                self._pump(s, wanted, subscription, frame.channel, LiveFilter(after))
            )
            for s in listeners
        ]
        self.subs[frame.channel] = (listeners, tasks)

    async def require_moderator(self, channel_id: int) -> None:
        """``Forbidden`` unless the user may see this channel's moderator events now (the one
        permission table: role, ban, the token's ``moderation:read`` scope)."""
        access = await call(self.edge.services.channels.access_of, self.actor, channel_id)
        require(self.actor, access.role, Permission.VIEW_QUEUE, banned=access.banned)

    def unsubscribe(self, channel: str) -> None:
        self.active.pop(channel, None)
        listeners, tasks = self.subs.pop(channel, ([], []))
        for sub in listeners:
            sub.close()
        for task in tasks:
            task.cancel()
        for cid, (name, _) in list(self.moderated.items()):
            if name == channel:
                del self.moderated[cid]

    async def watch_roles(self, notices: Subscription) -> None:
        """Re-check moderator subscriptions when the user's role in their channel changes."""
        async for env in notices:
            event = env.get("event", {})
            if env.get("type") != events.NOTICE or event.get("kind") not in POWER_NOTICES:
                continue
            held = self.moderated.get(event.get("channel_id", -1))
            if held is None:
                continue
            name, subscription = held
            since = self.seen.get(name)
            # stop at once; resubscribe below only if the new role still may
            listeners, tasks = self.subs.get(name, ([], []))
            for sub in listeners:
                sub.close()
            services = self.edge.services
            try:
                channel = await call(services.channels.get_channel_by_name, name)
                await self.require_moderator(channel.id)
            except ChatWardenError:
                self.unsubscribe(name)
                revoked = {**subscription, "status": "authorization_revoked"}
                self.outbox.put_frame(message("revocation", {"subscription": revoked}))
                continue
            frame = SubscribeFrame(
                type="subscribe", channel=name, types=subscription["types"], since=since
            )
            await self.subscribe(frame, keep=subscription)

    async def _pump(
        self,
        sub: Subscription,
        wanted: frozenset[str],
        subscription: dict[str, Any],
        channel: str,
        live: LiveFilter,
    ) -> None:
        async for env in sub:
            if env.get("type") == "resync":
                self.outbox.put_frame(message("revocation_warning", {"reason": "events_dropped"}))
                continue
            if live.fresh(env):
                self._deliver(env, wanted, subscription, channel)

    def _deliver(
        self,
        env: dict[str, Any],
        wanted: frozenset[str],
        subscription: dict[str, Any],
        channel: str,
    ) -> None:
        """Queue one event as a ``notification`` (once per connection, by its id)."""
        seq = env.get("seq")
        if seq is not None and seq_key(seq) > seq_key(self.seen.get(channel, "0-0")):
            self.seen[channel] = seq  # the highest: two topics' pumps may interleave
        if env.get("type") in wanted and self.outbox.first_sighting(env.get("id")):
            owner = int(subscription["condition"]["broadcaster_user_id"])
            sub_info = {
                **subscription,
                "type": env["type"],
                "version": env["version"],
                "condition": events.condition(env["type"], owner, self.actor.user_id),
            }
            self.outbox.put_frame(
                {
                    "metadata": {
                        "message_id": env["id"],
                        "message_type": "notification",
                        "message_timestamp": env["created_at"],
                        "subscription_type": env["type"],
                        "subscription_version": env["version"],
                        # with --bus: the event's place in its channel's events stream
                        **({"message_seq": env["seq"]} if "seq" in env else {}),
                    },
                    "payload": {"subscription": sub_info, "event": env["event"]},
                }
            )

    def reconnect(self) -> dict[str, Any]:
        """Stop every subscription and say how to resume them elsewhere: ``session_reconnect``
        with ``payload.resume``, a ``subscribe`` frame (with ``since`` when a cursor is known)
        per subscription. Nothing is queued after it (the pumps are stopped first)."""
        resume = []
        for channel, subscription in self.active.items():
            frame = {"type": "subscribe", "channel": channel, "types": subscription["types"]}
            if channel in self.seen:
                frame["since"] = self.seen[channel]
            resume.append(frame)
        for channel in list(self.subs):
            self.unsubscribe(channel)
        session = {
            "id": self.id,
            "status": "reconnecting",
            "keepalive_timeout_seconds": None,
            # the same URL: behind a balancer it reaches a gateway that is not stopping
            "reconnect_url": str(self.ws.url.replace(query="")),
            "recovery_url": None,
            "connected_at": self.connected_at,
        }
        return message("session_reconnect", {"session": session, "resume": resume})

    async def write(self) -> None:
        while not (self.last_queued and not self.outbox.waiting()):
            try:
                text = await asyncio.wait_for(self.outbox.next_text(max_batch=1), KEEPALIVE_S)
            except TimeoutError:
                text = dumps(message("session_keepalive", {}))
            await self.ws.send_text(text)

    async def read(self) -> None:
        while True:
            try:
                raw = await self.ws.receive_text()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                return
            if too_large(raw, self.edge):
                await self.ws.close(CLOSE_TOO_LARGE, "message too big")
                return
            try:
                data = json.loads(raw)
                frame = SubscribeFrame.model_validate(data)
                if frame.type == "subscribe":
                    await self.subscribe(frame)
                elif frame.type == "unsubscribe":
                    self.unsubscribe(frame.channel)
                    self.outbox.put_frame(message("unsubscribed", {"channel": frame.channel}))
                else:
                    raise InputError(f"unknown frame type {frame.type!r}")
            except ValueError as exc:  # JSON and pydantic errors
                code = "invalid_frame" if isinstance(exc, ValidationError) else "invalid_json"
                self.outbox.put_frame({"type": "error", "code": code, "message": str(exc)})
            except ChatWardenError as exc:
                self.outbox.put_frame({"type": "error", "code": exc.code, "message": exc.message})


async def event_socket(ws: WebSocket) -> None:
    """``/api/v1/eventsub/ws``: EventSub-shaped notifications for integrations."""
    edge = edge_of(ws)
    login, problem = await authenticate(ws, edge)
    if login is None:
        await reject(
            ws, "unauthorized", problem or "an API token or session is required", CLOSE_UNAUTHORIZED
        )
        return
    actor = login.actor
    await serve_held(ws, edge, login, lambda ending: serve_events(ws, edge, actor, ending))


async def serve_events(ws: WebSocket, edge: Edge, actor: Actor, ending: Ending) -> None:
    await ws.accept()
    session = _Session(ws, edge, actor)
    session.outbox.put_frame(
        message(
            "session_welcome",
            {
                "session": {
                    "id": session.id,
                    "status": "connected",
                    "keepalive_timeout_seconds": KEEPALIVE_S,
                    "reconnect_url": None,
                    "recovery_url": None,
                    "connected_at": session.connected_at,
                }
            },
        )
    )
    stopping = asyncio.Event()  # the server is stopping gracefully (web/guard.py)
    drain = ws.scope.get("extensions", {}).get(DRAIN_EXTENSION)
    if isinstance(drain, Drain):
        drain.handler = stopping.set
    writer = asyncio.create_task(session.write())
    notices = edge.services.bus.subscribe(user_topic(actor.user_id))
    watcher = asyncio.create_task(session.watch_roles(notices))
    reader = asyncio.create_task(session.read())
    ended = asyncio.create_task(ending.event.wait())
    drained = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait((reader, ended, drained), return_when=asyncio.FIRST_COMPLETED)
        if drained.done() and not reader.done() and not ended.done():
            await _reconnect_elsewhere(session, writer, (reader, watcher))
    finally:
        drained.cancel()
        for channel in list(session.subs):
            session.unsubscribe(channel)
        notices.close()
        for task in (writer, watcher, reader, ended):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    if ending.event.is_set():
        await end_socket(ws, None, ending)


async def _reconnect_elsewhere(
    session: _Session, writer: asyncio.Task[None], stop: tuple[asyncio.Task[None], ...]
) -> None:
    """The gateway is stopping: no more frames from the client or the bus; send what is queued,
    then ``session_reconnect``, then close (1012). The writer sends them (no frame is lost
    between a cancelled writer's read of the outbox and its send)."""
    for task in stop:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    session.outbox.put_frame(session.reconnect())
    session.last_queued = True
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.shield(writer), DRAIN_S)
        await session.ws.close(CLOSE_SERVICE_RESTART, "the gateway is stopping; reconnect")
