"""The Twitch connector: an EventSub WebSocket session in, Helix out.

A session starts with ``session_welcome`` (its id and keepalive timeout); the connector then
subscribes through Helix (``POST /eventsub/subscriptions`` with the session id) to
``channel.chat.message`` and, with ``automod``, to ``automod.message.hold``/``.update``. Silence
longer than the keepalive timeout (plus a margin) means the connection is dead: it reconnects
with back-off and subscribes again on the new session. ``session_reconnect`` is Twitch moving the
session: the connector opens ``reconnect_url`` while still reading the old connection, and
switches once the new one's welcome arrives (the subscriptions move with it), so no message is
lost; Twitch may send a notification on both (at-least-once), so notifications are kept by
their ``message_id`` and a repeat is dropped, and the runner's idempotency key (the chat
message id) decides a message once whatever arrives. ``revocation`` (the token lost a scope,
the user was banned) is reported as the connection's last error. The connector never sends on
the WebSocket (Twitch closes a connection that does). A user access token Twitch refuses (401)
is refreshed once when the connection holds a refresh token and the app's client secret
(``oauth.py``; ``on_tokens`` keeps the new pair) and the refused call is made again; when the
refresh fails too, the connector stops with that error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from chatwarden.connectors.base import InboundMessage, backoff_delays
from chatwarden.connectors.twitch.apply import TwitchApplier
from chatwarden.connectors.twitch.helix import Helix, HelixAuthError, HelixError
from chatwarden.connectors.twitch.oauth import TOKEN_URL, TokenRefresher, Tokens
from chatwarden.connectors.twitch.parse import (
    EVENTSUB_URL,
    HELIX_URL,
    Frame,
    HelixRequest,
    chat_message,
    held_message,
    keepalive_s,
    parse_frame,
    subscriptions,
)

log = logging.getLogger(__name__)

_SEEN = 10_000  # notification ids remembered to drop Twitch's repeats


@dataclass(frozen=True)
class TwitchSettings:
    channel: str  # the broadcaster's login
    bot: str  # the login of the account whose user access token this is (a moderator)
    client_id: str
    token: str = field(repr=False)  # the user access token (never shown)
    automod: bool = False  # subscribe to Twitch's AutoMod holds (moderator:manage:automod)
    eventsub_url: str = EVENTSUB_URL
    helix_url: str = HELIX_URL
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    connect_timeout_s: float = 10.0
    keepalive_margin_s: float = 5.0
    # refreshing the token (both or neither; never shown)
    refresh_token: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    token_url: str = TOKEN_URL
    on_tokens: Callable[[Tokens], None] | None = field(default=None, repr=False, compare=False)


class SessionEnded(Exception):
    """The EventSub connection ended or went silent: reconnect."""


class TwitchConnector:
    """``Connector`` for one Twitch channel's chat (and ``Presence``)."""

    platform = "twitch"

    def __init__(self, settings: TwitchSettings, rng: random.Random | None = None) -> None:
        self.settings = settings
        self._rng = rng
        self.refresher: TokenRefresher | None = None
        if settings.refresh_token and settings.client_secret:
            self.refresher = TokenRefresher(
                settings.client_id,
                settings.client_secret,
                settings.refresh_token,
                token_url=settings.token_url,
                on_tokens=settings.on_tokens,
            )
        self.helix = Helix(
            settings.client_id,
            settings.token,
            base_url=settings.helix_url,
            refresh=self.refresher.refresh if self.refresher is not None else None,
        )
        self._applier = TwitchApplier(self.helix)
        self._applier.on_auth_error = self._token_refused
        self._closed = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.session_id: str | None = None
        self.sessions = 0  # welcomes received (a session_reconnect adds one)
        self.subscribed = 0  # successful subscription rounds (a fresh session adds one)
        self.duplicates = 0  # notifications Twitch sent again, dropped
        self._connected = False
        self._error: str | None = None
        self._closing: asyncio.Task[None] | None = None

    @property
    def applier(self) -> TwitchApplier:
        return self._applier

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def last_error(self) -> str | None:
        return self._error or self._applier.last_error

    def _token_refused(self, exc: HelixAuthError) -> None:
        """A Helix call was refused with 401: stop with the error (retrying cannot help)."""
        self._error = f"{exc} (the user access token expired or was revoked)"
        self._closed.set()
        if self._ws is not None:
            task = asyncio.get_running_loop().create_task(self._ws.close())
            self._closing = task  # keep a reference until it is done

    async def close(self) -> None:
        self._closed.set()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        await self._applier.drain()
        await self.helix.aclose()
        if self.refresher is not None:
            await self.refresher.aclose()

    # -- reading --------------------------------------------------------------------------

    async def messages(self) -> AsyncIterator[InboundMessage]:
        s = self.settings
        self._applier.loop = asyncio.get_running_loop()
        delays = backoff_delays(s.backoff_base_s, s.backoff_cap_s, self._rng)
        while not self._closed.is_set():
            try:
                await self._resolve_ids()
                async for msg in self._session():
                    delays = backoff_delays(s.backoff_base_s, s.backoff_cap_s, self._rng)
                    yield msg
            except HelixAuthError as exc:
                self._error = f"{exc} (the user access token expired or was revoked)"
                log.error("twitch: %s", self._error)
                return  # a new token must be stored; retrying cannot help
            except (
                OSError,
                TimeoutError,
                SessionEnded,
                HelixError,
                httpx.HTTPError,
                websockets.WebSocketException,
            ) as exc:
                if self._closed.is_set():
                    break  # closing ends the connection; that is no error
                self._error = f"{type(exc).__name__}: {exc}"
                log.warning("twitch EventSub: %s", self._error)
            finally:
                self._connected = False
                if self._ws is not None:
                    with contextlib.suppress(Exception):
                        await self._ws.close()
                self._ws = None
            if self._closed.is_set():
                break
            delay = next(delays)
            log.info("reconnecting to EventSub in %.1f s", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)

    async def _resolve_ids(self) -> None:
        """The broadcaster's and the bot's Twitch user ids (Get Users), once."""
        a = self._applier
        if not a.broadcaster_id:
            a.broadcaster_id = str((await self.helix.user(self.settings.channel))["id"])
        if not a.moderator_id:
            a.moderator_id = str((await self.helix.user(self.settings.bot))["id"])

    async def _open(self, url: str) -> tuple[ClientConnection, Frame]:
        """Connect and read the welcome."""
        s = self.settings
        ws = await asyncio.wait_for(websockets.connect(url), s.connect_timeout_s)
        try:
            welcome = parse_frame(await asyncio.wait_for(ws.recv(), s.connect_timeout_s))
        except ValueError as exc:
            await ws.close()
            raise SessionEnded(str(exc)) from exc
        except BaseException:
            await ws.close()
            raise
        if welcome.message_type != "session_welcome":
            await ws.close()
            raise SessionEnded(f"expected session_welcome, got {welcome.message_type}")
        return ws, welcome

    async def _session(self) -> AsyncIterator[InboundMessage]:
        """One session from a fresh connection: subscribe, then read until it ends."""
        ws, welcome = await self._open(self.settings.eventsub_url)
        self._ws = ws
        self._welcomed(welcome)
        assert self.session_id is not None
        a = self._applier
        for body in subscriptions(
            a.broadcaster_id, a.moderator_id, self.session_id, automod=self.settings.automod
        ):
            await self.helix.call(HelixRequest("POST", "/eventsub/subscriptions", (), body))
        self.subscribed += 1
        self._connected = True
        self._error = None
        timeout = keepalive_s(welcome) + self.settings.keepalive_margin_s
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout)
            except TimeoutError as exc:
                raise SessionEnded(f"no message for {timeout:.0f} s (keepalive)") from exc
            except websockets.ConnectionClosed as exc:
                raise SessionEnded(f"connection closed ({exc})") from exc
            try:
                frame = parse_frame(raw)
            except ValueError:
                log.warning("twitch EventSub: skipped a message that is not EventSub's")
                continue
            if frame.message_type == "session_reconnect":
                ws, welcome, moved = await self._move(ws, frame)
                timeout = keepalive_s(welcome) + self.settings.keepalive_margin_s
                for item in moved:
                    yield item
                continue
            found = self._handle(frame)
            if found is not None:
                yield found

    async def _move(
        self, old: ClientConnection, frame: Frame
    ) -> tuple[ClientConnection, Frame, list[InboundMessage]]:
        """``session_reconnect``: open the new URL while the old connection still delivers;
        switch at the new one's welcome (what the old one sent meanwhile is kept in order)."""
        url = str(frame.session.get("reconnect_url") or "")
        if not url:
            raise SessionEnded("session_reconnect without a reconnect_url")
        pending: list[InboundMessage] = []
        opening = asyncio.create_task(self._open(url))
        while not opening.done():
            reading = asyncio.create_task(old.recv())
            await asyncio.wait({opening, reading}, return_when=asyncio.FIRST_COMPLETED)
            if reading.done():
                try:
                    msg = self._handle_raw(reading.result())
                except websockets.ConnectionClosed:
                    await opening
                    break
                if msg is not None:
                    pending.append(msg)
            else:
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                    raw = await reading
                    msg = self._handle_raw(raw)
                    if msg is not None:
                        pending.append(msg)
        ws, welcome = opening.result()
        self._ws = ws
        self._welcomed(welcome)
        with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
            while True:  # whatever the old connection still holds, then close it
                msg = self._handle_raw(await asyncio.wait_for(old.recv(), 0.1))
                if msg is not None:
                    pending.append(msg)
        with contextlib.suppress(Exception):
            await old.close()
        return ws, welcome, pending

    def _welcomed(self, welcome: Frame) -> None:
        self.session_id = str(welcome.session.get("id") or "")
        self.sessions += 1
        log.info("EventSub session %s (keepalive %.0f s)", self.session_id, keepalive_s(welcome))

    def _handle_raw(self, raw: str | bytes) -> InboundMessage | None:
        try:
            return self._handle(parse_frame(raw))
        except ValueError:
            log.warning("twitch EventSub: skipped a message that is not EventSub's")
            return None

    def _handle(self, frame: Frame) -> InboundMessage | None:
        """One frame's bookkeeping; the chat message it carries, if any."""
        if frame.message_type == "revocation":
            sub = frame.subscription
            self._error = f"subscription {sub.get('type')} revoked: {sub.get('status')}"
            log.warning("twitch: %s", self._error)
            return None
        if frame.message_type != "notification":
            return None  # session_keepalive; anything new Twitch adds
        if frame.message_id in self._seen:
            self.duplicates += 1
            return None
        self._seen[frame.message_id] = None
        while len(self._seen) > _SEEN:
            self._seen.popitem(last=False)
        kind, event = frame.subscription_type, frame.event
        if kind == "channel.chat.message":
            msg = chat_message(event, self.settings.channel)
        elif kind == "automod.message.hold":
            msg = held_message(event, self.settings.channel)
            if msg is not None and msg.message_id:
                self._applier.note_held(msg.message_id)
        else:
            if kind == "automod.message.update" and event.get("message_id"):
                self._applier.forget_held(str(event["message_id"]))  # resolved on Twitch
            return None
        if msg is None or msg.user.id == self._applier.moderator_id:
            return None  # the bot's own lines are not moderated
        self._applier.note_user(msg.user.login, msg.user.id)
        return msg
