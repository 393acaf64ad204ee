"""Channels, their members (roles, follows, subscriptions, sanctions) and their terms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.idlists import one_of
from chatwarden.store.schema import channel_roles, channel_terms, channels, users


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """One channel as stored (what services pass along a request: permissions, settings and
    the broadcaster fields of every event)."""

    id: int
    name: str
    owner_id: int
    created_at: datetime
    chat_settings: dict[str, Any]
    automod_settings: dict[str, Any]
    settings_rev: int
    rules: list[str] | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ChannelRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One user's standing in one channel: the granted role, follow and subscription, and the
    sanctions (ban, timeout, pending warning) that sending a message checks."""

    channel_id: int
    user_id: int
    role: str  # owner, lead_moderator, moderator, vip or viewer
    followed_at: datetime | None
    subscribed: bool
    banned: bool
    timeout_until: datetime | None
    warned_at: datetime | None
    warning_reason: str | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> MemberRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class ChannelTermRow:
    """One of a channel's own AutoMod terms (``expires_at`` None: never expires)."""

    id: int
    channel_id: int
    text: str
    kind: Literal["blocked", "permitted"]
    private: bool
    is_regex: bool
    created_by: int | None
    created_at: datetime
    expires_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ChannelTermRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def _channel(row: Mapping[Any, Any] | None) -> ChannelRow | None:
    return None if row is None else ChannelRow.from_row(row)


def insert_channel_txn(
    conn: Connection,
    *,
    name: str,
    owner_id: int,
    created_at: datetime,
    chat_settings: dict[str, Any],
    automod_settings: dict[str, Any],
) -> int:
    result = conn.execute(
        sa.insert(channels)
        .values(
            name=name,
            owner_id=owner_id,
            created_at=created_at,
            chat_settings=chat_settings,
            automod_settings=automod_settings,
            settings_rev=0,
        )
        .returning(channels.c.id)
    )
    return int(result.scalar_one())


def get_channel_txn(conn: Connection, channel_id: int) -> ChannelRow | None:
    query = sa.select(channels).where(channels.c.id == channel_id)
    return _channel(conn.execute(query).mappings().first())


def get_channel_by_name_txn(conn: Connection, name: str) -> ChannelRow | None:
    query = sa.select(channels).where(channels.c.name == name.lower())
    return _channel(conn.execute(query).mappings().first())


def count_owned_channels_txn(conn: Connection, owner_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(channels).where(channels.c.owner_id == owner_id)
    return int(conn.execute(query).scalar_one())


def list_channels_txn(conn: Connection) -> list[ChannelRow]:
    query = sa.select(channels).order_by(channels.c.id)
    return [ChannelRow.from_row(row) for row in conn.execute(query).mappings()]


def update_channel_txn(conn: Connection, channel_id: int, **values: Any) -> None:
    conn.execute(sa.update(channels).where(channels.c.id == channel_id).values(**values))


def bump_settings_rev_txn(conn: Connection, channel_id: int) -> None:
    conn.execute(
        sa.update(channels)
        .where(channels.c.id == channel_id)
        .values(settings_rev=channels.c.settings_rev + 1)
    )


def get_member_txn(conn: Connection, channel_id: int, user_id: int) -> MemberRow | None:
    query = sa.select(channel_roles).where(
        channel_roles.c.channel_id == channel_id, channel_roles.c.user_id == user_id
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else MemberRow.from_row(row)


def get_members_txn(conn: Connection, channel_id: int, user_ids: list[int]) -> dict[int, MemberRow]:
    """The member rows of ``user_ids`` in one channel (absent users are left out), by user."""
    if not user_ids:
        return {}
    query = sa.select(channel_roles).where(
        channel_roles.c.channel_id == channel_id, one_of(conn, channel_roles.c.user_id, user_ids)
    )
    return {row["user_id"]: MemberRow.from_row(row) for row in conn.execute(query).mappings()}


def members_of_user_txn(conn: Connection, user_id: int) -> dict[int, MemberRow]:
    """Every member row of one user, by channel id."""
    query = sa.select(channel_roles).where(channel_roles.c.user_id == user_id)
    return {row["channel_id"]: MemberRow.from_row(row) for row in conn.execute(query).mappings()}


def ensure_member_txn(conn: Connection, channel_id: int, user_id: int) -> MemberRow:
    """The member row, created (as a plain viewer) if missing; safe against concurrent creation."""
    row = get_member_txn(conn, channel_id, user_id)
    if row is not None:
        return row
    values = {
        "channel_id": channel_id,
        "user_id": user_id,
        "role": "viewer",
        "subscribed": False,
        "banned": False,
    }
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(channel_roles).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(channel_roles).values(**values).on_conflict_do_nothing())
    row = get_member_txn(conn, channel_id, user_id)
    assert row is not None
    return row


def update_member_txn(conn: Connection, channel_id: int, user_id: int, **values: Any) -> None:
    ensure_member_txn(conn, channel_id, user_id)
    conn.execute(
        sa.update(channel_roles)
        .where(channel_roles.c.channel_id == channel_id, channel_roles.c.user_id == user_id)
        .values(**values)
    )


def list_members_txn(
    conn: Connection, channel_id: int, roles: list[str] | None = None
) -> list[tuple[MemberRow, str]]:
    """The channel's member rows (``roles``: of these granted roles only), each with the
    member's username."""
    query = (
        sa.select(channel_roles, users.c.username)
        .join(users, users.c.id == channel_roles.c.user_id)
        .where(channel_roles.c.channel_id == channel_id)
        .order_by(channel_roles.c.user_id)
    )
    if roles is not None:
        query = query.where(channel_roles.c.role.in_(roles))
    return [(MemberRow.from_row(row), row["username"]) for row in conn.execute(query).mappings()]


def _live(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(channel_terms.c.expires_at.is_(None), channel_terms.c.expires_at > now)


def list_terms_txn(
    conn: Connection, channel_id: int, *, now: datetime | None = None
) -> list[ChannelTermRow]:
    """The channel's terms, oldest first; with ``now`` only those not expired by then."""
    query = (
        sa.select(channel_terms)
        .where(channel_terms.c.channel_id == channel_id)
        .order_by(channel_terms.c.id)
    )
    if now is not None:
        query = query.where(_live(now))
    return [ChannelTermRow.from_row(row) for row in conn.execute(query).mappings()]


def delete_expired_terms_txn(
    conn: Connection, now: datetime, channel_id: int | None = None
) -> list[ChannelTermRow]:
    """Delete the terms expired by ``now`` (of one channel, or of all); the deleted rows."""
    query = sa.delete(channel_terms).where(channel_terms.c.expires_at <= now)
    if channel_id is not None:
        query = query.where(channel_terms.c.channel_id == channel_id)
    rows = conn.execute(query.returning(*channel_terms.c)).mappings()
    return [ChannelTermRow.from_row(row) for row in rows]


def get_term_txn(conn: Connection, term_id: int) -> ChannelTermRow | None:
    query = sa.select(channel_terms).where(channel_terms.c.id == term_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else ChannelTermRow.from_row(row)


def insert_term_txn(
    conn: Connection,
    *,
    channel_id: int,
    text: str,
    kind: str,
    private: bool,
    is_regex: bool,
    created_by: int | None,
    created_at: datetime,
    expires_at: datetime | None = None,
) -> int:
    result = conn.execute(
        sa.insert(channel_terms)
        .values(
            channel_id=channel_id,
            text=text,
            kind=kind,
            private=private,
            is_regex=is_regex,
            created_by=created_by,
            created_at=created_at,
            expires_at=expires_at,
        )
        .returning(channel_terms.c.id)
    )
    return int(result.scalar_one())


def delete_term_txn(conn: Connection, term_id: int) -> int:
    return conn.execute(sa.delete(channel_terms).where(channel_terms.c.id == term_id)).rowcount
