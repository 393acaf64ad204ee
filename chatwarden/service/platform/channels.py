"""Channels and the people in them: owner, lead moderators, moderators, VIPs, followers, subs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from chatwarden.errors import Conflict, Forbidden, InputError, NotFound
from chatwarden.service import events
from chatwarden.service.base import ServiceBase, effective_role
from chatwarden.service.permissions import Permission, allowed
from chatwarden.service.platform.rules import clean_rules
from chatwarden.service.types import Actor, Channel, ChannelAccess, ChatSettings, Member
from chatwarden.settings import AutoModSettings, Role
from chatwarden.store import audit
from chatwarden.store import channels as store
from chatwarden.store.channels import ChannelRow, MemberRow
from chatwarden.store.engine import is_unique_violation

CHANNEL_NAME = re.compile(r"^[a-z0-9_]{3,25}$")

#: the permission needed to grant or remove each role
_ROLE_PERMISSION = {
    Role.LEAD_MODERATOR: Permission.MANAGE_LEAD_MODERATORS,
    Role.MODERATOR: Permission.MANAGE_MODERATORS,
    Role.VIP: Permission.MANAGE_VIPS,
}
_ASSIGNABLE = (Role.LEAD_MODERATOR, Role.MODERATOR, Role.VIP, Role.VIEWER)


def to_channel(row: ChannelRow) -> Channel:
    return Channel(row.id, row.name, row.owner_id, row.created_at)


class ChannelService(ServiceBase):
    def create_channel(self, actor: Actor, name: str) -> Channel:
        """A new channel owned by ``actor`` (names: 3-25 lowercase letters, digits or ``_``)."""
        if not isinstance(name, str) or not CHANNEL_NAME.match(name.lower()):
            raise InputError("channel name must be 3-25 characters: letters, digits or '_'")
        if not actor.has_scope("channel:manage"):
            raise Forbidden("this token lacks the 'channel:manage' scope")
        now = self.clock.now()
        try:
            with self.db.write() as conn:
                self._check_channel_quota_txn(conn, actor)
                channel_id = store.insert_channel_txn(
                    conn,
                    name=name.lower(),
                    owner_id=actor.user_id,
                    created_at=now,
                    chat_settings=ChatSettings().model_dump(mode="json"),
                    automod_settings=AutoModSettings().model_dump(mode="json", exclude={"terms"}),
                )
                store.update_member_txn(conn, channel_id, actor.user_id, role=Role.OWNER.value)
                row = self.channel_txn(conn, channel_id)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise Conflict(f"a channel named {name.lower()!r} exists") from None
            raise
        return to_channel(row)

    def _check_channel_quota_txn(self, conn: Connection, actor: Actor) -> None:
        limit = self.config.max_channels_per_account
        if not actor.is_admin and store.count_owned_channels_txn(conn, actor.user_id) >= limit:
            raise Forbidden(
                f"an account may own at most {limit} channels (max_channels_per_account)"
            )

    def get_channel(self, channel_id: int) -> Channel:
        with self.db.read() as conn:
            return to_channel(self.channel_txn(conn, channel_id))

    def get_channel_by_name(self, name: str) -> Channel:
        with self.db.read() as conn:
            row = store.get_channel_by_name_txn(conn, str(name))
        if row is None:
            raise NotFound(f"no channel named {name!r}")
        return to_channel(row)

    def list_channels(self) -> list[Channel]:
        with self.db.read() as conn:
            return [to_channel(r) for r in store.list_channels_txn(conn)]

    def role_of(self, channel_id: int, user_id: int) -> Role:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            return self.role_txn(conn, channel, user_id)

    def mod_view_channels(self, actor: Actor) -> list[str]:
        """The names of the channels whose Mod View ``actor`` may open (``view_queue``): a hint
        for the channel list, which offers Mod View only there; Mod View checks again."""
        with self.db.read() as conn:
            rows = store.list_channels_txn(conn)
            members = store.members_of_user_txn(conn, actor.user_id)
        out = []
        for channel in rows:
            member = members.get(channel.id)
            role = effective_role(channel, actor.user_id, member)
            banned = bool(member is not None and member.banned)
            if allowed(actor, role, Permission.VIEW_QUEUE, banned=banned):
                out.append(str(channel.name))
        return out

    def access_of(self, actor: Actor, channel_id: int) -> ChannelAccess:
        """The caller's role here, every permission they hold (what a page may offer) and
        their own standing (banned, timed out, warned).

        Only a hint for user interfaces: each action is still checked when it is requested.
        """
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            member = store.get_member_txn(conn, channel_id, actor.user_id)
            role = effective_role(channel, actor.user_id, member)
        banned = bool(member is not None and member.banned)
        held = [p.value for p in Permission if allowed(actor, role, p, banned=banned)]
        now = self.clock.now()
        until = None if member is None else member.timeout_until
        if until is not None and until <= now:
            until = None
        warned = member is not None and member.warned_at is not None
        return ChannelAccess(
            role=role,
            permissions=held,
            banned=banned,
            timeout_until=until,
            timeout_left_s=None if until is None else (until - now).total_seconds(),
            warning=(member.warning_reason or "") if warned and member is not None else None,
        )

    def set_role(self, actor: Actor, channel_id: int, user_id: int, role: Role) -> Member:
        """Grant ``role`` (lead_moderator, moderator, vip) or remove any granted role (viewer).

        Lead moderators add and remove moderators and VIPs; only the owner manages lead
        moderators. The owner's role never changes.
        """
        try:
            role = Role(role)
        except ValueError:
            raise InputError(f"role must be one of {', '.join(_ASSIGNABLE)}") from None
        if role not in _ASSIGNABLE:
            raise InputError(f"role must be one of {', '.join(_ASSIGNABLE)}, got {role.value!r}")
        with self.transaction() as out:
            conn = out.conn
            channel = self.channel_txn(conn, channel_id)
            target = self.user_txn(conn, user_id)
            if user_id == channel.owner_id:
                raise Forbidden("the owner's role cannot be changed")
            current = self.role_txn(conn, channel, user_id)
            # managing any role needs at least the VIP permission, even a no-op viewer -> viewer
            changed = {role, current} & set(_ROLE_PERMISSION) or {Role.VIP}
            for each in changed:
                self.require_txn(conn, actor, channel, _ROLE_PERMISSION[each], None)
            if user_id == actor.user_id and not actor.is_admin:
                raise Forbidden("you cannot change your own role")
            store.update_member_txn(conn, channel_id, user_id, role=role.value)
            if current != role:
                action = "role." + role.value if role is not Role.VIEWER else "role.remove"
                audit.append_txn(
                    conn,
                    channel_id=channel_id,
                    actor_id=actor.user_id,
                    action=action,
                    created_at=out.now,
                    target_user_id=user_id,
                    details={"from": current.value, "to": role.value},
                )
                word = {
                    Role.MODERATOR: "mod",
                    Role.VIP: "vip",
                    Role.LEAD_MODERATOR: "lead_mod",
                }
                if role in word:
                    verb = word[role]
                elif current in word:
                    verb = "un" + word[current]
                else:
                    verb = "role"
                out.moderated(channel, actor, verb, events.target(user_id, target.username))
                # the user's open chat sockets subscribed as the old role: they reconnect
                out.notify(user_id, "role_changed", channel_id, role=role.value)
            return self._member_txn(conn, channel, user_id)

    def get_rules(self, channel_id: int) -> list[str]:
        """The channel's rules, in order (anyone who can see the channel reads them)."""
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
        return list(channel.rules or [])

    def set_rules(self, actor: Actor, channel_id: int, rules: object) -> list[str]:
        """Replace the channel's rules (the owner and lead moderators; ``rules.clean_rules``
        says what is accepted). A change is written to the mod log with the list before and
        after, and told to everyone in the channel; the same list again changes nothing."""
        with self.transaction() as out:
            conn = out.conn
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_RULES)
            after = clean_rules(rules)
            before = list(channel.rules or [])
            if before != after:
                store.update_channel_txn(conn, channel_id, rules=after)
                audit.append_txn(
                    conn,
                    channel_id=channel_id,
                    actor_id=actor.user_id,
                    action="rules.update",
                    created_at=out.now,
                    details={"before": before, "after": after},
                )
                out.emit(
                    channel,
                    events.RULES_UPDATE,
                    {**events.broadcaster(channel), "rules": after},
                    public=True,
                    webhook=False,
                )
        return after

    def follow(self, actor: Actor, channel_id: int) -> Member:
        with self.db.write() as conn:
            channel = self.channel_txn(conn, channel_id)
            member = store.ensure_member_txn(conn, channel_id, actor.user_id)
            if member.followed_at is None:
                store.update_member_txn(
                    conn, channel_id, actor.user_id, followed_at=self.clock.now()
                )
            return self._member_txn(conn, channel, actor.user_id)

    def unfollow(self, actor: Actor, channel_id: int) -> Member:
        with self.db.write() as conn:
            channel = self.channel_txn(conn, channel_id)
            store.update_member_txn(conn, channel_id, actor.user_id, followed_at=None)
            return self._member_txn(conn, channel, actor.user_id)

    def set_subscribed(
        self, actor: Actor, channel_id: int, user_id: int, subscribed: bool
    ) -> Member:
        """Mark a subscription (the owner or an admin; there are no payments here)."""
        with self.db.write() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.user_txn(conn, user_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_SUBSCRIPTIONS)
            store.update_member_txn(conn, channel_id, user_id, subscribed=bool(subscribed))
            return self._member_txn(conn, channel, user_id)

    def list_members(
        self, actor: Actor, channel_id: int, roles: Iterable[Role] | None = None
    ) -> list[Member]:
        """Members with any relation to the channel (``roles`` filters by effective role)."""
        wanted = None if roles is None else {Role(r) for r in roles}
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_MEMBERS)
            rows = store.list_members_txn(conn, channel_id)
        members = [_member(channel, row, username) for row, username in rows]
        return [m for m in members if wanted is None or m.role in wanted]

    def _member_txn(self, conn: Connection, channel: ChannelRow, user_id: int) -> Member:
        row = store.ensure_member_txn(conn, channel.id, user_id)
        user = self.user_txn(conn, user_id)
        return _member(channel, row, user.username)


def _member(channel: ChannelRow, row: MemberRow, username: str) -> Member:
    return Member(
        channel_id=channel.id,
        user_id=row.user_id,
        username=username,
        role=effective_role(channel, row.user_id, row),
        followed_at=row.followed_at,
        subscribed=bool(row.subscribed),
    )
