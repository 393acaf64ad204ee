"""The Discord connector: the Gateway (WebSocket, API v10) in, REST out.

The session: connect, receive HELLO, heartbeat every ``heartbeat_interval`` (the first after
a random fraction of it), IDENTIFY with the least intents (GUILD_MESSAGES, MESSAGE_CONTENT),
READY gives the ``session_id`` and ``resume_gateway_url``. Every dispatch carries a sequence
number; after a drop, a RECONNECT, a heartbeat that was never acknowledged or an
INVALID_SESSION that may be resumed, the connector connects to ``resume_gateway_url`` and
sends RESUME with the last sequence number, so Discord replays what was missed (a message seen
again is decided once: the runner keys it by its Discord id). A session that cannot be
resumed is identified anew; a close code that says the token, intents or shard are wrong
stops the connector with that error. The bot token is sent in IDENTIFY/RESUME and the REST
``Authorization`` header only; it is never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from chatwarden.connectors.base import InboundMessage, backoff_delays
from chatwarden.connectors.discord import parse
from chatwarden.connectors.discord.apply import DiscordApplier, WarnMode
from chatwarden.connectors.discord.parse import Op
from chatwarden.connectors.discord.rest import API_BASE, DiscordError, DiscordRest
from chatwarden.settings import Role

log = logging.getLogger(__name__)

GATEWAY = "wss://gateway.discord.gg"


@dataclass(frozen=True)
class DiscordSettings:
    guild_id: str
    channel_id: str
    token: str = field(repr=False)
    roles: Mapping[str, Role] = field(default_factory=dict)  # Discord role id -> role
    warn: WarnMode = "skip"
    gateway: str = GATEWAY
    api_base: str = API_BASE
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    invalid_session_wait_s: float = 1.0  # times 1-5 (random) after an INVALID_SESSION


class _Reconnect(Exception):
    """Leave this connection and resume (or identify) on a new one."""


class _Fatal(Exception):
    """Reconnecting cannot help (the token, intents or shard are wrong)."""


class DiscordConnector:
    """``Connector`` for one channel of one guild."""

    platform = parse.PLATFORM

    def __init__(self, settings: DiscordSettings, rng: random.Random | None = None) -> None:
        self.settings = settings
        self._rng = rng or random.Random()
        self.rest = DiscordRest(settings.token, settings.api_base)
        self._applier = DiscordApplier(
            self.rest, settings.guild_id, settings.channel_id, warn=settings.warn
        )
        self._closed = asyncio.Event()
        self._ws: ClientConnection | None = None
        self.session_id: str | None = None
        self.resume_url: str | None = None
        self.seq: int | None = None
        self.owner_id: str | None = None
        self.bot_id: str | None = None
        self.ready = asyncio.Event()  # READY or RESUMED on the current connection
        self.identifies = 0
        self.resumes = 0
        self.last_error: str | None = None

    @property
    def applier(self) -> DiscordApplier:
        return self._applier

    @property
    def connected(self) -> bool:
        """In a live Gateway session (``Presence``)."""
        return self.ready.is_set()

    async def platform_rules(self) -> list[dict[str, Any]]:
        """The guild's own AutoMod rules, summarised (``PlatformRules``; needs MANAGE_GUILD)."""
        rules = await self.rest.automod_rules(self.settings.guild_id)
        return [parse.automod_rule(r) for r in rules if isinstance(r, Mapping)]

    async def close(self) -> None:
        self._closed.set()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close(1000)
        with contextlib.suppress(TimeoutError):  # a call waiting out a long rate limit
            await asyncio.wait_for(self._applier.drain(), 5)
        await self._applier.aclose()

    async def messages(self) -> AsyncIterator[InboundMessage]:
        s = self.settings
        delays = backoff_delays(s.backoff_base_s, s.backoff_cap_s, self._rng)
        await self._load_owner()
        while not self._closed.is_set():
            resuming = self.session_id is not None and self.resume_url is not None
            url = parse.gateway_url(self.resume_url if resuming and self.resume_url else s.gateway)
            try:
                async with connect(url, max_size=2**22, open_timeout=10) as ws:
                    self._ws = ws
                    async for msg in self._session(ws, resuming):
                        delays = backoff_delays(s.backoff_base_s, s.backoff_cap_s, self._rng)
                        yield msg
            except _Fatal as exc:
                self.last_error = str(exc)
                log.error("Discord gateway: %s; not reconnecting", exc)
                return
            except _Reconnect as exc:
                log.info("Discord gateway: %s; reconnecting", exc)
                self.ready.clear()
                continue  # at once: Discord asked for it (or the session was resumable)
            except (ConnectionClosed, OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("Discord gateway: %s", self.last_error)
            finally:
                self._ws = None
                self.ready.clear()
            if self._closed.is_set():
                break
            delay = next(delays)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)

    async def _load_owner(self) -> None:
        """The guild's owner (a lead moderator here), from REST once."""
        try:
            guild = await self.rest.guild(self.settings.guild_id)
            owner = guild.get("owner_id")
            self.owner_id = str(owner) if owner is not None else None
        except (DiscordError, OSError, ValueError) as exc:
            log.warning("could not read the guild's owner: %s", exc)
        except Exception as exc:  # httpx's transport errors
            log.warning("could not read the guild's owner: %s: %s", type(exc).__name__, exc)

    async def _send(self, ws: ClientConnection, payload: Mapping[str, Any]) -> None:
        await ws.send(json.dumps(payload))

    async def _session(self, ws: ClientConnection, resuming: bool) -> AsyncIterator[InboundMessage]:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if hello.get("op") != Op.HELLO:
            raise _Reconnect(f"expected HELLO, got op {hello.get('op')}")
        interval_ms = int(hello["d"]["heartbeat_interval"])
        acked = asyncio.Event()
        acked.set()
        beat = asyncio.create_task(self._heartbeat(ws, interval_ms, acked))
        try:
            if resuming and self.session_id is not None:
                self.resumes += 1
                await self._send(ws, parse.resume(self.settings.token, self.session_id, self.seq))
            else:
                self.identifies += 1
                await self._send(ws, parse.identify(self.settings.token))
            while True:
                try:
                    raw = await ws.recv()
                except ConnectionClosed as exc:
                    self._closed_with(exc)
                    raise
                payload = json.loads(raw)
                op = payload.get("op")
                if op == Op.DISPATCH:
                    msg = self._dispatch(payload)
                    if msg is not None:
                        yield msg
                elif op == Op.HEARTBEAT:
                    await self._send(ws, parse.heartbeat(self.seq))
                elif op == Op.HEARTBEAT_ACK:
                    acked.set()
                elif op == Op.RECONNECT:
                    await ws.close(4000)
                    raise _Reconnect("Discord asked to reconnect")
                elif op == Op.INVALID_SESSION:
                    if not payload.get("d"):
                        self.session_id = self.resume_url = None
                        self.seq = None
                    # Discord asks for a wait of 1-5 s before identifying again
                    await asyncio.sleep(
                        self.settings.invalid_session_wait_s * (1 + 4 * self._rng.random())
                    )
                    await ws.close(4000)
                    raise _Reconnect("invalid session")
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await beat

    def _closed_with(self, exc: ConnectionClosed) -> None:
        code = exc.rcvd.code if exc.rcvd is not None else None
        if code in parse.FATAL_CLOSE_CODES:
            raise _Fatal(f"closed with {code} {exc.rcvd.reason if exc.rcvd else ''}".strip())
        if code in parse.FRESH_CLOSE_CODES:
            self.session_id = self.resume_url = None
            self.seq = None

    def _dispatch(self, payload: Mapping[str, Any]) -> InboundMessage | None:
        if isinstance(payload.get("s"), int):
            self.seq = payload["s"]
        kind, data = payload.get("t"), payload.get("d") or {}
        if kind == "READY":
            self.session_id = str(data["session_id"])
            self.resume_url = str(data.get("resume_gateway_url") or self.settings.gateway)
            self.bot_id = str((data.get("user") or {}).get("id") or "") or None
            self.ready.set()
            self.last_error = None
            log.info("Discord gateway: ready")
        elif kind == "RESUMED":
            self.ready.set()
            self.last_error = None
            log.info("Discord gateway: resumed at sequence %s", self.seq)
        elif kind == "MESSAGE_CREATE":
            s = self.settings
            msg = parse.inbound_message(data, s.channel_id, s.roles, self.owner_id)
            if msg is not None:
                self._applier.note_user(msg.user.login, msg.user.id)
            return msg
        return None

    async def _heartbeat(
        self, ws: ClientConnection, interval_ms: int, acked: asyncio.Event
    ) -> None:
        await asyncio.sleep(parse.first_heartbeat_s(interval_ms, self._rng))
        while True:
            if not acked.is_set():  # a zombied connection: drop it and resume
                log.warning("Discord gateway: heartbeat not acknowledged; reconnecting")
                await ws.close(4000)
                return
            acked.clear()
            await self._send(ws, parse.heartbeat(self.seq))
            await asyncio.sleep(interval_ms / 1000)
