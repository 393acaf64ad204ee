"""A channel's stored chat history over a time window, for replay, preview and export.

Every stored message (whatever its status: delivered, held, blocked, denied, deleted, ...) with
its sender's name and the sender's membership row in the channel (for the role), as a
``HistoryRow``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import channel_roles, messages, users

_HISTORY = (
    sa.select(
        messages.c.id,
        messages.c.public_id,
        messages.c.sender_id,
        messages.c.text,
        messages.c.status,
        messages.c.initial_status,
        messages.c.created_at,
        messages.c.decision,
        users.c.username.label("sender_name"),
        channel_roles.c.role.label("member_role"),
        channel_roles.c.subscribed.label("member_subscribed"),
        channel_roles.c.followed_at.label("member_followed_at"),
    )
    .join(users, users.c.id == messages.c.sender_id)
    .outerjoin(
        channel_roles,
        sa.and_(
            channel_roles.c.channel_id == messages.c.channel_id,
            channel_roles.c.user_id == messages.c.sender_id,
        ),
    )
)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One stored message with its sender's name and membership row (the ``member_*``
    fields; ``member_role`` None: the sender has none)."""

    id: int
    public_id: str
    sender_id: int
    text: str
    status: str
    initial_status: str
    created_at: datetime
    decision: dict[str, Any] | None
    sender_name: str
    member_role: str | None
    member_subscribed: bool | None
    member_followed_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> HistoryRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def history_txn(
    conn: Connection, channel_id: int, *, since: datetime, until: datetime, limit: int
) -> list[HistoryRow]:
    """The newest ``limit`` messages created in ``[since, until]``, oldest first."""
    query = (
        _HISTORY.where(
            messages.c.channel_id == channel_id,
            messages.c.created_at >= since,
            messages.c.created_at <= until,
        )
        .order_by(messages.c.created_at.desc(), messages.c.id.desc())
        .limit(limit)
    )
    return [HistoryRow.from_row(row) for row in reversed(list(conn.execute(query).mappings()))]


def count_history_txn(
    conn: Connection, channel_id: int, *, since: datetime, until: datetime
) -> int:
    """How many messages were created in ``[since, until]``."""
    query = (
        sa.select(sa.func.count())
        .select_from(messages)
        .where(
            messages.c.channel_id == channel_id,
            messages.c.created_at >= since,
            messages.c.created_at <= until,
        )
    )
    return int(conn.execute(query).scalar_one())


def senders_before_txn(
    conn: Connection, channel_id: int, user_ids: list[int], before: datetime
) -> set[int]:
    """Which of ``user_ids`` had a message in the channel created before ``before`` (a replay
    of a window counts the others as first-time chatters)."""
    found: set[int] = set()
    wanted = sorted(set(user_ids))
    for start in range(0, len(wanted), 500):
        query = (
            sa.select(messages.c.sender_id)
            .where(
                messages.c.channel_id == channel_id,
                messages.c.sender_id.in_(wanted[start : start + 500]),
                messages.c.created_at < before,
            )
            .distinct()
        )
        found.update(int(r) for r in conn.execute(query).scalars())
    return found
