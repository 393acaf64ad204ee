"""The hold-for-review queue: one item per held message; resolved by a conditional update."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from chatwarden.store.schema import messages, review_items, users

_ITEM = (
    sa.select(
        review_items,
        messages.c.public_id,
        messages.c.sender_id,
        messages.c.text,
        messages.c.status.label("message_status"),
        messages.c.created_at.label("message_created_at"),
        messages.c.delivered_at,
        messages.c.decision,
        users.c.username.label("sender_name"),
    )
    .join(messages, messages.c.id == review_items.c.message_id)
    .join(users, users.c.id == messages.c.sender_id)
)


@dataclass(frozen=True, slots=True)
class ReviewItemRow:
    """One held message's review item, joined with its message and sender (what the queue,
    calibration and expiry read)."""

    id: int
    message_id: int  # the message's primary key
    channel_id: int
    status: str  # pending | allowed | denied | expired
    held_at: datetime
    expires_at: datetime
    resolved_by: int | None
    resolved_at: datetime | None
    public_id: str  # the message's public id
    sender_id: int
    text: str
    message_status: str
    message_created_at: datetime
    delivered_at: datetime | None
    decision: dict[str, Any] | None
    sender_name: str
    resolver_name: str | None = None  # only the handled and decided lists join the resolver

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ReviewItemRow:
        return cls(**{f.name: row[f.name] for f in fields(cls) if f.name in row})


def _items(conn: Connection, query: sa.Select[Any]) -> list[ReviewItemRow]:
    return [ReviewItemRow.from_row(row) for row in conn.execute(query).mappings()]


def insert_item_txn(
    conn: Connection, *, message_pk: int, channel_id: int, held_at: datetime, expires_at: datetime
) -> int:
    result = conn.execute(
        sa.insert(review_items)
        .values(
            message_id=message_pk,
            channel_id=channel_id,
            status="pending",
            held_at=held_at,
            expires_at=expires_at,
        )
        .returning(review_items.c.id)
    )
    return int(result.scalar_one())


def insert_items_txn(conn: Connection, rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert many items at once (rows share their keys); item id by message id."""
    if not rows:
        return {}
    conn.execute(sa.insert(review_items), rows)
    query = sa.select(review_items.c.message_id, review_items.c.id).where(
        review_items.c.message_id.in_([row["message_id"] for row in rows])
    )
    return {int(message_pk): int(pk) for message_pk, pk in conn.execute(query)}


def get_item_txn(conn: Connection, item_id: int) -> ReviewItemRow | None:
    row = conn.execute(_ITEM.where(review_items.c.id == item_id)).mappings().first()
    return None if row is None else ReviewItemRow.from_row(row)


def list_pending_txn(conn: Connection, channel_id: int, now: datetime) -> list[ReviewItemRow]:
    query = _ITEM.where(
        review_items.c.channel_id == channel_id,
        review_items.c.status == "pending",
        review_items.c.expires_at > now,
    ).order_by(review_items.c.id)
    return _items(conn, query)


#: the statuses of a decided item (by a moderator, or by time)
HANDLED = ("allowed", "denied", "expired")


def list_handled_txn(conn: Connection, channel_id: int, limit: int) -> list[ReviewItemRow]:
    """The most recently decided items, newest first, each with its resolver's name."""
    resolver = aliased(users)
    query = (
        _ITEM.add_columns(resolver.c.username.label("resolver_name"))
        .outerjoin(resolver, resolver.c.id == review_items.c.resolved_by)
        .where(review_items.c.channel_id == channel_id, review_items.c.status.in_(HANDLED))
        .order_by(review_items.c.resolved_at.desc(), review_items.c.id.desc())
        .limit(limit)
    )
    return _items(conn, query)


def list_decided_since_txn(
    conn: Connection, channel_id: int, since: datetime
) -> list[ReviewItemRow]:
    """Items a moderator allowed or denied at or after ``since``, oldest first, each with its
    resolver's name (expired items were decided by nobody)."""
    resolver = aliased(users)
    query = (
        _ITEM.add_columns(resolver.c.username.label("resolver_name"))
        .join(resolver, resolver.c.id == review_items.c.resolved_by)
        .where(
            review_items.c.channel_id == channel_id,
            review_items.c.status.in_(("allowed", "denied")),
            review_items.c.resolved_at >= since,
        )
        .order_by(review_items.c.resolved_at, review_items.c.id)
    )
    return _items(conn, query)


def resolve_item_txn(
    conn: Connection, item_id: int, status: str, *, resolved_by: int | None, now: datetime
) -> bool:
    """Move a pending, unexpired item to ``status``. False if someone else got there first."""
    query = (
        sa.update(review_items)
        .where(
            review_items.c.id == item_id,
            review_items.c.status == "pending",
            review_items.c.expires_at > now,
        )
        .values(status=status, resolved_by=resolved_by, resolved_at=now)
    )
    return conn.execute(query).rowcount == 1


def due_for_expiry_txn(conn: Connection, now: datetime, limit: int) -> list[ReviewItemRow]:
    query = (
        _ITEM.where(review_items.c.status == "pending", review_items.c.expires_at <= now)
        .order_by(review_items.c.id)
        .limit(limit)
    )
    return _items(conn, query)


def expire_item_txn(conn: Connection, item_id: int, now: datetime) -> bool:
    query = (
        sa.update(review_items)
        .where(review_items.c.id == item_id, review_items.c.status == "pending")
        .values(status="expired", resolved_at=now)
    )
    return conn.execute(query).rowcount == 1
