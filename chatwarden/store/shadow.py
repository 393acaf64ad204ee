"""Shadow mode storage: one candidate configuration per channel, and one result row per
evaluated message and configuration revision. Rows leave this module as ``ShadowConfigRow``,
``ShadowMessageRow`` and ``ShadowResultRow``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import channel_roles, messages, shadow_configs, shadow_results, users


@dataclass(frozen=True, slots=True)
class ShadowConfigRow:
    """A channel's shadow candidate (a settings patch and/or a model) and the evaluation
    cursor ``(cursor_at, cursor_message_id)`` of its revision ``rev``."""

    channel_id: int
    enabled: bool
    candidate_settings: dict[str, Any] | None
    candidate_model: str | None
    rev: int
    cursor_at: datetime
    cursor_message_id: int
    updated_by: int | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ShadowConfigRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class ShadowMessageRow:
    """A stored message to evaluate, with its sender's channel role row (``role`` None: the
    sender has none)."""

    id: int
    sender_id: int
    text: str
    initial_status: str
    created_at: datetime
    role: str | None
    subscribed: bool | None
    followed_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ShadowMessageRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class ShadowResultRow:
    """One evaluated message: what the live policy and the candidate did, with the message's
    statuses (the moderators' verdict), text and sender."""

    created_at: datetime
    live_action: str
    candidate_action: str
    candidate_reasons: list[dict[str, Any]] | None
    public_id: str
    text: str
    status: str
    initial_status: str
    decision: dict[str, Any] | None
    sender_name: str

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ShadowResultRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def get_config_txn(conn: Connection, channel_id: int) -> ShadowConfigRow | None:
    query = sa.select(shadow_configs).where(shadow_configs.c.channel_id == channel_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else ShadowConfigRow.from_row(row)


def enabled_configs_txn(conn: Connection) -> list[ShadowConfigRow]:
    query = (
        sa.select(shadow_configs)
        .where(shadow_configs.c.enabled.is_(True))
        .order_by(shadow_configs.c.channel_id)
    )
    return [ShadowConfigRow.from_row(row) for row in conn.execute(query).mappings()]


def upsert_config_txn(conn: Connection, channel_id: int, **values: Any) -> None:
    """Insert the channel's config, or replace it (bumping ``rev``: a new candidate)."""
    if get_config_txn(conn, channel_id) is None:
        conn.execute(sa.insert(shadow_configs).values(channel_id=channel_id, rev=1, **values))
    else:
        conn.execute(
            sa.update(shadow_configs)
            .where(shadow_configs.c.channel_id == channel_id)
            .values(rev=shadow_configs.c.rev + 1, **values)
        )


def update_config_txn(conn: Connection, channel_id: int, **values: Any) -> None:
    """Change fields of the channel's config without starting a new revision."""
    conn.execute(
        sa.update(shadow_configs).where(shadow_configs.c.channel_id == channel_id).values(**values)
    )


Cursor = tuple[datetime, int]


def advance_cursor_txn(
    conn: Connection, channel_id: int, rev: int, old: Cursor, new: Cursor
) -> bool:
    """Compare-and-set of the evaluation cursor ``(created_at, id)`` of the last evaluated
    message (False: another process moved it, or the configuration changed meanwhile)."""
    query = (
        sa.update(shadow_configs)
        .where(
            shadow_configs.c.channel_id == channel_id,
            shadow_configs.c.rev == rev,
            shadow_configs.c.cursor_at == old[0],
            shadow_configs.c.cursor_message_id == old[1],
        )
        .values(cursor_at=new[0], cursor_message_id=new[1])
    )
    return conn.execute(query).rowcount == 1


def max_message_id_txn(conn: Connection, channel_id: int) -> int:
    query = sa.select(sa.func.max(messages.c.id)).where(messages.c.channel_id == channel_id)
    return int(conn.execute(query).scalar_one() or 0)


def new_messages_txn(
    conn: Connection, channel_id: int, after: Cursor, until: datetime, limit: int
) -> list[ShadowMessageRow]:
    """Stored messages after the cursor ``(created_at, id)`` and created before ``until``, in
    that order, with the sender's channel role row (for AutoMod exemptions). Reads the
    (channel_id, created_at) index from the cursor on: a channel's history is never scanned."""
    query = (
        sa.select(
            messages.c.id,
            messages.c.sender_id,
            messages.c.text,
            messages.c.initial_status,
            messages.c.created_at,
            channel_roles.c.role,
            channel_roles.c.subscribed,
            channel_roles.c.followed_at,
        )
        .outerjoin(
            channel_roles,
            sa.and_(
                channel_roles.c.channel_id == messages.c.channel_id,
                channel_roles.c.user_id == messages.c.sender_id,
            ),
        )
        .where(
            messages.c.channel_id == channel_id,
            messages.c.created_at >= after[0],
            messages.c.created_at < until,
            sa.or_(messages.c.created_at > after[0], messages.c.id > after[1]),
        )
        .order_by(messages.c.created_at, messages.c.id)
        .limit(limit)
    )
    return [ShadowMessageRow.from_row(row) for row in conn.execute(query).mappings()]


def insert_results_txn(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(shadow_results), rows)


def results_between_txn(
    conn: Connection, channel_id: int, rev: int, start: datetime, end: datetime
) -> list[ShadowResultRow]:
    """Results of revision ``rev`` for messages created in ``[start, end)``, with the message's
    statuses (for the moderators' verdict) and text."""
    query = (
        sa.select(
            shadow_results.c.created_at,
            shadow_results.c.live_action,
            shadow_results.c.candidate_action,
            shadow_results.c.candidate_reasons,
            messages.c.public_id,
            messages.c.text,
            messages.c.status,
            messages.c.initial_status,
            messages.c.decision,
            users.c.username.label("sender_name"),
        )
        .join(messages, messages.c.id == shadow_results.c.message_id)
        .join(users, users.c.id == messages.c.sender_id)
        .where(
            shadow_results.c.channel_id == channel_id,
            shadow_results.c.rev == rev,
            shadow_results.c.created_at >= start,
            shadow_results.c.created_at < end,
        )
        .order_by(shadow_results.c.created_at, shadow_results.c.id)
    )
    return [ShadowResultRow.from_row(row) for row in conn.execute(query).mappings()]
