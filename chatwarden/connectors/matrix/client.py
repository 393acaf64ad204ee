"""The Matrix connector: a bot account in one room, the client-server API's ``/sync`` long
poll in, the same API out (``api.py``, ``apply.py``).

Start: ``whoami`` (the token must be the configured bot's), join the room (an alias is
resolved by the homeserver; joining a room the bot is in already changes nothing), read its
power levels. Then ``/sync`` with a filter for this room's messages and power levels, each
request from the last response's ``next_batch`` (``since``). A response whose timeline has a
gap (``limited``) is completed from ``/rooms/{roomId}/messages``, back from its ``prev_batch``
to the previous token, so nothing said while the bot was away is skipped. A saved token the
homeserver refuses (400: its database was replaced) is dropped with an error, and the bot
starts from now.

Never lose, never act twice: the ``since`` token is kept in a ``CursorStore`` (for a stored
connection, the connection's options), and only once the runner has stored the decision of
every message up to it (``decided``, the runner's ``Checkpointer`` call); a restart resumes
from there. An event that comes again is keyed by its event id, so it is ``replayed``, never
decided or acted on twice. Without a stored token the bot starts from now (the room's history
before it first joined is not decided).

Errors: a dropped connection or a 5xx is retried with back-off, a 429 after its
``retry_after_ms``; a 401 (``M_UNKNOWN_TOKEN``) stops the connector with that error as its
last error, as does a token that belongs to another user. The access token is in the
``Authorization`` header only; it is never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from chatwarden.connectors.base import InboundMessage, ListBan, PlatformUser, backoff_delays
from chatwarden.connectors.matrix import parse, policy
from chatwarden.connectors.matrix.api import MatrixApi, MatrixError, TokenRefused
from chatwarden.connectors.matrix.apply import MatrixApplier, MuteStore, WarnMode
from chatwarden.settings import Role

log = logging.getLogger(__name__)

MAX_BACKFILL = 5000  # events read back to fill one gap


class CursorStore(Protocol):
    """Where the connector keeps its ``since`` token between runs."""

    def load(self) -> str | None: ...

    def save(self, since: str) -> None: ...


class MemoryCursor:
    """A ``CursorStore`` in memory (tests, the bench; one process's runs)."""

    def __init__(self, since: str | None = None) -> None:
        self.since = since
        self.saves = 0

    def load(self) -> str | None:
        return self.since

    def save(self, since: str) -> None:
        self.since = since
        self.saves += 1


@dataclass(frozen=True)
class MatrixSettings:
    homeserver: str  # https://matrix.example.org
    room: str  # !id:server or #alias:server
    user_id: str  # the bot: @bot:server
    token: str = field(repr=False)
    levels: tuple[tuple[int, Role], ...] = parse.DEFAULT_LEVELS
    warn: WarnMode = "skip"
    policy_rooms: tuple[str, ...] = ()  # Draupnir/Mjolnir policy rooms whose bans apply here
    publish_room: str | None = None  # a policy room that ChatWarden's bans are published to
    sync_timeout_ms: int = 30_000
    timeline_limit: int = 200
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0


class _Fatal(Exception):
    """Reconnecting cannot help (the token is refused or is another user's)."""


class MatrixConnector:
    """``Connector`` for one Matrix room."""

    platform = parse.PLATFORM

    def __init__(
        self,
        settings: MatrixSettings,
        cursor: CursorStore | None = None,
        rng: random.Random | None = None,
        mutes: MuteStore | None = None,
    ) -> None:
        self.settings = settings
        self.cursor: CursorStore = cursor if cursor is not None else MemoryCursor()
        self._rng = rng or random.Random()
        self.api = MatrixApi(settings.homeserver, settings.token)
        self._applier = MatrixApplier(self.api, warn=settings.warn)
        self._applier.bot_id = settings.user_id
        self._applier.on_error = self._note_error
        if mutes is not None:
            self._applier.mute_store = mutes
        self._mutes_resumed = False
        self._closed = asyncio.Event()
        self.ready = asyncio.Event()  # a sync answered on the current connection
        self.room_id: str | None = None
        self.levels = parse.PowerLevels({})
        self.since: str | None = None  # the next sync's token
        self.resumed_from: str | None = None  # the stored token this run started from
        self.syncs = 0
        self.last_error: str | None = None
        self._pending: deque[tuple[str, set[str]]] = deque()  # token, events not yet decided
        self._checkpoint: str | None = None  # the newest token with everything before decided
        self._saved: str | None = None
        self._saving: asyncio.Lock | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._filter = ""
        self._creators: frozenset[str] = frozenset()
        self.policies = policy.PolicySet()
        self.policy_room_ids: dict[str, str] = {}  # as configured -> room id
        self._members: set[str] = set()  # joined members of the protected room
        self._asked: set[str] = set()  # members a list ban was asked for (until they leave)
        self._list_bans: asyncio.Queue[ListBan | None] = asyncio.Queue()

    def _note_error(self, message: str) -> None:
        self.last_error = message

    @property
    def applier(self) -> MatrixApplier:
        return self._applier

    @property
    def connected(self) -> bool:
        """In the room, syncing (``Presence``)."""
        return self.ready.is_set()

    async def close(self) -> None:
        self._closed.set()
        self._list_bans.put_nowait(None)
        self.ready.clear()
        with contextlib.suppress(TimeoutError):  # a call waiting out a long rate limit
            await asyncio.wait_for(self._applier.drain(), 5)
        await self._save()
        await self._applier.aclose()

    # -- policy lists ----------------------------------------------------------------------

    async def list_bans(self) -> AsyncIterator[ListBan]:
        """The members the subscribed policy rooms ban (``ListBanner``), until ``close``."""
        while (ban := await self._list_bans.get()) is not None:
            yield ban

    def _check(self, user_ids: Iterable[str]) -> None:
        """Ask for a ban of each member a policy rule names (once while they stay)."""
        for user_id in user_ids:
            if user_id == self.settings.user_id or user_id in self._asked:
                continue
            rule = self.policies.match(user_id)
            if rule is None:
                continue
            if self.levels.level(user_id) >= self.levels.level(self.settings.user_id):
                # the room's moderators and creators: the bot cannot ban them (Matrix refuses)
                log.warning("policy room %s names a member the bot cannot ban", rule.room_id)
                continue
            self._asked.add(user_id)
            self._applier.from_lists.add(user_id)
            log.info("policy room %s bans a member of %s", rule.room_id, self.settings.room)
            user = PlatformUser(parse.PLATFORM, user_id, user_id)
            self._list_bans.put_nowait(ListBan(user, rule.reason or "policy list", rule.room_id))

    def _membership(self, events: Iterable[Mapping[str, Any]]) -> None:
        """The protected room's member events: joins are checked against the rules."""
        joined = []
        for event in events:
            if event.get("type") != "m.room.member" or not isinstance(event.get("state_key"), str):
                continue
            user_id = str(event["state_key"])
            content = event.get("content")
            if isinstance(content, Mapping) and content.get("membership") == "join":
                if user_id not in self._members:
                    self._members.add(user_id)
                    joined.append(user_id)
            else:
                self._members.discard(user_id)
                self._asked.discard(user_id)
        if self.policies:
            self._check(joined)

    async def _setup_policies(self) -> None:
        s = self.settings
        assert self.room_id is not None
        for configured in s.policy_rooms:
            room_id = await self.api.join(configured)
            self.policy_room_ids[configured] = room_id
            self.policies.update(room_id, await self.api.room_state(room_id))
        if s.publish_room is not None:
            self._applier.publish_room = await self.api.join(s.publish_room)
        if s.policy_rooms:
            self._members = set(await self.api.joined_members(self.room_id))
            self._check(sorted(self._members))

    # -- the checkpoint ------------------------------------------------------------------

    def decided(self, messages: Sequence[InboundMessage]) -> None:
        """The runner stored these messages' decisions (``Checkpointer``): the cursor may
        move past them (saved in the background)."""
        ids = {m.message_id for m in messages if m.message_id}
        for _, waiting in self._pending:
            waiting -= ids
        if self._advance():
            with contextlib.suppress(RuntimeError):  # no loop: saved at the next sync
                asyncio.get_running_loop().create_task(self._save())

    def _advance(self) -> bool:
        moved = False
        while self._pending and not self._pending[0][1]:
            self._checkpoint = self._pending.popleft()[0]
            moved = True
        while len(self._pending) > 10_000:  # the runner never said: keep memory bounded
            self._checkpoint = self._pending.popleft()[0]
            moved = True
        return moved

    async def _save(self) -> None:
        if self._saving is None:
            self._saving = asyncio.Lock()
        async with self._saving:
            token = self._checkpoint
            if token is None or token == self._saved:
                return
            try:
                await asyncio.to_thread(self.cursor.save, token)
                self._saved = token
            except Exception as exc:  # the database is away: saved at the next chance
                log.warning("saving the Matrix sync token failed: %s", type(exc).__name__)

    # -- the sync loop -------------------------------------------------------------------

    async def messages(self) -> AsyncIterator[InboundMessage]:
        s = self.settings
        delays = backoff_delays(s.backoff_base_s, s.backoff_cap_s, self._rng)
        if self.since is None:
            self.since = await asyncio.to_thread(self.cursor.load)
            self.resumed_from = self._saved = self._checkpoint = self.since
        while not self._closed.is_set():
            try:
                if self.room_id is None:
                    await self._setup()
                async for msg in self._sync_once():
                    yield msg
                delays = backoff_delays(s.backoff_base_s, s.backoff_cap_s, self._rng)
                continue
            except _Fatal as exc:
                self.ready.clear()
                self.last_error = str(exc)
                log.error("Matrix: %s; not reconnecting", exc)
                return
            except TokenRefused as exc:
                self.ready.clear()
                self.last_error = f"the access token was refused ({exc.errcode or exc.status})"
                log.error("Matrix: %s; not reconnecting", self.last_error)
                return
            except (MatrixError, httpx.HTTPError, OSError, ValueError) as exc:
                self.ready.clear()
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("Matrix: %s", self.last_error)
            if self._closed.is_set():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), next(delays))
        self.ready.clear()
        await self._save()

    async def _setup(self) -> None:
        s = self.settings
        who = await self.api.whoami()
        if who != s.user_id:
            raise _Fatal(f"the access token is for {who}, not {s.user_id}")
        self.room_id = await self.api.join(s.room)
        self._applier.room_id = self.room_id
        self._creators = parse.creators(await self.api.create_event(self.room_id))
        self._applier.creators = self._creators
        if not self._mutes_resumed:  # the mutes a previous run left: put back when they end
            self._mutes_resumed = True
            stored = await asyncio.to_thread(self._applier.mute_store.load)
            self._applier.resume_mutes(stored)
        content = await self.api.power_levels(self.room_id)
        self.levels = parse.PowerLevels.from_content(content, self._creators)
        mine = self.levels.level(s.user_id)
        short = [
            name
            for name, needed in (
                ("redact", self.levels.redact),
                ("kick", self.levels.kick),
                ("ban", self.levels.ban),
            )
            if mine < needed
        ]
        if short:
            log.warning("the bot's power level %d in %s is below what %s need", mine, s.room, short)
        await self._setup_policies()
        wide = policy.with_policy_rooms(
            parse.sync_filter(self.room_id, s.timeline_limit), self.policy_room_ids.values()
        )
        self._filter = _compact(wide)

    async def _sync_or_close(self, since: str | None, timeout_ms: int) -> dict[str, Any] | None:
        """One ``/sync``; None when ``close`` came first (the long poll is cancelled)."""
        task = asyncio.ensure_future(self.api.sync(self._filter, since, timeout_ms))
        closer = asyncio.ensure_future(self._closed.wait())
        await asyncio.wait({task, closer}, return_when=asyncio.FIRST_COMPLETED)
        closer.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return None

    async def _sync_once(self) -> AsyncIterator[InboundMessage]:
        assert self.room_id is not None
        first = self.since is None
        try:
            timeout_ms = 0 if first else self.settings.sync_timeout_ms
            resp = await self._sync_or_close(self.since, timeout_ms)
        except MatrixError as exc:
            if exc.status != 400 or first or isinstance(exc, TokenRefused):
                raise
            # a token the homeserver does not know (its database replaced): start from now
            self.last_error = f"the saved sync token was refused ({exc.errcode}); started from now"
            log.error("Matrix: %s", self.last_error)
            self.since = None
            self._pending.clear()
            return
        if resp is None:
            return
        self.syncs += 1
        self.ready.set()
        next_batch = resp.get("next_batch")
        if not isinstance(next_batch, str):
            raise ValueError("a sync answer without next_batch")
        update = parse.room_update(resp, self.room_id)
        if update.power_levels is not None:
            self.levels = parse.PowerLevels.from_content(update.power_levels, self._creators)
        events: list[Mapping[str, Any]] = []
        if not first:  # the first sync without a stored token starts from now
            if update.limited and update.prev_batch is not None:
                events.extend(await self._backfill(update.prev_batch, self.since))
            events.extend(update.events)
        # the names are kept even from the first sync: lazy loading sends a member once
        seen_names = parse.display_names([*update.events, *events])
        for user_id, name in {**update.names, **seen_names}.items():
            self._applier.note_name(user_id, name)
        for room_id in self.policy_room_ids.values():
            if self.policies.update(room_id, policy.room_events(resp, room_id)):
                self._check(sorted(self._members))  # a new rule: everyone in the room
        if self.policy_room_ids:
            self._membership(events if not first else update.events)
        msgs = []
        for event in events:
            msg = parse.inbound_message(
                event,
                self.room_id,
                self.levels,
                self.settings.user_id,
                self.settings.levels,
                self._applier.names,
            )
            if msg is None or msg.message_id is None or msg.message_id in self._seen:
                continue
            self._seen[msg.message_id] = None
            while len(self._seen) > 10_000:
                self._seen.popitem(last=False)
            msgs.append(msg)
        self.since = next_batch
        self._pending.append((next_batch, {m.message_id for m in msgs if m.message_id}))
        if self._advance():
            await self._save()
        for msg in msgs:
            yield msg
        if update.left:  # kicked or banned: what was said before it is decided above
            self.room_id = None
            self.ready.clear()
            raise MatrixError("sync", 403, "M_FORBIDDEN", "the bot is no longer in the room")

    async def _backfill(self, start: str, stop: str | None) -> list[Mapping[str, Any]]:
        """The events of a gap, oldest first: ``/messages`` back from ``start`` to ``stop``."""
        assert self.room_id is not None
        found: list[Mapping[str, Any]] = []
        token: str | None = start
        while token is not None and len(found) < MAX_BACKFILL:
            chunk, token = await self.api.messages_between(
                self.room_id, token, stop, _compact({"types": list(parse.TIMELINE_TYPES)})
            )
            found.extend(chunk)
        if token is not None:
            log.warning("a sync gap of more than %d events: the oldest are skipped", MAX_BACKFILL)
        return list(reversed(found))


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
