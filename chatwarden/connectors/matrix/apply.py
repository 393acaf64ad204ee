"""ChatWarden's effects in a Matrix room, sent through the client-server API in the order
they were asked.

Matrix cannot hold a message: the homeserver hands it to every member as soon as it is sent.
The closest behaviour is redact-and-queue: a held message is redacted at once (with the reason)
and waits in Mod View's queue; when a moderator allows it, the bot posts it again, quoting its
author (``release``). Matrix has no timeout either: a timeout is a kick (the member may join
again at once where the room lets them: a public room, or with an invite). Warnings have no
Matrix action: by default nothing is done in the room (the warning is in ChatWarden's records
and Mod View); with ``warn="reply"`` the bot says it as an ``m.notice``, mentioning nobody.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal

from chatwarden.connectors.matrix.api import (
    Call,
    MatrixApi,
    calls_for,
    notice_call,
    repost_call,
    state_call,
    txn_id,
    unban_call,
)
from chatwarden.connectors.matrix.parse import localpart
from chatwarden.connectors.matrix.policy import rule_state
from chatwarden.rules.effects import Ban, Effect, Hold, Target, Warn

log = logging.getLogger(__name__)

WarnMode = Literal["skip", "reply"]
_REMEMBERED = 10_000


class MatrixApplier:
    """``EffectApplier`` for one Matrix room. ``apply`` is called on the event loop (the
    runner's) or from another thread; the calls go out in order on ``loop``."""

    def __init__(self, api: MatrixApi, room_id: str = "", *, warn: WarnMode = "skip") -> None:
        self.api = api
        self.room_id = room_id  # set by the connector once the alias is resolved
        self.warn = warn
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sent: list[Call] = []  # every call made, newest last (bounded)
        self.failed: list[str] = []  # the errors (bounded)
        self.names: OrderedDict[str, str] = OrderedDict()  # user id -> display name
        self._held: OrderedDict[str, tuple[str, str]] = OrderedDict()  # event id -> who, text
        self._queue: asyncio.Queue[Call] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._idle: asyncio.Event | None = None
        self._warned = 0
        #: a policy room ChatWarden's bans are published to (opt-in), and the users banned
        #: because a policy list asked (never published back: the list has them already)
        self.publish_room: str | None = None
        self.from_lists: set[str] = set()
        self.published: set[str] = set()

    def apply(self, target: Target, effects: Sequence[Effect]) -> None:
        for effect in effects:
            calls = calls_for(self.room_id, target, effect)
            if isinstance(effect, Hold) and calls and target.message_id and target.text:
                name = self.names.get(target.username) or localpart(target.username)
                self._held[target.message_id] = (name, target.text)
                while len(self._held) > _REMEMBERED:
                    self._held.popitem(last=False)
            if isinstance(effect, Warn):
                if self.warn == "reply":
                    self._warned += 1
                    name = self.names.get(target.username) or localpart(target.username)
                    txn = txn_id("warn", target.username, effect.reason, str(self._warned))
                    calls = [notice_call(self.room_id, f"{name}: {effect.reason}", txn)]
                else:
                    log.info("warning for a Matrix user: Matrix has no warning; kept in ChatWarden")
            if isinstance(effect, Ban) and calls:
                calls = [*calls, *self._publish(target.username, effect.reason)]
            for call in calls:
                self._enqueue(call)

    def _publish(self, user_id: str, reason: str) -> list[Call]:
        if self.publish_room is None or user_id in self.from_lists:
            return []
        self.published.add(user_id)
        event_type, state_key, content = rule_state(user_id, reason)
        return [state_call(self.publish_room, event_type, state_key, content)]

    def release(self, message_id: str) -> bool:
        """A held message was allowed: post it again as the bot, quoting its author. False
        when it is not one this applier redacted (nothing to re-post)."""
        held = self._held.pop(message_id, None)
        if held is None:
            return False
        self._enqueue(repost_call(self.room_id, message_id, held[0], held[1]))
        return True

    def lift(self, username: str, kind: str) -> bool:
        """Lift a ban that ChatWarden lifted (``unban``). A timeout was a kick: there is
        nothing to lift (the member may join again), so False."""
        if kind != "unban" or not username.startswith("@"):
            return False
        self._enqueue(unban_call(self.room_id, username, "ChatWarden: unban"))
        self.from_lists.discard(username)
        if self.publish_room is not None and username in self.published:
            # the rule this ban published is withdrawn (empty content removes a rule)
            self.published.discard(username)
            event_type, state_key, _ = rule_state(username, "")
            self._enqueue(state_call(self.publish_room, event_type, state_key, {}))
        return True

    def note_name(self, user_id: str, name: str) -> None:
        self.names[user_id] = name
        self.names.move_to_end(user_id)
        while len(self.names) > _REMEMBERED:
            self.names.popitem(last=False)

    async def drain(self) -> None:
        """Wait until every call asked for so far was sent (tests, shutdown)."""
        if self._queue is not None and self._idle is not None:
            while not self._queue.empty() or not self._idle.is_set():
                await asyncio.sleep(0.01)

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        await self.api.aclose()

    def _enqueue(self, call: Call) -> None:
        loop = self.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and (loop is None or loop is running):
            self._put(call)
        elif loop is not None:
            loop.call_soon_threadsafe(self._put, call)
        else:
            log.warning("no event loop; dropped a Matrix %s", call.kind)

    def _put(self, call: Call) -> None:
        if self._queue is None:
            self.loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue()
            self._idle = asyncio.Event()
            self._idle.set()
            self._worker = asyncio.create_task(self._work())
        self._queue.put_nowait(call)

    async def _work(self) -> None:
        assert self._queue is not None and self._idle is not None
        while True:
            call = await self._queue.get()
            self._idle.clear()
            try:
                await self.api.send(call)
                self.sent.append(call)
                del self.sent[:-200]
                log.info("Matrix %s done", call.kind)
            except Exception as exc:  # one refused call must not stop the others
                self.failed.append(f"{type(exc).__name__}: {exc}")
                del self.failed[:-50]
                log.warning("Matrix call failed: %s: %s", type(exc).__name__, exc)
            finally:
                if self._queue.empty():
                    self._idle.set()
