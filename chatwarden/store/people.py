"""Finding people in a channel: who is banned (with the mod-log entry of the ban) and users by
the start of their name. Read-only; the member rows and the mod log are written elsewhere.
Rows leave this module as ``BanRow`` and ``UserMatchRow``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from chatwarden.store.schema import channel_roles, mod_log, users

#: mod-log actions that ban someone: a moderator's ban and the strike ladder's last step
BAN_ACTIONS = ("ban", "strike.ban")


@dataclass(frozen=True, slots=True)
class BanRow:
    """A banned member with the newest ban entry of the mod log (its fields None when there
    is none, e.g. a ban written before the log kept one)."""

    user_id: int
    username: str
    ban_id: int | None  # the mod-log entry's id
    action: str | None  # ban | strike.ban
    reason: str | None
    banned_at: datetime | None
    actor_id: int | None
    actor_name: str | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> BanRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class UserMatchRow:
    """An account whose name matched, with its member row in the channel (``role`` None: it
    has none, and the other member fields are None too)."""

    user_id: int
    username: str
    role: str | None
    subscribed: bool | None
    followed_at: datetime | None
    banned: bool | None
    timeout_until: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> UserMatchRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def _banned_where(channel_id: int, prefix: str | None) -> list[sa.ColumnElement[bool]]:
    where = [channel_roles.c.channel_id == channel_id, channel_roles.c.banned.is_(True)]
    if prefix:
        where.append(users.c.login.startswith(prefix.lower(), autoescape=True))
    return where


def list_bans_txn(
    conn: Connection, channel_id: int, *, prefix: str | None = None, limit: int, offset: int
) -> list[BanRow]:
    """Banned members, newest ban first, each with the newest ban entry of the mod log
    (``ban_id``, ``reason``, ``banned_at``, ``actor_id``, ``actor_name``, ``action``; None
    when no entry exists, e.g. a ban written before the log kept one; those come last).

    The entry is found by a correlated ``max(id)`` on the (channel, target, action) index,
    so a page costs one query however long the log is."""
    bans = aliased(mod_log)
    latest = (
        sa.select(sa.func.max(bans.c.id))
        .where(
            bans.c.channel_id == channel_id,
            bans.c.target_user_id == channel_roles.c.user_id,
            bans.c.action.in_(BAN_ACTIONS),
        )
        .correlate(channel_roles)
        .scalar_subquery()
    )
    actor = aliased(users)
    query: sa.Select[Any] = (
        sa.select(
            channel_roles.c.user_id,
            users.c.username,
            mod_log.c.id.label("ban_id"),
            mod_log.c.action,
            mod_log.c.reason,
            mod_log.c.created_at.label("banned_at"),
            mod_log.c.actor_id,
            actor.c.username.label("actor_name"),
        )
        .select_from(channel_roles)
        .join(users, users.c.id == channel_roles.c.user_id)
        .outerjoin(mod_log, mod_log.c.id == latest)
        .outerjoin(actor, actor.c.id == mod_log.c.actor_id)
        .where(*_banned_where(channel_id, prefix))
        .order_by(sa.func.coalesce(mod_log.c.id, 0).desc(), channel_roles.c.user_id)
        .limit(limit)
        .offset(offset)
    )
    return [BanRow.from_row(row) for row in conn.execute(query).mappings()]


def count_bans_txn(conn: Connection, channel_id: int, *, prefix: str | None = None) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(channel_roles)
        .join(users, users.c.id == channel_roles.c.user_id)
        .where(*_banned_where(channel_id, prefix))
    )
    return int(conn.execute(query).scalar_one())


def find_users_txn(
    conn: Connection, channel_id: int, prefix: str, limit: int
) -> list[UserMatchRow]:
    """Users whose name starts with ``prefix`` (case-insensitive: the lowercase ``login``;
    ``_`` and ``%`` are literal), alphabetical, with their member row in the channel (its
    columns None when they have none): any account, not only people who chatted here."""
    query = (
        sa.select(
            users.c.id.label("user_id"),
            users.c.username,
            channel_roles.c.role,
            channel_roles.c.subscribed,
            channel_roles.c.followed_at,
            channel_roles.c.banned,
            channel_roles.c.timeout_until,
        )
        .select_from(users)
        .outerjoin(
            channel_roles,
            sa.and_(
                channel_roles.c.user_id == users.c.id, channel_roles.c.channel_id == channel_id
            ),
        )
        .where(users.c.login.startswith(prefix.lower(), autoescape=True))
        .order_by(users.c.login)
        .limit(limit)
    )
    return [UserMatchRow.from_row(row) for row in conn.execute(query).mappings()]
