"""Health analytics storage: minute roll-ups, per-channel watermarks, first-time chatters, and
the range reads of finished minutes (messages, resolved review items, mod-log entries). Rows
leave this module as frozen dataclasses (``RollupRow``, ``ResolutionRow``, ...)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from chatwarden.store.channels import ChannelRow
from chatwarden.store.schema import (
    analytics_first_chatters,
    analytics_minutes,
    analytics_watermarks,
    channel_roles,
    channels,
    messages,
    mod_log,
    review_items,
    users,
)

RESOLVED = ("allowed", "denied", "expired")
MOD_ROLES = ("lead_moderator", "moderator")


@dataclass(frozen=True, slots=True)
class ResolutionRow:
    """A held message's review item resolved in a range: how and when."""

    status: str  # allowed | denied | expired
    held_at: datetime
    resolved_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ResolutionRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class ModActionRow:
    """A mod-log entry in a range; ``details`` only for ``detection.*`` entries (else None)."""

    id: int
    actor_id: int | None
    action: str
    created_at: datetime
    details: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ModActionRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class FirstChatterRow:
    """When a first-time chatter first chatted, and came back (None: not yet)."""

    first_at: datetime
    returned_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> FirstChatterRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class RollupRow:
    """One stored channel-minute roll-up (``analytics.rollup.MinuteRollup`` as stored: the
    JSON columns as read)."""

    channel_id: int
    minute: datetime
    messages: int
    chatters: int
    repeated: int
    entropy_sum: float
    emote_only: int
    allowed: int
    held: int
    blocked: int
    category_findings: dict[str, int]
    held_by_category: dict[str, int]
    resolved_allowed: int
    resolved_denied: int
    expired: int
    decision_seconds: list[float]
    mod_actions: int
    mod_actions_by_actor: dict[str, int]
    first_time_chatters: int
    raid_events: int
    bot_wave_events: int

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> RollupRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class ChannelNameRow:
    """A channel's id and name."""

    id: int
    name: str

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ChannelNameRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


# -- watermarks ---------------------------------------------------------------------------------


def watermarks_txn(conn: Connection) -> dict[int, datetime]:
    rows = conn.execute(sa.select(analytics_watermarks))
    return {int(r.channel_id): r.rolled_until for r in rows}


def watermark_txn(conn: Connection, channel_id: int) -> datetime | None:
    query = sa.select(analytics_watermarks.c.rolled_until).where(
        analytics_watermarks.c.channel_id == channel_id
    )
    value: datetime | None = conn.execute(query).scalar_one_or_none()
    return value


def channels_txn(conn: Connection) -> list[ChannelRow]:
    query = sa.select(channels).order_by(channels.c.id)
    return [ChannelRow.from_row(row) for row in conn.execute(query).mappings()]


def emote_set_txn(conn: Connection, channel_id: int) -> tuple[str, ...]:
    """The channel's emote set (from its chat settings)."""
    query = sa.select(channels.c.chat_settings).where(channels.c.id == channel_id)
    settings = conn.execute(query).scalar_one_or_none() or {}
    return tuple(str(e) for e in settings.get("emote_set", ()))


def advance_watermark_txn(
    conn: Connection, channel_id: int, old: datetime | None, new: datetime
) -> bool:
    """Compare-and-set: move the channel's watermark from ``old`` (None: no row yet) to ``new``.
    False when another process moved it first (the caller rolls its transaction back)."""
    if old is None:
        exists = conn.execute(
            sa.select(analytics_watermarks.c.channel_id).where(
                analytics_watermarks.c.channel_id == channel_id
            )
        ).first()
        if exists is not None:
            return False
        conn.execute(
            sa.insert(analytics_watermarks).values(channel_id=channel_id, rolled_until=new)
        )
        return True
    query = (
        sa.update(analytics_watermarks)
        .where(
            analytics_watermarks.c.channel_id == channel_id,
            analytics_watermarks.c.rolled_until == old,
        )
        .values(rolled_until=new)
    )
    return conn.execute(query).rowcount == 1


# -- what happened in a channel, by time --------------------------------------------------------


def next_activity_txn(conn: Connection, channel_id: int, since: datetime | None) -> datetime | None:
    """The time of the channel's first message, resolved review item or mod-log entry at or
    after ``since`` (None: ever)."""
    found: list[datetime] = []
    for column, extra in (
        (messages.c.created_at, messages.c.channel_id == channel_id),
        (review_items.c.resolved_at, review_items.c.channel_id == channel_id),
        (mod_log.c.created_at, mod_log.c.channel_id == channel_id),
    ):
        query = sa.select(sa.func.min(column)).where(extra)
        if since is not None:
            query = query.where(column >= since)
        value = conn.execute(query).scalar_one()
        if value is not None:
            found.append(value)
    return min(found) if found else None


def messages_in_minute_txn(
    conn: Connection, channel_id: int, minute: datetime
) -> Sequence[Row[int, int, str, str]]:
    """The messages sent in ``[minute, minute + 1 min)`` in the order they were stored:
    ``(id, sender_id, text, initial_status)`` rows."""
    query = (
        sa.select(messages.c.id, messages.c.sender_id, messages.c.text, messages.c.initial_status)
        .where(
            messages.c.channel_id == channel_id,
            messages.c.created_at >= minute,
            messages.c.created_at < minute + timedelta(minutes=1),
        )
        .order_by(messages.c.created_at, messages.c.id)
    )
    return conn.execute(query).all()


def decisions_between_txn(
    conn: Connection, channel_id: int, start: datetime, end: datetime, statuses: Sequence[str]
) -> dict[int, Any]:
    """The reasons of the stored decisions of the messages in the range whose initial status is
    one of ``statuses`` (decoding every allowed message's decision would double the roll-up's
    cost), by message id."""
    query = sa.select(messages.c.id, messages.c.decision["reasons"].label("reasons")).where(
        messages.c.channel_id == channel_id,
        messages.c.created_at >= start,
        messages.c.created_at < end,
        messages.c.initial_status.in_(statuses),
    )
    return {int(pk): decision for pk, decision in conn.execute(query)}


def resolutions_between_txn(
    conn: Connection, channel_id: int, start: datetime, end: datetime
) -> list[ResolutionRow]:
    query = sa.select(
        review_items.c.status, review_items.c.held_at, review_items.c.resolved_at
    ).where(
        review_items.c.channel_id == channel_id,
        review_items.c.resolved_at >= start,
        review_items.c.resolved_at < end,
        review_items.c.status.in_(RESOLVED),
    )
    return [ResolutionRow.from_row(row) for row in conn.execute(query).mappings()]


def mod_actions_between_txn(
    conn: Connection, channel_id: int, start: datetime, end: datetime
) -> list[ModActionRow]:
    """Entries in the range; ``details`` only for entries of automatic detectors (action
    ``detection.*``), whose findings name raids and bot waves (decoding every AutoMod hold's
    details would cost as much as the rest of the roll-up)."""
    details = sa.case((mod_log.c.action.like("detection.%"), mod_log.c.details), else_=sa.null())
    query = sa.select(
        mod_log.c.id,
        mod_log.c.actor_id,
        mod_log.c.action,
        mod_log.c.created_at,
        sa.type_coerce(details, sa.JSON).label("details"),
    ).where(
        mod_log.c.channel_id == channel_id,
        mod_log.c.created_at >= start,
        mod_log.c.created_at < end,
    )
    return [ModActionRow.from_row(row) for row in conn.execute(query).mappings()]


# -- first-time chatters ------------------------------------------------------------------------


def first_chatters_txn(
    conn: Connection, channel_id: int, user_ids: Sequence[int]
) -> dict[int, tuple[datetime, datetime | None]]:
    """``(first_at, returned_at)`` of the given chatters who ever chatted here (the roll-up
    records every chatter's first minute, so a chatter missing here is a first-time chatter)."""
    if not user_ids:
        return {}
    table = analytics_first_chatters
    query = sa.select(table.c.user_id, table.c.first_at, table.c.returned_at).where(
        table.c.channel_id == channel_id, table.c.user_id.in_(user_ids)
    )
    return {int(user): (first, back) for user, first, back in conn.execute(query)}


def insert_first_chatters_txn(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(analytics_first_chatters), rows)


def mark_returned_txn(conn: Connection, channel_id: int, returns: dict[int, datetime]) -> None:
    if not returns:
        return
    table = analytics_first_chatters
    query = (
        sa.update(table)
        .where(
            table.c.channel_id == channel_id,
            table.c.user_id == sa.bindparam("uid"),
            table.c.returned_at.is_(None),
        )
        .values(returned_at=sa.bindparam("when"))
    )
    conn.execute(query, [{"uid": uid, "when": when} for uid, when in returns.items()])


def first_chatters_between_txn(
    conn: Connection, channel_id: int, start: datetime, end: datetime
) -> list[FirstChatterRow]:
    table = analytics_first_chatters
    query = sa.select(table.c.first_at, table.c.returned_at).where(
        table.c.channel_id == channel_id, table.c.first_at >= start, table.c.first_at < end
    )
    return [FirstChatterRow.from_row(row) for row in conn.execute(query).mappings()]


# -- roll-up rows -------------------------------------------------------------------------------


def insert_rollups_txn(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(analytics_minutes), rows)


def rollups_between_txn(
    conn: Connection, channel_id: int, start: datetime, end: datetime
) -> list[RollupRow]:
    query = (
        sa.select(analytics_minutes)
        .where(
            analytics_minutes.c.channel_id == channel_id,
            analytics_minutes.c.minute >= start,
            analytics_minutes.c.minute < end,
        )
        .order_by(analytics_minutes.c.minute)
    )
    return [RollupRow.from_row(row) for row in conn.execute(query).mappings()]


# -- lookups for the queries --------------------------------------------------------------------


def usernames_txn(conn: Connection, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    query = sa.select(users.c.id, users.c.username).where(users.c.id.in_(ids))
    return {int(uid): str(name) for uid, name in conn.execute(query)}


def moderated_channels_txn(conn: Connection, user_id: int) -> list[ChannelNameRow]:
    """Channels ``user_id`` owns or moderates (lead moderator or moderator), by name."""
    granted = sa.select(channel_roles.c.channel_id).where(
        channel_roles.c.user_id == user_id, channel_roles.c.role.in_(MOD_ROLES)
    )
    query = (
        sa.select(channels.c.id, channels.c.name)
        .where(sa.or_(channels.c.owner_id == user_id, channels.c.id.in_(granted)))
        .order_by(channels.c.name)
    )
    return [ChannelNameRow.from_row(row) for row in conn.execute(query).mappings()]


def pending_review_count_txn(conn: Connection) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(review_items)
        .where(review_items.c.status == "pending")
    )
    return int(conn.execute(query).scalar_one())
