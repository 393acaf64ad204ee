"""A connected platform's messages into the one decision path (issue 17).

A connector (``connectors/``) hands over each platform message with its sender as the platform
knows them; this service gives the sender a ChatWarden user (made on first sight, with a login
no registered account can take and no password, so nobody can log in as them), keeps their
channel role in step with the platform's badges or modes, adds the emotes the platform marked
to the channel's emote set (AutoMod's model never scores the channel's emotes), and sends the
batch through ``ChatService.send_messages``: the same rules, AutoMod, detection, store and
events as our own chat, keyed by the platform's message id, so a message seen twice is decided
once. What the platform must then do is the connector's (``connectors/base.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from chatwarden.errors import ChatWardenError, InputError
from chatwarden.service import events
from chatwarden.service.base import Deps, ServiceBase, effective_role
from chatwarden.service.chat.send import ChatService
from chatwarden.service.platform.channels import CHANNEL_NAME, to_channel
from chatwarden.service.types import Actor, Channel, ChatSettings, SendRequest, SendResult
from chatwarden.settings import AutoModSettings, Role
from chatwarden.store import accounts as account_store
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store.engine import is_unique_violation

#: a platform user's password hash: not an argon2 hash, so every login attempt fails
NO_PASSWORD = "!platform-user"
#: the most emote codes a channel's emote set takes from a platform
MAX_EMOTES = 5000

#: the stored (granted) role for each platform role; ChatWarden's owner is the channel's creator
_STORED_ROLE = {
    Role.OWNER: Role.LEAD_MODERATOR,
    Role.LEAD_MODERATOR: Role.LEAD_MODERATOR,
    Role.MODERATOR: Role.MODERATOR,
    Role.VIP: Role.VIP,
}


@dataclass(frozen=True, slots=True)
class PlatformSender:
    """A sender as the platform knows them and the role its badges or modes give them."""

    platform: str
    id: str
    login: str
    role: Role = Role.VIEWER


@dataclass(frozen=True, slots=True)
class PlatformSend:
    """One platform message to decide: ``key`` is its idempotency key (the platform's id)."""

    sender: PlatformSender
    text: str
    key: str | None = None
    emotes: frozenset[str] = frozenset()


def platform_login(platform: str, user_id: str) -> str:
    """The ``users.login`` of a platform user: 25 characters that no registered name (letters,
    digits, ``_``) can be, the same for the same platform id everywhere."""
    digest = hashlib.sha256(f"{platform}\0{user_id}".encode()).hexdigest()
    return "~" + digest[:24]


class PlatformChatService(ServiceBase):
    def __init__(self, deps: Deps, chat: ChatService) -> None:
        super().__init__(deps)
        self.chat = chat
        self._users: dict[tuple[str, str], Actor] = {}
        self._roles: dict[tuple[int, int], Role] = {}  # the platform role last stored
        self._emotes: dict[int, frozenset[str]] = {}

    def actor(self, sender: PlatformSender) -> Actor:
        """The ChatWarden user of a platform sender, made on first sight."""
        key = (sender.platform, sender.id)
        cached = self._users.get(key)
        if cached is not None and cached.username == sender.login[:25]:
            return cached
        login = platform_login(sender.platform, sender.id)
        username = sender.login[:25] or login
        try:
            user_id = self._user_id(login, username)
        except IntegrityError as exc:  # another connector made them meanwhile
            if not is_unique_violation(exc):
                raise
            user_id = self._user_id(login, username)
        actor = Actor(user_id=user_id, username=username)
        self._users[key] = actor
        return actor

    def _user_id(self, login: str, username: str) -> int:
        with self.db.write() as conn:
            row = account_store.get_user_by_login_txn(conn, login)
            if row is None:
                return account_store.insert_user_txn(
                    conn,
                    username=username,
                    password_hash=NO_PASSWORD,
                    created_at=self.clock.now(),
                    login=login,
                )
            if row.username != username:  # renamed on the platform
                account_store.update_user_txn(conn, row.id, username=username)
            return int(row.id)

    def bind_channel(self, name: str, bot: PlatformSender) -> Channel:
        """The ChatWarden channel that receives a platform channel's messages: ``name`` if it
        exists, else a new one owned by the bot's user."""
        name = name.lower()
        if not CHANNEL_NAME.match(name):
            raise InputError("channel name must be 3-25 characters: letters, digits or '_'")
        with self.db.read() as conn:
            row = channel_store.get_channel_by_name_txn(conn, name)
        if row is not None:
            return to_channel(row)
        owner = self.actor(bot)
        try:
            with self.db.write() as conn:
                channel_id = channel_store.insert_channel_txn(
                    conn,
                    name=name,
                    owner_id=owner.user_id,
                    created_at=self.clock.now(),
                    chat_settings=ChatSettings().model_dump(mode="json"),
                    automod_settings=AutoModSettings().model_dump(mode="json", exclude={"terms"}),
                )
                channel_store.update_member_txn(
                    conn, channel_id, owner.user_id, role=Role.OWNER.value
                )
                row = self.channel_txn(conn, channel_id)
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            with self.db.read() as conn:
                row = channel_store.get_channel_by_name_txn(conn, name)
            assert row is not None
        return to_channel(row)

    def sync_role(self, channel_id: int, actor: Actor, role: Role) -> None:
        """Store the role the platform gives ``actor`` (once per change)."""
        key = (channel_id, actor.user_id)
        if self._roles.get(key) is role:
            return
        granted = _STORED_ROLE.get(role, Role.VIEWER).value
        subscribed = role is Role.SUBSCRIBER
        with self.db.write() as conn:
            channel = self.channel_txn(conn, channel_id)
            member = channel_store.get_member_txn(conn, channel_id, actor.user_id)
            is_owner = effective_role(channel, actor.user_id, member) is Role.OWNER
            stale = member is None or (member.role, bool(member.subscribed)) != (
                granted,
                subscribed,
            )
            if not is_owner and stale and (member is not None or role is not Role.VIEWER):
                channel_store.update_member_txn(
                    conn, channel_id, actor.user_id, role=granted, subscribed=subscribed
                )
        self._roles[key] = role

    def add_emotes(self, channel_id: int, codes: frozenset[str], platform: str) -> None:
        """Add emote codes the platform marked to the channel's emote set (bounded)."""
        known = self._emotes.get(channel_id)
        if known is not None and codes <= known:
            return
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            settings = ChatSettings.model_validate(channel.chat_settings)
            have = frozenset(settings.emote_set)
            new = sorted(codes - have)[: max(0, MAX_EMOTES - len(have))]
            if new:
                after = settings.model_copy(update={"emote_set": (*settings.emote_set, *new)})
                data = after.model_dump(mode="json")
                channel_store.update_channel_txn(out.conn, channel_id, chat_settings=data)
                audit.append_txn(
                    out.conn,
                    channel_id=channel_id,
                    actor_id=None,
                    action="chat_settings.update",
                    created_at=out.now,
                    reason=f"emotes marked by {platform}",
                    details={"changed": {"emote_set": data["emote_set"]}, "added": new},
                )
                out.emit(
                    channel,
                    events.CHAT_SETTINGS_UPDATE,
                    events.chat_settings_update(channel, data),
                    public=True,
                )
            self._emotes[channel_id] = have | frozenset(new)

    def send(
        self, channel_id: int, items: Sequence[PlatformSend]
    ) -> list[SendResult | ChatWardenError]:
        """Decide and store a batch of one channel's platform messages (``send_messages``'s
        results, in order; a replayed key's result has ``replayed``)."""
        requests: list[SendRequest] = []
        emotes: set[str] = set()
        for item in items:
            actor = self.actor(item.sender)
            self.sync_role(channel_id, actor, item.sender.role)
            emotes |= item.emotes
            requests.append(
                SendRequest(actor, channel_id, item.text, item.key, platform=item.sender.platform)
            )
        if emotes:
            self.add_emotes(channel_id, frozenset(emotes), items[0].sender.platform)
        return self.chat.send_messages(requests)
