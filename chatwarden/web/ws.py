"""The chat WebSocket: ``/api/v1/channels/{name}/chat/ws``.

One connection = one person in one channel. On connect the server sends ``welcome`` (the
channel, the caller's role and the recent messages), then every chat event of the channel;
moderators also get the review queue (``queue`` frames) and every user gets their own
``notice`` frames. Client frames are described in ``frames.py``; each ``send`` is answered
with exactly one of ``sent`` (delivered or delayed), ``held``, ``blocked``, ``rejected`` or
``error``, carrying the frame's ``idempotency_key``. A frame the server cannot use gets an
``error`` frame and the socket stays open.

Moderator frames (the review queue, AutoMod and moderation events) go to whoever holds the
``view_queue`` permission here by the one permission table: a moderator's API token needs the
``moderation:read`` scope, and someone banned in the channel gets viewer frames only. A ban,
an unban or a role change that changes this closes the socket (4005) so it reconnects with the
new powers.

Resuming (with ``--bus``, docs/scaling.md): every channel event frame carries ``seq``, and so
does ``welcome`` (the cursor its ``recent`` is up to). A client that reconnects, to this
gateway or any other, with ``?since=<the last seq it saw>`` (or the header
``Last-Event-ID: <seq>``) gets ``welcome`` with ``resumed: true`` and an empty ``recent``,
then every event it missed, then live events, none twice; ``resumed: false`` (the seq is too
old, or one process keeps no history) means the usual ``recent`` instead. A user's notices
about no channel have a stream of their own: they carry ``notice_seq``, ``welcome`` carries
the cursor ``notice_seq`` too, and ``?notices_since=<the last notice_seq>`` resumes them the
same way (``notices_resumed`` in ``welcome``), independently of ``since``.

Close codes: 4401 (the session or token is not valid, or ended while the socket was open:
logout, revocation, expiry; the pages go to the login page), 4403 (cross-site origin), 4404
(unknown channel), 4429 (too many sockets from this address), 1009 (a message larger than
``ws_max_message_bytes``), 4005 (your powers here changed; reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from chatwarden.bus import Subscription, channel_topic, mods_topic, user_topic
from chatwarden.errors import ChatWardenError, Unauthorized
from chatwarden.service import events
from chatwarden.service.moderation.slash import is_command
from chatwarden.service.permissions import Permission, is_mod
from chatwarden.service.types import Actor, Channel, SendRequest, SendResult
from chatwarden.settings import Role
from chatwarden.web.auth import client_ip, credentials
from chatwarden.web.csrf import same_origin
from chatwarden.web.frames import AckWarningFrame, FrameError, SendFrame, parse_client_frame
from chatwarden.web.outbox import Outbox, dumps, encode_chunk, encode_event
from chatwarden.web.ratelimit import RateLimiter
from chatwarden.web.resume import LiveFilter, ViewerGate, notices_point, resume_point
from chatwarden.web.sockets import HeldSocket
from chatwarden.web.state import Edge, edge_of

T = TypeVar("T")

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_ROLE_CHANGED = 4005  # the socket subscribed as the old role; the client reconnects
CLOSE_TOO_MANY = (
    4429  # this address holds too many sockets (``ws_per_ip``, ``ws_anonymous_per_ip``)
)
CLOSE_TOO_LARGE = 1009  # RFC 6455 "message too big"
#: notices about the socket's user in its channel that may change what it may receive
POWER_NOTICES = frozenset({"role_changed", "banned", "unbanned"})
MAX_SENDS_IN_FLIGHT = 64  # per connection; the read loop waits beyond this
#: the most missed events a resumed socket is sent (half its outbox); more: the usual reload
RESUME_MAX = 1000


async def call(fn: Callable[..., T], *args: Any) -> T:
    """Run a (blocking) service call off the event loop."""
    return await run_in_threadpool(fn, *args)


@dataclass(frozen=True)
class Login:
    """Who opened a socket, with what credential, until when (None: a token without expiry)."""

    actor: Actor
    token: str
    expires_at: datetime | None


async def authenticate(ws: WebSocket, edge: Edge) -> tuple[Login | None, str | None]:
    """``(login, None)``, ``(None, None)`` for an anonymous viewer, or ``(None, problem)``.

    A browser attaches cookies to a cross-site WebSocket handshake, so cookie-authenticated
    sockets must come from our own origin (bearer tokens cannot be forged that way).
    """
    try:
        found = credentials(ws.headers, ws.cookies)
    except Unauthorized as exc:
        return None, exc.message
    if found is None:
        return None, None
    token, from_cookie = found
    origin = ws.headers.get("origin")
    if from_cookie and origin is not None:
        if not same_origin(ws.scope, origin, edge.settings.allowed_origins):
            return None, f"cross-site WebSocket from origin {origin!r} refused"
    try:
        actor, expires_at = await call(edge.services.accounts.authenticate_until, token)
    except Unauthorized as exc:
        return None, exc.message
    return Login(actor, token, expires_at), None


async def reject(ws: WebSocket, code: str, message: str, close_code: int) -> None:
    await ws.accept()
    await ws.send_text(dumps({"type": "error", "code": code, "message": message}))
    await ws.close(code=close_code, reason=code)


class Ending:
    """Set (once) when the socket's credential ends; ``reason`` says why."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.reason = ""

    def __call__(self, reason: str) -> None:
        if not self.event.is_set():
            self.reason = reason
            self.event.set()


def hold_socket(
    ws: WebSocket, edge: Edge, login: Login | None, ending: Ending
) -> HeldSocket | None:
    """Count this socket for its address and tie it to its credential (None: over a cap)."""
    if login is None:
        return edge.sockets.hold(client_ip(ws), ending)
    return edge.sockets.hold(client_ip(ws), ending, token=login.token, expires_at=login.expires_at)


async def too_many(ws: WebSocket) -> None:
    await reject(
        ws, "too_many_connections", "too many open sockets from your address", CLOSE_TOO_MANY
    )


async def serve_held(
    ws: WebSocket,
    edge: Edge,
    login: Login | None,
    serve: Callable[[Ending], Awaitable[None]],
) -> None:
    """Hold the socket for its address and credential (or refuse it with 4429), run
    ``serve(ending)`` and release it however that ends."""
    ending = Ending()
    held = hold_socket(ws, edge, login, ending)
    if held is None:
        await too_many(ws)
        return
    try:
        await serve(ending)
    finally:
        edge.sockets.release(held)


async def end_socket(ws: WebSocket, outbox: Outbox | None, ending: Ending) -> None:
    """Say why (after what is queued) and close with 4401: the pages go to the login page."""
    with contextlib.suppress(Exception):
        while outbox is not None and outbox.waiting():
            await ws.send_text(await outbox.next_text())
        await ws.send_text(
            dumps({"type": "error", "code": "session_ended", "message": ending.reason})
        )
        await ws.close(CLOSE_UNAUTHORIZED, "session_ended")


def too_large(raw: str | bytes, edge: Edge) -> bool:
    """A message over ``ws_max_message_bytes`` (uvicorn's ``ws_max_size`` stops it first when
    the server runs with ``runtime.uvicorn_options``; this holds under any server)."""
    limit = edge.services.config.ws_max_message_bytes
    if isinstance(raw, str) and len(raw) * 4 > limit:  # maybe over: count the UTF-8 bytes
        return len(raw.encode("utf-8", "surrogatepass")) > limit
    return len(raw) > limit


def result_frame(result: SendResult, key: str) -> dict[str, Any]:
    """The answer to one ``send`` frame."""
    kind = {"delivered": "sent", "delayed": "sent"}.get(result.status, result.status)
    frame: dict[str, Any] = {
        "type": kind,
        "status": result.status,
        "idempotency_key": key,
        "message_id": result.message_id,
        "replayed": result.replayed,
    }
    if result.reason is not None:
        frame["reason"] = result.reason
        frame["message"] = result.detail
    if result.retry_after_s is not None:
        frame["retry_after_s"] = round(result.retry_after_s, 3)
    return frame


async def pump(
    sub: Subscription,
    outbox: Outbox,
    channel_id: int | None = None,
    *,
    dedupe: bool = True,
    role_changed: asyncio.Event | None = None,
    reconnect_on: frozenset[str] = frozenset({"role_changed"}),
    live: LiveFilter | None = None,
    notices: LiveFilter | None = None,
) -> None:
    """Move one subscription's events into the outbox, a chunk at a time.

    With ``channel_id``, events about other channels are skipped (a user's notices topic
    carries notices from every channel). With ``dedupe``, events already queued from another
    topic are dropped (a moderator hears mod events on two topics). Without either, a chunk
    is queued as one shared pre-encoded string (the hot path: chat to viewers). A notice of a
    kind in ``reconnect_on`` for ``channel_id`` sets ``role_changed``; after that nothing more
    is queued (the socket closes and reconnects with its new powers). ``live`` drops what a
    resumed socket's replay already gave, ``notices`` the same for the user's notices about no
    channel (which pass the ``channel_id`` filter).
    """
    while chunks := await sub.next_chunks():
        if role_changed is not None and role_changed.is_set():
            return
        for chunk in chunks:
            if live is not None and channel_id is None and not (chunk := live.keep(chunk)):
                continue
            if channel_id is None and not dedupe:
                outbox.put(encode_chunk(chunk), len(chunk))
                continue
            for env in chunk:
                about = env.get("event", {}).get("channel_id")
                if channel_id is not None and about is not None and about != channel_id:
                    continue
                # (this channel's notices carry its stream's seq: the replay may have them)
                if live is not None and channel_id is not None and not live.fresh(env):
                    continue
                if notices is not None and not notices.fresh(env):
                    continue
                if not dedupe or outbox.first_sighting(env.get("id")):
                    outbox.put(encode_event(env))
                if (
                    role_changed is not None
                    and env.get("type") == events.NOTICE
                    and env.get("event", {}).get("kind") in reconnect_on
                ):
                    role_changed.set()
                    return


async def write(ws: WebSocket, outbox: Outbox) -> None:
    while True:
        await ws.send_text(await outbox.next_text())


async def chat_socket(ws: WebSocket, name: str) -> None:
    """``/api/v1/channels/{name}/chat/ws``: live chat for one channel."""
    edge = edge_of(ws)
    login, problem = await authenticate(ws, edge)
    if problem is not None:
        code = "csrf_failed" if "origin" in problem else "unauthorized"
        close = CLOSE_FORBIDDEN if code == "csrf_failed" else CLOSE_UNAUTHORIZED
        await reject(ws, code, problem, close)
        return
    actor = None if login is None else login.actor
    await serve_held(ws, edge, login, lambda ending: serve_chat(ws, edge, name, actor, ending))


async def serve_chat(
    ws: WebSocket, edge: Edge, name: str, actor: Actor | None, ending: Ending
) -> None:
    services = edge.services
    try:
        channel = await call(services.channels.get_channel_by_name, name)
        role, moderator, banned_mod = Role.VIEWER, False, False
        if actor is not None:
            access = await call(services.channels.access_of, actor, channel.id)
            role = access.role
            # the one permission table decides: role, ban, the token's scope, site admin
            moderator = Permission.VIEW_QUEUE.value in access.permissions
            banned_mod = access.banned and is_mod(role)
        recent = await call(services.chat.recent_messages, channel.id, 50)
    except ChatWardenError as exc:
        await reject(ws, exc.code, exc.message, CLOSE_NOT_FOUND)
        return
    await ws.accept()
    outbox = Outbox()
    bus = edge.services.bus
    since = resume_point(ws) if bus.history else None
    gate = ViewerGate(outbox) if bus.history and not moderator else None
    # what ends this socket's powers (moderator) or gives them back (a banned moderator)
    reconnect_on = {"role_changed"} | ({"banned"} if moderator else set())
    reconnect_on |= {"unbanned"} if banned_mod else set()
    # (subscription, only this channel's events, drop events seen on another topic)
    subs: list[tuple[Subscription, int | None, bool]] = []
    if moderator:
        subs.append((bus.subscribe(channel_topic(channel.id)), None, True))
    else:  # the hot path (chat to viewers): each chunk straight into the outbox, encoded once
        direct = bus.subscribe(
            channel_topic(channel.id),
            sink=gate.sink
            if gate is not None
            else lambda chunk: outbox.put(encode_chunk(chunk), len(chunk)),
        )
    if actor is not None:
        subs.append((bus.subscribe(user_topic(actor.user_id)), channel.id, moderator))
    if moderator:
        subs.append((bus.subscribe(mods_topic(channel.id)), None, True))
    # with --bus (subscribed above, so nothing falls between): resuming, the events after
    # ``since``; else the newest kept seq, the cursor up to which ``recent`` (read after it) is
    missed, head = None, None
    # the user's notices about no channel: a stream of their own (``notice_seq``)
    missed_notices, notice_head = None, None
    notices_since = notices_point(ws) if actor is not None and bus.history else None
    if actor is not None and bus.history:
        if notices_since is not None:
            missed_notices = await call(
                bus.replay_notices, actor.user_id, notices_since, RESUME_MAX
            )
        if missed_notices is None:
            notice_head = await call(bus.notices_head, actor.user_id)
        else:
            notice_head = missed_notices[-1]["notice_seq"] if missed_notices else notices_since
    if since is not None:
        topics = [channel_topic(channel.id)] + ([mods_topic(channel.id)] if moderator else [])
        if actor is not None:  # the caller's own notices in this channel, nobody else's
            topics.append(user_topic(actor.user_id))
        missed = await call(bus.replay, channel.id, since, topics, RESUME_MAX)
    if missed is None and bus.history:
        head = await call(bus.head, channel.id)
        if head is not None:
            recent = await call(services.chat.recent_messages, channel.id, 50)
    welcome = {
        "type": "welcome",
        "channel": channel.to_dict(),
        "user": None if actor is None else {"id": actor.user_id, "username": actor.username},
        "role": role.value,
        "moderator": moderator,
        "max_message_length": services.config.max_message_length,
        "recent": [] if missed is not None else [m.to_dict() for m in recent],
    }
    if ws.query_params.get("since") or ws.headers.get("last-event-id"):
        welcome["resumed"] = missed is not None
    after = since if missed is not None else head
    if after is not None:
        welcome["seq"] = after
    if ws.query_params.get("notices_since"):
        welcome["notices_resumed"] = missed_notices is not None
    if missed_notices is not None:
        welcome["notice_seq"] = notices_since  # the missed ones follow
    elif notice_head is not None:
        welcome["notice_seq"] = notice_head
    outbox.put_frame(welcome)
    for env in missed_notices or []:
        outbox.put(encode_event(env))
    if missed:
        after = missed[-1]["seq"]
        if moderator:
            for env in missed:
                if outbox.first_sighting(env.get("id")):
                    outbox.put(encode_event(env))
        else:
            outbox.put(encode_chunk(missed), len(missed))
    if gate is not None:
        gate.open(after)
    role_changed = asyncio.Event()
    tasks = [
        asyncio.create_task(
            pump(
                s,
                outbox,
                cid,
                dedupe=d,
                role_changed=role_changed,
                reconnect_on=frozenset(reconnect_on),
                # a fresh socket's notices all pass (none is in its ``recent``)
                live=LiveFilter(after) if cid is None or missed is not None else None,
                # notices about no channel: those after the welcome's ``notice_seq`` only
                notices=LiveFilter(notice_head, "notice_seq") if cid is not None else None,
            )
        )
        for s, cid, d in subs
    ]
    if not moderator:
        subs.append((direct, None, False))  # closed with the others
    writer = asyncio.create_task(write(ws, outbox))
    reader = asyncio.create_task(read(ws, edge, actor, channel, outbox))
    changed = asyncio.create_task(role_changed.wait())
    ended = asyncio.create_task(ending.event.wait())
    reconnect = False
    try:
        await asyncio.wait((reader, changed, ended), return_when=asyncio.FIRST_COMPLETED)
        reconnect = not reader.done() and not ended.done()
    finally:
        for sub, _, _ in subs:
            sub.close()
        for task in (*tasks, writer, reader, changed, ended):
            task.cancel()
        for task in (*tasks, writer, reader, changed, ended):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    if ending.event.is_set():
        await end_socket(ws, None, ending)  # nothing more reaches an ended session
    elif reconnect:
        with contextlib.suppress(Exception):
            while outbox.waiting():  # the role_changed notice goes out before the close
                await ws.send_text(await outbox.next_text())
            await ws.close(CLOSE_ROLE_CHANGED, "your role in this channel changed; reconnect")
    elif reader.done() and not reader.cancelled() and reader.exception() is not None:
        reader.result()  # re-raise what ended the read loop


async def read(
    ws: WebSocket, edge: Edge, actor: Actor | None, channel: Channel, outbox: Outbox
) -> None:
    """Answer client frames until the client goes away."""
    limiter = RateLimiter(edge.settings.ws_frames_per_s, 1.0, time.monotonic)
    inflight: set[asyncio.Future[SendResult]] = set()
    while True:
        try:
            message = await ws.receive()
        except WebSocketDisconnect:
            return
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            raw = message.get("bytes") or b""
        if too_large(raw, edge):
            await ws.close(CLOSE_TOO_LARGE, "message too big")
            return
        if limiter.hit("frames") is not None:
            outbox.put_frame(
                {"type": "error", "code": "rate_limited", "message": "too many frames; slow down"}
            )
            continue
        try:
            frame = parse_client_frame(raw)
        except FrameError as exc:
            outbox.put_frame(exc.to_frame())
            continue
        if frame.type == "ping":
            outbox.put_frame({"type": "pong"})
            continue
        if actor is None:
            outbox.put_frame({"type": "error", "code": "unauthorized", "message": "log in to chat"})
            continue
        if isinstance(frame, SendFrame) and is_command(frame.text):
            # a slash command (/ban, /timeout, ...): run it, never post it as chat
            if inflight:
                await asyncio.wait(inflight)
            try:
                result = await call(edge.services.commands.run, actor, channel.id, frame.text)
            except ChatWardenError as exc:
                outbox.put_frame(
                    {
                        "type": "error",
                        "code": exc.code,
                        "message": exc.message,
                        "idempotency_key": frame.idempotency_key,
                    }
                )
                continue
            outbox.put_frame(
                {"type": "command", **result.to_dict(), "idempotency_key": frame.idempotency_key}
            )
            continue
        if isinstance(frame, SendFrame):
            # Sends are pipelined through the group-commit ingest; answers keep their order.
            if len(inflight) >= MAX_SENDS_IN_FLIGHT:
                await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
            request = SendRequest(
                actor,
                channel.id,
                frame.text,
                frame.idempotency_key,
                frame.device_fingerprint,
                frame.network_fingerprint,
            )
            future = edge.ingest.submit(request)
            inflight.add(future)
            future.add_done_callback(inflight.discard)
            future.add_done_callback(functools.partial(answer, outbox, frame.idempotency_key))
            continue
        if inflight:  # anything else sees the effect of the sends before it
            await asyncio.wait(inflight)
        try:
            if isinstance(frame, AckWarningFrame):
                await call(edge.services.actions.acknowledge_warning, actor, channel.id)
                outbox.put_frame({"type": "warning_acknowledged"})
        except ChatWardenError as exc:
            key = getattr(frame, "idempotency_key", None)
            outbox.put_frame(
                {"type": "error", "code": exc.code, "message": exc.message, "idempotency_key": key}
            )


def answer(outbox: Outbox, key: str, future: asyncio.Future[SendResult]) -> None:
    """Queue the answer to one ``send`` frame once its batch is stored."""
    if future.cancelled():
        return
    exc = future.exception()
    if exc is None:
        outbox.put_frame(result_frame(future.result(), key))
    elif isinstance(exc, ChatWardenError):
        outbox.put_frame(
            {"type": "error", "code": exc.code, "message": exc.message, "idempotency_key": key}
        )
    else:
        outbox.put_frame(
            {
                "type": "error",
                "code": "internal_error",
                "message": "the message could not be stored; send it again",
                "idempotency_key": key,
            }
        )
