"""ChatWarden's effects on a Discord channel, sent through REST in the order they were asked.

Discord cannot hold a message: every member sees it as soon as it is sent. The closest
behaviour is delete-and-queue: a held message is deleted at once and waits in Mod View's
queue; when a moderator allows it, the bot posts it again, quoting its author (``release``).
Warnings have no Discord action: by default nothing is done on Discord (the warning is in
ChatWarden's records and Mod View); with ``warn="reply"`` the bot says it in the channel,
mentioning nobody.
"""

from __future__ import annotations

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
from chatwarden.connectors.sendqueue import SendQueue
from chatwarden.rules.effects import Effect, Hold, Target, Warn

log = logging.getLogger(__name__)

WarnMode = Literal["skip", "reply"]
_REMEMBERED = 10_000


class DiscordApplier(SendQueue[Call]):
    """``EffectApplier`` for one Discord channel. ``apply`` is called on the event loop (the
    runner's) or from another thread; the calls go out in order on ``loop`` (``SendQueue``)."""

    def __init__(
        self,
        rest: DiscordRest,
        guild_id: str,
        channel_id: str,
        *,
        warn: WarnMode = "skip",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__("Discord", log)
        self.rest = rest
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.warn = warn
        self.clock = clock
        self.sent: list[Call] = []  # every call made, newest last (bounded)
        self._users: OrderedDict[str, str] = OrderedDict()  # username -> Discord user id
        self._held: OrderedDict[str, tuple[str, str]] = OrderedDict()  # message id -> who, text

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

    async def aclose(self) -> None:
        await self._stop_worker()
        await self.rest.aclose()

    async def _send(self, call: Call) -> None:
        await self.rest.send(call)
        self.sent.append(call)
        del self.sent[:-200]
        log.info("%s %s (%s)", call.method, call.route, call.reason or "")

    def _describe(self, call: Call) -> str:
        return f"{call.method} {call.route}"
