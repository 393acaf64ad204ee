"""ChatWarden's effects as Helix calls (``parse.requests_for``), sent in the background.

``apply`` is called from the runner (on the event loop, or from a bus callback on another
thread); each call is scheduled on the connector's loop and never blocks it. A failed call is
logged and kept as ``last_error`` (a 401 too: the token must be replaced); one failure never
stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from chatwarden.connectors.twitch.helix import Helix, HelixAuthError, HelixError
from chatwarden.connectors.twitch.parse import HelixRequest, automod_decision, requests_for
from chatwarden.rules.effects import Effect, Target

log = logging.getLogger(__name__)

_REMEMBERED = 10_000


class TwitchApplier:
    """``EffectApplier`` for one Twitch channel, acting as moderator ``moderator_id``."""

    def __init__(self, helix: Helix, broadcaster_id: str = "", moderator_id: str = "") -> None:
        self.helix = helix
        self.broadcaster_id = broadcaster_id
        self.moderator_id = moderator_id
        self.loop: asyncio.AbstractEventLoop | None = None
        self.last_error: str | None = None
        self.sent: list[HelixRequest] = []  # every call made, newest last (bounded)
        self._users: OrderedDict[str, str] = OrderedDict()  # login -> Twitch user id
        self._held: OrderedDict[str, None] = OrderedDict()  # held by Twitch's own AutoMod
        self._tasks: set[asyncio.Task[None]] = set()
        #: a call answered 401 (the token expired or was revoked): the connector stops
        self.on_auth_error: Callable[[HelixAuthError], None] | None = None

    def note_user(self, login: str, user_id: str) -> None:
        _remember(self._users, login.lower(), user_id)

    def note_held(self, message_id: str) -> None:
        _remember(self._held, message_id, None)

    def forget_held(self, message_id: str) -> None:
        self._held.pop(message_id, None)

    def apply(self, target: Target, effects: Sequence[Effect]) -> None:
        for effect in effects:
            reqs = requests_for(
                effect,
                target,
                broadcaster_id=self.broadcaster_id,
                moderator_id=self.moderator_id,
                user_id=self._users.get(target.username.lower()),
                held_by_twitch=target.message_id in self._held if target.message_id else False,
            )
            for req in reqs:
                self._schedule(req)
            if reqs:
                log.info(
                    "%s on twitch: %s (%s)", type(effect).__name__, target.username, effect.reason
                )

    def resolve_held(self, message_id: str, allow: bool) -> bool:
        """Release (``allow``) or remove a message Twitch's AutoMod holds; False when it is not
        one (or no longer: resolved on Twitch meanwhile)."""
        if message_id not in self._held:
            return False
        self.forget_held(message_id)
        self._schedule(automod_decision(self.moderator_id, message_id, allow))
        return True

    def release(self, message_id: str) -> bool:
        """A held message allowed in Mod View: Twitch's AutoMod still holding it → ``ALLOW``.
        A message ChatWarden held by deleting it at once is not posted again (a bot cannot
        post as the chatter): False."""
        return self.resolve_held(message_id, allow=True)

    async def drain(self) -> None:
        """Wait for every call scheduled so far (tests; a clean stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _schedule(self, req: HelixRequest) -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        loop = self.loop or running
        if loop is None:
            log.warning("not connected; dropped: %s %s", req.method, req.path)
        elif running is loop:
            self._start(req)
        else:  # a bus callback on another thread
            loop.call_soon_threadsafe(self._start, req)

    def _start(self, req: HelixRequest) -> None:
        task = asyncio.get_running_loop().create_task(self._call(req))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _call(self, req: HelixRequest) -> None:
        self.sent.append(req)
        del self.sent[:-200]
        try:
            await self.helix.call(req)
        except HelixAuthError as exc:
            self.last_error = str(exc)
            log.error("twitch: %s", exc)
            if self.on_auth_error is not None:
                self.on_auth_error(exc)
        except (HelixError, httpx.HTTPError, OSError, ValueError) as exc:
            self.last_error = str(exc)
            log.warning("twitch: %s", exc)


def _remember(cache: OrderedDict[str, Any], key: str, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _REMEMBERED:
        cache.popitem(last=False)
