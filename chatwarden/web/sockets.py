"""The open WebSockets of this process: ended with their credential, counted per address.

A WebSocket is authenticated once, at its handshake. ``OpenSockets`` ends it (the socket's
``end(reason)`` callback; the sockets close with 4401) when its credential ends: at once on
logout and API-token revocation (``AccountService`` publishes the credential's end on the bus's
``credentials`` topic after the commit), and within ``sweep_s`` of the session's or token's
expiry (by the services' clock). It also counts the open sockets per client address, anonymous
ones apart, so one address cannot hold more than ``per_ip`` (``anonymous_per_ip``) of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chatwarden.bus import CREDENTIALS_TOPIC, Bus, Subscription
from chatwarden.clock import Clock
from chatwarden.service.platform.accounts import hash_token


@dataclass(eq=False)
class HeldSocket:
    """One open WebSocket in ``OpenSockets``; ``end(reason)`` is called at most once."""

    address: str
    anonymous: bool
    end: Callable[[str], None]
    credential: str | None = None  # sha256 of the session or API token
    expires_at: datetime | None = None
    released: bool = field(default=False)

    def finish(self, reason: str) -> None:
        if not self.released:
            self.end(reason)


class OpenSockets:
    """The open WebSockets of this process, by credential and by client address."""

    def __init__(
        self, bus: Bus, clock: Clock, *, anonymous_per_ip: int, per_ip: int, sweep_s: float = 0.25
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.anonymous_per_ip = anonymous_per_ip
        self.per_ip = per_ip
        self.sweep_s = sweep_s
        self._by_credential: dict[str, set[HeldSocket]] = {}
        self._expiring: list[tuple[datetime, int, HeldSocket]] = []  # a heap
        self._order = itertools.count()
        self._open: Counter[str] = Counter()
        self._anonymous: Counter[str] = Counter()
        self._listener: Subscription | None = None
        self._sweeper: asyncio.Task[None] | None = None

    def hold(
        self,
        address: str,
        end: Callable[[str], None],
        *,
        token: str | None = None,
        expires_at: datetime | None = None,
    ) -> HeldSocket | None:
        """Count a new socket (None: its address is at a cap); ``release`` it when it closes.

        With ``token``, ``end(reason)`` is called when that credential is logged out, revoked
        or reaches ``expires_at``.
        """
        anonymous = token is None
        if self.per_ip and self._open[address] >= self.per_ip:
            return None
        if (
            anonymous
            and self.anonymous_per_ip
            and self._anonymous[address] >= self.anonymous_per_ip
        ):
            return None
        self._start()
        held = HeldSocket(address, anonymous, end)
        self._open[address] += 1
        if anonymous:
            self._anonymous[address] += 1
            return held
        assert token is not None
        held.credential = hash_token(token)
        held.expires_at = expires_at
        self._by_credential.setdefault(held.credential, set()).add(held)
        if expires_at is not None:
            heapq.heappush(self._expiring, (expires_at, next(self._order), held))
        return held

    def release(self, held: HeldSocket) -> None:
        if held.released:
            return
        held.released = True
        for counter in (self._open, self._anonymous) if held.anonymous else (self._open,):
            counter[held.address] -= 1
            if counter[held.address] <= 0:
                del counter[held.address]
        if held.credential is not None:
            group = self._by_credential.get(held.credential, set())
            group.discard(held)
            if not group:
                self._by_credential.pop(held.credential, None)

    def count(self, address: str, *, anonymous: bool = False) -> int:
        return (self._anonymous if anonymous else self._open)[address]

    def end_credential(self, credential: str, reason: str) -> int:
        """End every socket opened with ``credential``; how many there were."""
        group = list(self._by_credential.get(credential, ()))
        for held in group:
            held.finish(reason)
        return len(group)

    def _start(self) -> None:
        """Listen for ended credentials and sweep expiries (on the first socket's loop)."""
        if self._listener is None:
            self._listener = self.bus.subscribe(CREDENTIALS_TOPIC, sink=self._on_events)
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    def _on_events(self, chunk: list[dict[str, Any]]) -> None:
        for env in chunk:
            if env.get("type") == "credential_ended" and isinstance(env.get("credential"), str):
                self.end_credential(env["credential"], str(env.get("reason") or "signed out"))

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_s)
            now = self.clock.now()
            while self._expiring and self._expiring[0][0] <= now:
                _, _, held = heapq.heappop(self._expiring)
                held.finish("your session expired; log in again")
            if len(self._expiring) > 1024 + 2 * sum(self._open.values()):  # drop closed ones
                self._expiring = [e for e in self._expiring if not e[2].released]
                heapq.heapify(self._expiring)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
