"""A connector wired to ChatWarden: platform messages through the one decision path, and the
decisions' consequences back onto the platform.

In: the connector's messages are gathered into batches (whatever arrived while the last batch
was being decided) and sent, in a worker thread, through ``PlatformChatService.send``, which is
``ChatService.send_messages``: the same rules, AutoMod, detection, store and events as our own
chat. Each message is keyed by the platform's message id, so a message the platform sends again
(a reconnect, a bouncer's replay) comes back ``replayed`` and is neither decided nor acted on a
second time.

Out: the message's own fate (``fate_effects``: held or blocked) is applied at once; everything
else ChatWarden decides about the platform's users arrives on the channel's moderators' topic
(detection's timeouts, the strike ladder's warnings, timeouts and bans, and what moderators do
in Mod View) and is mapped by ``moderation_effects``. Only users this connector brought in are
acted on; the platform's own moderation is never echoed back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chatwarden.bus import Subscription, mods_topic
from chatwarden.connectors.base import (
    Checkpointer,
    Connector,
    InboundMessage,
    Lifter,
    ListBan,
    ListBanner,
    PlatformRules,
    PlatformUser,
    Releaser,
    fate_effects,
    lifted,
    moderation_effects,
    public_reason,
)
from chatwarden.connectors.status import StatusReporter
from chatwarden.errors import ChatWardenError, Conflict, Forbidden
from chatwarden.rules.effects import Ban, Deliver, Effect, EffectApplier, Target
from chatwarden.service.base import Deps
from chatwarden.service.chat.platform import PlatformChatService, PlatformSend, PlatformSender
from chatwarden.service.events import AUTOMOD_UPDATE
from chatwarden.service.types import Actor
from chatwarden.services import Services

log = logging.getLogger(__name__)

_REMEMBERED = 10_000  # messages and users kept to map events back to the platform


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one platform message: the chat service's status (``error``: it
    refused the message, e.g. too long) and the effects applied on the platform."""

    message: InboundMessage
    status: str
    reason: str | None
    replayed: bool
    message_id: str | None  # ChatWarden's id of the stored message
    effects: tuple[Effect, ...] = ()


@dataclass
class RunnerStats:
    decided: int = 0
    replayed: int = 0
    acted: int = 0
    refused: int = 0
    last_error: str | None = None
    last_message_at: datetime | None = None
    outcomes: list[Outcome] = field(default_factory=list)  # the latest (bounded)


class ConnectorRunner:
    """Runs one connector for one ChatWarden channel (``channel_name``; made, owned by the
    bot's user, if it does not exist). Run from a stored connection (``connection_id``), it
    reports the connection's status there (``connectors/status.py``), its ``secrets`` masked
    in any error it stores, and stops when the connection is removed."""

    def __init__(
        self,
        services: Services,
        connector: Connector,
        channel_name: str,
        bot: PlatformUser,
        *,
        max_batch: int = 256,
        connection_id: int | None = None,
        secrets: Sequence[str] = (),
        status_interval_s: float = 1.0,
    ) -> None:
        deps = Deps(services.db, services.clock, services.bus, services.config, services.state)
        self.services = services
        self.platform = PlatformChatService(deps, services.chat)
        self.connector = connector
        self.applier: EffectApplier = connector.applier
        self.channel_name = channel_name
        self.bot = bot
        self.max_batch = max_batch
        self.channel_id: int | None = None
        self.stats = RunnerStats()
        self._platform_ids: OrderedDict[str, str | None] = OrderedDict()  # ours -> platform's
        self._logins: OrderedDict[int, str] = OrderedDict()  # our user id -> platform login
        self._sub: Subscription | None = None
        self.status: StatusReporter | None = None
        if connection_id is not None:
            self.status = StatusReporter(
                services,
                connection_id,
                connector,
                lambda: (self.stats.last_message_at, self.stats.last_error),
                secrets,
                status_interval_s,
                on_removed=self.close,
                heartbeat_s=10 * status_interval_s,
            )

    async def start(self) -> int:
        """Bind the channel and listen to its moderators' topic; the channel id."""
        if self.channel_id is None:
            sender = PlatformSender(self.bot.platform, self.bot.id, self.bot.login)
            channel = await asyncio.to_thread(self.platform.bind_channel, self.channel_name, sender)
            self.channel_id = channel.id
            self._sub = self.services.bus.subscribe(mods_topic(channel.id), self._on_events)
        return self.channel_id

    async def run(self) -> None:
        """Decide the connector's messages until it ends (``close``)."""
        await self.start()
        queue: asyncio.Queue[InboundMessage | None] = asyncio.Queue()

        async def read() -> None:
            try:
                async for msg in self.connector.messages():
                    queue.put_nowait(msg)
            finally:
                queue.put_nowait(None)

        reader = asyncio.create_task(read())
        rules = asyncio.create_task(self._platform_rules())
        lists = asyncio.create_task(self._follow_lists())
        watcher = asyncio.create_task(self.status.watch()) if self.status is not None else None
        try:
            done = False
            while not done:
                batch = [await queue.get()]
                while not queue.empty() and len(batch) < self.max_batch:
                    batch.append(queue.get_nowait())
                done = None in batch
                msgs = [m for m in batch if m is not None]
                if msgs:
                    outcomes = await self.handle_batch(msgs)
                    if isinstance(self.connector, Checkpointer):
                        self.connector.decided([o.message for o in outcomes])
        finally:
            for task in (reader, watcher, rules, lists):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if self.status is not None:
                await self.status.report(stopping=True)

    async def _platform_rules(self) -> None:
        """A stored connection whose connector can read the platform's own rules keeps them
        for Mod View (read once at start; a refusal, e.g. a missing permission, is logged)."""
        if self.status is None or not isinstance(self.connector, PlatformRules):
            return
        try:
            rules = await self.connector.platform_rules()
            await asyncio.to_thread(
                self.services.connections.report_platform_rules, self.status.connection_id, rules
            )
        except Exception as exc:  # the rules are information; the connector goes on
            log.warning("reading the platform's own rules failed: %s: %s", type(exc).__name__, exc)

    async def _follow_lists(self) -> None:
        """A connector that follows shared ban lists: each ban it asks for, in turn."""
        if not isinstance(self.connector, ListBanner):
            return
        async for ban in self.connector.list_bans():
            try:
                await asyncio.to_thread(self.list_ban, ban)
            except Exception as exc:  # the database failed: the next join asks again
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("a ban from a shared list failed")

    def list_ban(self, ban: ListBan) -> None:
        """Ban a member a shared list names: in ChatWarden, so it is in the mod log with the
        list's reason and its source, and the moderators' topic brings the ``Ban`` to the
        applier. The bot bans where it may (a channel it made); in a channel whose owner
        connected it (the bot holds no role there) the ban is the owner's, who chose to
        follow the list. Someone already banned in ChatWarden (back in the room) is banned
        on the platform directly."""
        assert self.channel_id is not None
        channel_id = self.channel_id
        member = self.platform.actor(PlatformSender(ban.user.platform, ban.user.id, ban.user.login))
        _remember(self._logins, member.user_id, ban.user.login)
        bot = self.platform.actor(PlatformSender(self.bot.platform, self.bot.id, self.bot.login))
        owner = self.services.channels.get_channel(channel_id).owner_id
        reason = f"{ban.reason} (policy list {ban.source})"[:500]
        actors = [bot] if owner == bot.user_id else [bot, Actor(owner, "owner")]
        for actor in actors:
            try:
                self.services.actions.ban(
                    actor, channel_id, member.user_id, reason, source=ban.source
                )
                return
            except Forbidden:
                continue  # the bot holds no role in this channel: the owner's, then
            except Conflict:
                break  # banned in ChatWarden already: only the platform is behind
            except ChatWardenError as exc:
                self.stats.last_error = f"ban from {ban.source} not in the mod log: {exc}"
                log.warning("%s", self.stats.last_error)
                break
        self._apply(Target(channel_id, member.user_id, ban.user.login), [Ban(reason)])

    async def close(self) -> None:
        if self._sub is not None:
            self._sub.close()
            self._sub = None
        await self.connector.close()

    async def handle_batch(self, msgs: Sequence[InboundMessage]) -> list[Outcome]:
        """Decide a batch and apply each message's own fate on the platform."""
        channel_id = await self.start()
        self.stats.last_message_at = self.services.clock.now()
        items = [
            PlatformSend(
                PlatformSender(m.platform, m.user.id, m.user.login, m.role),
                m.text,
                m.idempotency_key,
                m.emote_codes,
            )
            for m in msgs
        ]
        try:
            results = await asyncio.to_thread(self.platform.send, channel_id, items)
        except Exception as exc:  # the database failed: nothing decided, nothing done
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("deciding %d platform messages failed", len(msgs))
            return []
        outcomes = []
        for msg, result in zip(msgs, results, strict=True):
            outcomes.append(self._outcome(channel_id, msg, result))
        self.stats.outcomes = [*self.stats.outcomes, *outcomes][-100:]
        return outcomes

    def _outcome(self, channel_id: int, msg: InboundMessage, result: Any) -> Outcome:
        if isinstance(result, ChatWardenError):
            self.stats.refused += 1
            log.info("refused a %s message: %s", msg.platform, result)
            return Outcome(msg, "error", str(result), False, None)
        if result.message_id is not None:
            _remember(self._platform_ids, result.message_id, msg.message_id)
        actor = self.platform.actor(
            PlatformSender(msg.platform, msg.user.id, msg.user.login, msg.role)
        )
        _remember(self._logins, actor.user_id, msg.user.login)
        if result.replayed:
            self.stats.replayed += 1
            return Outcome(msg, result.status, result.reason, True, result.message_id)
        self.stats.decided += 1
        said = public_reason(result.status, result.reason, result.decision)
        effects = [e for e in fate_effects(result.status, said) if not _noop(e)]
        if effects:
            target = Target(channel_id, actor.user_id, msg.user.login, msg.message_id, msg.text)
            self._apply(target, effects)
        return Outcome(msg, result.status, result.reason, False, result.message_id, tuple(effects))

    def _on_events(self, chunk: list[dict[str, Any]]) -> None:
        """The moderators' topic: what ChatWarden decided about this platform's users."""
        if self.channel_id is None:
            return
        now = self.services.clock.now()
        for envelope in chunk:
            self._release(envelope)
            self._lift(envelope)
            for mod in moderation_effects(envelope, now):
                login = self._logins.get(mod.user_id)
                if login is None:
                    continue  # not someone this connector brought in
                platform_id = None
                if mod.message_id is not None:
                    platform_id = self._platform_ids.get(mod.message_id)
                target = Target(self.channel_id, mod.user_id, login, platform_id)
                self._apply(target, [mod.effect])

    def _release(self, envelope: dict[str, Any]) -> None:
        """A held message allowed in Mod View, on a platform that deleted it at once (Discord):
        the applier posts it again."""
        event = envelope.get("event") or {}
        if envelope.get("type") != AUTOMOD_UPDATE or event.get("status") != "approved":
            return
        platform_id = self._platform_ids.get(str(event.get("message_id")))
        if platform_id is None or not isinstance(self.applier, Releaser):
            return
        try:
            if self.applier.release(platform_id):
                self.stats.acted += 1
        except Exception as exc:  # as _apply: one failed action must not stop the connector
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("re-posting an allowed message failed")

    def _lift(self, envelope: dict[str, Any]) -> None:
        """A ban or timeout lifted in ChatWarden, lifted on the platform where it can be."""
        found = lifted(envelope)
        login = self._logins.get(found[0]) if found is not None else None
        if found is None or login is None or not isinstance(self.applier, Lifter):
            return
        try:
            if self.applier.lift(login, found[1]):
                self.stats.acted += 1
        except Exception as exc:  # as _apply
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("lifting a %s on the platform failed", found[1])

    def _apply(self, target: Target, effects: list[Effect]) -> None:
        try:
            self.applier.apply(target, effects)
            self.stats.acted += len(effects)
        except Exception as exc:  # one failed action must not stop the connector
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("applying %s on the platform failed", [type(e).__name__ for e in effects])


def _noop(effect: Effect) -> bool:
    return isinstance(effect, Deliver)


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _REMEMBERED:
        cache.popitem(last=False)
