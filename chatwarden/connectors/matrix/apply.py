"""ChatWarden's effects in a Matrix room, sent through the client-server API in the order
they were asked.

Matrix cannot hold a message: the homeserver hands it to every member as soon as it is sent.
The closest behaviour is redact-and-queue: a held message is redacted at once (with the reason)
and waits in Mod View's queue; when a moderator allows it, the bot posts it again, quoting its
author (``release``). Matrix has no timeout either: a timeout is a mute (``mute.py``: the
member's power level lowered below what sending needs, put back when it ends, what to put back
kept in a ``MuteStore`` so a restart does not lose it); where the bot lacks the power, a kick
(the member may join again at once where the room lets them), said in the last error. Warnings
have no
Matrix action: by default nothing is done in the room (the warning is in ChatWarden's records
and Mod View); with ``warn="reply"`` the bot says it as an ``m.notice``, mentioning nobody.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, Protocol

from chatwarden.connectors.matrix import mute
from chatwarden.connectors.matrix.api import (
    Call,
    MatrixApi,
    MatrixError,
    calls_for,
    kick_call,
    notice_call,
    repost_call,
    state_call,
    txn_id,
    unban_call,
)
from chatwarden.connectors.matrix.parse import localpart
from chatwarden.connectors.matrix.policy import rule_state
from chatwarden.connectors.sendqueue import SendQueue
from chatwarden.rules.effects import Ban, Effect, Hold, Target, Timeout, Warn

log = logging.getLogger(__name__)

WarnMode = Literal["skip", "reply"]
_REMEMBERED = 10_000
Job = Callable[[], Awaitable[None]]


class MuteStore(Protocol):
    """Where the muted members are kept between runs: user id -> ``previous`` (their own
    power level entry before, None: none), ``muted`` (the level set) and ``until`` (Unix
    time)."""

    def load(self) -> dict[str, dict[str, Any]]: ...

    def save(self, mutes: dict[str, dict[str, Any]]) -> None: ...


class MemoryMutes:
    """A ``MuteStore`` in memory (tests; one process's runs)."""

    def __init__(self) -> None:
        self.mutes: dict[str, dict[str, Any]] = {}

    def load(self) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self.mutes.items()}

    def save(self, mutes: dict[str, dict[str, Any]]) -> None:
        self.mutes = {k: dict(v) for k, v in mutes.items()}


class MatrixApplier(SendQueue[Call | Job]):
    """``EffectApplier`` for one Matrix room. ``apply`` is called on the event loop (the
    runner's) or from another thread; the calls (and mute jobs) go out in order on ``loop``
    (``SendQueue``)."""

    def __init__(self, api: MatrixApi, room_id: str = "", *, warn: WarnMode = "skip") -> None:
        super().__init__("Matrix", log)
        self.api = api
        self.room_id = room_id  # set by the connector once the alias is resolved
        self.warn = warn
        self.sent: list[Call] = []  # every call made, newest last (bounded)
        self.names: OrderedDict[str, str] = OrderedDict()  # user id -> display name
        self._held: OrderedDict[str, tuple[str, str]] = OrderedDict()  # event id -> who, text
        self._warned = 0
        #: a policy room ChatWarden's bans are published to (opt-in), and the users banned
        #: because a policy list asked (never published back: the list has them already)
        self.publish_room: str | None = None
        self.from_lists: set[str] = set()
        self.published: set[str] = set()
        self.bot_id = ""  # set by the connector
        self.creators: frozenset[str] = frozenset()
        self.mute_store: MuteStore = MemoryMutes()
        self.mutes: dict[str, dict[str, Any]] = {}  # user id -> previous, muted, until
        self.on_error: Callable[[str], None] | None = None  # the connector's last error
        self._timers: dict[str, asyncio.TimerHandle] = {}

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
            if isinstance(effect, Timeout) and calls:
                self._enqueue(self._mute_job(target.username, effect.seconds, effect.reason))
                continue
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
        """Lift a ban that ChatWarden lifted (``unban``), or a mute (``untimeout``: the
        member's power level put back now). A timeout that was a kick has nothing to lift (the
        member may join again), so False."""
        if kind == "untimeout" and username in self.mutes:
            self.mutes[username]["until"] = time.time()
            self._enqueue(self._unmute_job(username))
            return True
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

    # -- mutes -------------------------------------------------------------------------

    def resume_mutes(self, stored: dict[str, dict[str, Any]]) -> None:
        """At start: the stored mutes (``mute_store.load()``), each put back when it ends (at
        once if it has). Called on the event loop."""
        for user_id, entry in stored.items():
            if isinstance(entry, dict) and isinstance(entry.get("muted"), int):
                self.mutes[user_id] = entry
                self._schedule(user_id)

    def _mute_job(self, user_id: str, seconds: int, reason: str) -> Job:
        return lambda: self._mute(user_id, seconds, reason or "ChatWarden")

    def _unmute_job(self, user_id: str) -> Job:
        return lambda: self._unmute(user_id)

    def _error(self, message: str) -> None:
        log.warning("Matrix: %s", message)
        if self.on_error is not None:
            self.on_error(message)

    async def _mute(self, user_id: str, seconds: int, reason: str) -> None:
        until = time.time() + seconds
        if user_id in self.mutes:  # muted already: the new end
            self.mutes[user_id]["until"] = until
            await self._save_mutes()
            self._schedule(user_id)
            return
        content = await self.api.power_levels(self.room_id)
        refusal = mute.mute_refusal(content, self.bot_id, user_id, self.creators)
        found = mute.muted(content, user_id) if refusal is None else None
        if refusal is None and found is None:
            return  # they cannot send already: nothing to change or put back
        if found is not None:
            call = state_call(self.room_id, mute.POWER_LEVELS, "", found[0])
            try:
                await self.api.send(call)
            except MatrixError as exc:
                refusal = f"{exc.status} {exc.errcode or ''}".rstrip()
            else:
                self._sent(call)
                level = mute.muted_level(content)
                self.mutes[user_id] = {"previous": found[1], "muted": level, "until": until}
                await self._save_mutes()
                self._schedule(user_id)
                return
        self._error(f"could not mute {user_id} ({refusal}): kicked instead")
        kick = kick_call(self.room_id, user_id, reason)
        await self.api.send(kick)
        self._sent(kick)

    async def _unmute(self, user_id: str) -> None:
        entry = self.mutes.get(user_id)
        if entry is None or float(entry.get("until", 0)) > time.time() + 0.05:
            return  # lifted already, or extended (its own timer)
        content = await self.api.power_levels(self.room_id)
        new = mute.restored(content, user_id, entry.get("previous"), int(entry["muted"]))
        if new is not None:
            call = state_call(self.room_id, mute.POWER_LEVELS, "", new)
            await self.api.send(call)
            self._sent(call)
        self.mutes.pop(user_id, None)
        self._timers.pop(user_id, None)
        await self._save_mutes()

    def _schedule(self, user_id: str) -> None:
        loop = asyncio.get_running_loop()
        old = self._timers.pop(user_id, None)
        if old is not None:
            old.cancel()
        delay = max(0.0, float(self.mutes[user_id].get("until", 0)) - time.time())
        job = self._unmute_job(user_id)
        self._timers[user_id] = loop.call_later(delay, self._put, job)

    async def _save_mutes(self) -> None:
        try:
            await asyncio.to_thread(self.mute_store.save, dict(self.mutes))
        except Exception as exc:  # the database is away: saved with the next change
            log.warning("saving the Matrix mutes failed: %s", type(exc).__name__)

    def note_name(self, user_id: str, name: str) -> None:
        self.names[user_id] = name
        self.names.move_to_end(user_id)
        while len(self.names) > _REMEMBERED:
            self.names.popitem(last=False)

    async def aclose(self) -> None:
        for timer in self._timers.values():
            timer.cancel()  # the store has them: the next run puts them back
        await self._stop_worker()
        await self.api.aclose()

    async def _send(self, call: Call | Job) -> None:
        if isinstance(call, Call):
            await self.api.send(call)
            self._sent(call)
        else:
            await call()

    def _sent(self, call: Call) -> None:
        self.sent.append(call)
        del self.sent[:-200]
        log.info("Matrix %s done", call.kind)
