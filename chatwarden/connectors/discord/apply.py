"""ChatWarden's effects on a Discord channel, sent through REST in the order they were asked.

Discord cannot hold a message: every member sees it as soon as it is sent. The closest
behaviour is delete-and-queue: a held message is deleted at once and waits in Mod View's
queue; when a moderator allows it, the bot posts it again, quoting its author (``release``).
Warnings have no Discord action: by default nothing is done on Discord (the warning is in
ChatWarden's records and Mod View); with ``warn="reply"`` the bot says it in the channel,
mentioning nobody.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

from chatwarden.connectors.discord.rest import (
    Call,
    DiscordRest,
    calls_for,
    repost_call,
    say_call,
    unban_call,
    untimeout_call,
)
from chatwarden.rules.effects import Effect, Hold, Target, Warn

log = logging.getLogger(__name__)

WarnMode = Literal["skip", "reply"]
_REMEMBERED = 10_000


class DiscordApplier:
    """``EffectApplier`` for one Discord channel. ``apply`` is called on the event loop (the
    runner's) or from another thread; the calls go out in order on ``loop``."""

    def __init__(
        self,
        rest: DiscordRest,
        guild_id: str,
        channel_id: str,
        *,
        warn: WarnMode = "skip",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.rest = rest
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.warn = warn
        self.clock = clock
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sent: list[Call] = []  # every call made, newest last (bounded)
        self.failed: list[str] = []  # the errors (bounded)
        self._users: OrderedDict[str, str] = OrderedDict()  # username -> Discord user id
        self._held: OrderedDict[str, tuple[str, str]] = OrderedDict()  # message id -> who, text
        self._queue: asyncio.Queue[Call] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._idle: asyncio.Event | None = None

    def note_user(self, username: str, user_id: str) -> None:
        """Remember a sender's id (effects name the platform login; Discord acts on ids)."""
        self._users[username] = user_id
        self._users.move_to_end(username)
        while len(self._users) > _REMEMBERED:
            self._users.popitem(last=False)

    def apply(self, target: Target, effects: Sequence[Effect]) -> None:
        now = self.clock()
        user_id = self._users.get(target.username)
        for effect in effects:
            calls = calls_for(self.guild_id, self.channel_id, user_id, target, effect, now)
            if isinstance(effect, Hold) and calls and target.message_id and target.text:
                self._held[target.message_id] = (target.username, target.text)
                while len(self._held) > _REMEMBERED:
                    self._held.popitem(last=False)
            if isinstance(effect, Warn):
                if self.warn == "reply":
                    mention = f"@{target.username}"
                    calls = [say_call(self.channel_id, f"{mention}: {effect.reason}")]
                else:
                    log.info(
                        "warning for %s: Discord has no warning; kept in ChatWarden",
                        target.username,
                    )
            for call in calls:
                self._enqueue(call)

    def release(self, message_id: str) -> bool:
        """A held message was allowed: post it again as the bot, quoting its author. False
        when it is not one this applier deleted (nothing to re-post)."""
        held = self._held.pop(message_id, None)
        if held is None:
            return False
        self._enqueue(repost_call(self.channel_id, held[0], held[1]))
        return True

    def lift(self, username: str, kind: str) -> bool:
        """Lift a ban (``DELETE`` the ban) or a timeout (``communication_disabled_until``
        null) that ChatWarden lifted; False for a user this connector has not seen."""
        user_id = self._users.get(username)
        if user_id is None or kind not in ("unban", "untimeout"):
            return False
        make = unban_call if kind == "unban" else untimeout_call
        self._enqueue(make(self.guild_id, user_id, f"ChatWarden: {kind}"))
        return True

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
        await self.rest.aclose()

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
            log.warning("no event loop; dropped %s %s", call.method, call.route)

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
                await self.rest.send(call)
                self.sent.append(call)
                del self.sent[:-200]
                log.info("%s %s (%s)", call.method, call.route, call.reason or "")
            except Exception as exc:  # one refused call must not stop the others
                self.failed.append(f"{type(exc).__name__}: {exc}")
                del self.failed[:-50]
                log.warning("Discord call failed: %s: %s", type(exc).__name__, exc)
            finally:
                if self._queue.empty():
                    self._idle.set()
