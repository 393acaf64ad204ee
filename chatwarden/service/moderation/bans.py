"""Who is banned in a channel, and finding any user by name, for the mod team.

Both need ``view_members`` (moderators and up): the ban list shows each ban's reason and
moderator from the mod log, which viewers never see. Unbanning from the list goes through
``ActionService.unban`` like any other unban, so the mod log records it the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chatwarden.errors import InputError
from chatwarden.service.base import Membership, ServiceBase, effective_role
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor
from chatwarden.settings import Role
from chatwarden.store import people as store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.people import BanRow, UserMatchRow

#: what a search may start with: the characters a username may hold (accounts.USERNAME)
PREFIX = re.compile(r"^[A-Za-z0-9_]{1,25}$")
#: matches a user search returns at most (a search box shows a short list, not a directory)
MAX_MATCHES = 20
MAX_PAGE = 100


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class BannedUser:
    """A banned member and the newest mod-log entry that banned them (None fields when the
    log has none)."""

    user_id: int
    username: str
    reason: str | None
    moderator_id: int | None
    moderator_name: str | None
    banned_at: datetime | None
    #: ``ban`` (a moderator) or ``strike.ban`` (the channel's strike ladder, no moderator)
    action: str | None
    mod_log_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "reason": self.reason,
            "moderator_id": self.moderator_id,
            "moderator_name": self.moderator_name,
            "banned_at": _iso(self.banned_at),
            "action": self.action,
            "mod_log_id": self.mod_log_id,
        }


@dataclass(frozen=True, slots=True)
class BanPage:
    total: int
    offset: int
    limit: int
    bans: list[BannedUser]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
            "bans": [b.to_dict() for b in self.bans],
        }


@dataclass(frozen=True, slots=True)
class UserMatch:
    """A user found by name, with their standing in the channel."""

    user_id: int
    username: str
    role: Role
    banned: bool
    timeout_until: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "role": self.role.value,
            "banned": self.banned,
            "timed_out": self.timeout_until is not None,
            "timeout_until": _iso(self.timeout_until),
        }


def clean_prefix(q: str, *, allow_empty: bool = False) -> str:
    """The search text, checked: a name's first characters (letters, digits, ``_``)."""
    if not isinstance(q, str):
        raise InputError("q must be text")
    q = q.strip()
    if allow_empty and not q:
        return ""
    if not PREFIX.match(q):
        raise InputError("q must be 1 to 25 letters, digits or '_' (the start of a username)")
    return q


class BanListService(ServiceBase):
    def list_bans(
        self, actor: Actor, channel_id: int, *, q: str = "", limit: int = 25, offset: int = 0
    ) -> BanPage:
        """Banned members, newest ban first; ``q`` keeps names starting with it; page with
        ``offset`` (``total`` counts every match)."""
        prefix = clean_prefix(q, allow_empty=True) or None
        if not 1 <= limit <= MAX_PAGE:
            raise InputError(f"limit must be 1 to {MAX_PAGE}")
        if offset < 0:
            raise InputError("offset must be 0 or more")
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_MEMBERS)
            total = store.count_bans_txn(conn, channel_id, prefix=prefix)
            rows = store.list_bans_txn(conn, channel_id, prefix=prefix, limit=limit, offset=offset)
        return BanPage(total, offset, limit, [_banned(r) for r in rows])

    def find_users(self, actor: Actor, channel_id: int, q: str) -> list[UserMatch]:
        """Up to ``MAX_MATCHES`` accounts whose name starts with ``q`` (any case), with their
        role here and whether they are banned or timed out now."""
        prefix = clean_prefix(q)
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_MEMBERS)
            rows = store.find_users_txn(conn, channel_id, prefix, MAX_MATCHES)
        now = self.clock.now()
        return [_match(channel, r, now) for r in rows]


def _banned(row: BanRow) -> BannedUser:
    return BannedUser(
        user_id=row.user_id,
        username=row.username,
        reason=row.reason,
        moderator_id=row.actor_id,
        moderator_name=row.actor_name,
        banned_at=row.banned_at,
        action=row.action,
        mod_log_id=row.ban_id,
    )


def _match(channel: ChannelRow, row: UserMatchRow, now: datetime) -> UserMatch:
    member = (
        None if row.role is None else Membership(row.role, bool(row.subscribed), row.followed_at)
    )
    until = row.timeout_until
    return UserMatch(
        user_id=row.user_id,
        username=row.username,
        role=effective_role(channel, row.user_id, member),
        banned=bool(row.banned),
        timeout_until=until if until is not None and until > now else None,
    )
