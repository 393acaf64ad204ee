"""What every service shares: dependencies, transactions that publish after commit, lookups."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from chatwarden.bus import Bus, ChatState, channel_topic, mods_topic, user_topic
from chatwarden.clock import Clock
from chatwarden.config import ServiceConfig
from chatwarden.errors import NotFound
from chatwarden.service import events
from chatwarden.service.permissions import Permission, acting_role, require
from chatwarden.service.types import Actor, ChatMessage, User
from chatwarden.settings import Role
from chatwarden.store import accounts as account_store
from chatwarden.store import channels as channel_store
from chatwarden.store import webhooks as webhook_store
from chatwarden.store.accounts import UserRow
from chatwarden.store.channels import ChannelRow
from chatwarden.store.engine import Database
from chatwarden.store.messages import MessageRow
from chatwarden.store.webhooks import SubscriptionRow

_GRANTED = {r.value: r for r in (Role.LEAD_MODERATOR, Role.MODERATOR, Role.VIP)}


@dataclass(frozen=True)
class Deps:
    db: Database
    clock: Clock
    bus: Bus
    config: ServiceConfig
    state: ChatState


@dataclass
class Outbox:
    """Events raised inside one transaction. Webhook deliveries are written in the transaction
    (so they survive a crash); bus events are published only after the commit."""

    conn: Connection
    now: datetime
    published: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _subs: dict[int, list[SubscriptionRow]] = field(default_factory=dict)
    _deliveries: list[dict[str, Any]] = field(default_factory=list)

    def emit(
        self,
        channel: ChannelRow,
        event_type: str,
        event: dict[str, Any],
        *,
        public: bool = False,
        mods: bool = True,
        webhook: bool = True,
    ) -> dict[str, Any]:
        """Queue ``event`` for the channel topic (``public``), the mods topic and webhooks."""
        env = events.envelope(event_type, event, self.now)
        if public:
            self.published.append((channel_topic(channel.id), env))
        if mods:
            self.published.append((mods_topic(channel.id), env))
        if webhook:
            self._queue_webhooks(channel, env)
        return env

    def removed_from_chat(
        self,
        channel: ChannelRow,
        message_id: str,
        sender_id: int,
        sender_name: str,
        removed_by: events.RemovedBy,
    ) -> None:
        """Tell every viewer that the stored message ``message_id`` (its public id) of
        ``sender_id`` left the chat, and who removed it."""
        self.emit(
            channel,
            events.CHAT_MESSAGE_DELETE,
            events.message_delete(
                channel,
                message_id=message_id,
                target_id=sender_id,
                target_name=sender_name,
                removed_by=removed_by,
            ),
            public=True,
            mods=False,
        )

    def moderated(
        self,
        channel: ChannelRow,
        actor: Actor,
        action: str,
        detail: dict[str, Any],
        **audience: bool,
    ) -> None:
        """A ``channel.moderate`` event for what ``actor`` did (``audience``: ``emit``'s
        ``public``, ``mods`` and ``webhook``)."""
        event = events.moderate(
            channel,
            moderator_id=actor.user_id,
            moderator_name=actor.username,
            action=action,
            detail=detail,
        )
        self.emit(channel, events.MODERATE, event, **audience)

    def notify(self, user_id: int, kind: str, channel_id: int, **fields: Any) -> None:
        env = events.envelope(events.NOTICE, events.notice(kind, channel_id, **fields), self.now)
        self.published.append((user_topic(user_id), env))

    def _queue_webhooks(self, channel: ChannelRow, env: dict[str, Any]) -> None:
        cid = int(channel.id)
        subs = self._subs.get(cid)
        if subs is None:
            subs = self._subs[cid] = webhook_store.list_subscriptions_txn(
                self.conn, cid, active_only=True
            )
        for sub in subs:
            if env["type"] not in sub.types:
                continue
            message_id = str(uuid.uuid4())
            body = {
                "subscription": {
                    "id": str(sub.id),
                    "type": env["type"],
                    "version": env["version"],
                    "status": "enabled",
                    "condition": events.condition(env["type"], channel.owner_id, sub.created_by),
                    "transport": {"method": "webhook", "callback": sub.url},
                    "created_at": sub.created_at.isoformat(),
                    "cost": 0,
                },
                "event": env["event"],
            }
            self._deliveries.append(
                {
                    "subscription_id": sub.id,
                    "message_id": message_id,
                    "event_type": env["type"],
                    "body": json.dumps(body, separators=(",", ":"), sort_keys=True),
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": self.now,
                    "created_at": self.now,
                }
            )

    def flush(self) -> None:
        """Write the queued webhook deliveries (one statement); ``transaction()`` calls this
        before the commit."""
        rows, self._deliveries = self._deliveries, []
        webhook_store.insert_deliveries_txn(self.conn, rows)


class ServiceBase:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.db = deps.db
        self.clock = deps.clock
        self.bus = deps.bus
        self.config = deps.config

    @contextmanager
    def transaction(self) -> Iterator[Outbox]:
        """A write transaction; its events are published after a successful commit."""
        now = self.clock.now()
        with self.db.write() as conn:
            outbox = Outbox(conn, now)
            yield outbox
            outbox.flush()
        if outbox.published:
            self.bus.publish_many(outbox.published)

    # -- lookups shared by the services -------------------------------------------------------

    @staticmethod
    def channel_txn(conn: Connection, channel_id: int) -> ChannelRow:
        row = channel_store.get_channel_txn(conn, channel_id)
        if row is None:
            raise NotFound(f"no channel with id {channel_id}")
        return row

    @staticmethod
    def user_txn(conn: Connection, user_id: int) -> UserRow:
        row = account_store.get_user_txn(conn, user_id)
        if row is None:
            raise NotFound(f"no user with id {user_id}")
        return row

    @staticmethod
    def role_txn(conn: Connection, channel: ChannelRow, user_id: int) -> Role:
        member = channel_store.get_member_txn(conn, channel.id, user_id)
        return effective_role(channel, user_id, member)

    def require_txn(
        self,
        conn: Connection,
        actor: Actor,
        channel: ChannelRow,
        perm: Permission,
        target_user_id: int | None = None,
    ) -> Role:
        """Check ``actor`` may do ``perm`` here (to ``target_user_id``); return the role whose
        powers the actor holds (a ban leaves only a viewer's: ``permissions.acting_role``)."""
        member = channel_store.get_member_txn(conn, channel.id, actor.user_id)
        role = effective_role(channel, actor.user_id, member)
        banned = member is not None and bool(member.banned)
        target_role = None
        if target_user_id is not None:
            target_role = self.role_txn(conn, channel, target_user_id)
            if target_user_id == actor.user_id and not actor.is_admin:
                target_role = role  # nobody outranks themselves
        require(actor, role, perm, target_role, banned=banned)
        return acting_role(role, banned=banned)


class RoleFacts(Protocol):
    """What a user's role in a channel is worked out from: a ``MemberRow``, or a ``Membership``
    read from a row that joins the member's columns under other names."""

    @property
    def role(self) -> str: ...
    @property
    def subscribed(self) -> bool: ...
    @property
    def followed_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Membership:
    role: str
    subscribed: bool
    followed_at: datetime | None


def effective_role(channel: ChannelRow, user_id: int, member: RoleFacts | None) -> Role:
    if channel.owner_id == user_id:
        return Role.OWNER
    if member is None:
        return Role.VIEWER
    granted = _GRANTED.get(member.role)
    if granted is not None:
        return granted
    if member.subscribed:
        return Role.SUBSCRIBER
    if member.followed_at is not None:
        return Role.FOLLOWER
    return Role.VIEWER


def to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        created_at=row.created_at,
        email_verified=bool(row.email_verified),
        phone_verified=bool(row.phone_verified),
        is_admin=bool(row.is_admin),
    )


def to_message(row: MessageRow) -> ChatMessage:
    return ChatMessage(
        id=row.public_id,
        channel_id=row.channel_id,
        sender_id=row.sender_id,
        sender_name=row.sender_name,
        text=row.text,
        status=row.status,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


def clean_text(value: str, name: str, max_length: int, *, allow_empty: bool = True) -> str:
    """Strip and length-check a free-text field (reasons, notes)."""
    from chatwarden.errors import InputError

    if not isinstance(value, str):
        raise InputError(f"{name} must be a string")
    value = value.strip()
    if not allow_empty and not value:
        raise InputError(f"{name} must not be empty")
    if len(value) > max_length:
        raise InputError(f"{name} is {len(value)} characters; the limit is {max_length}")
    return value
