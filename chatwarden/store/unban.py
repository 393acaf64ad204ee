"""Unban requests: at most one pending per user and channel (a partial unique index)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from chatwarden.store.schema import unban_requests, users

_REQUEST = sa.select(unban_requests, users.c.username).join(
    users, users.c.id == unban_requests.c.user_id
)


def insert_request_txn(
    conn: Connection, *, channel_id: int, user_id: int, text: str, created_at: datetime
) -> int:
    result = conn.execute(
        sa.insert(unban_requests)
        .values(
            channel_id=channel_id,
            user_id=user_id,
            text=text,
            status="pending",
            created_at=created_at,
            resolution_note="",
            private_note="",
        )
        .returning(unban_requests.c.id)
    )
    return int(result.scalar_one())


def get_request_txn(conn: Connection, request_id: int) -> RowMapping | None:
    query = _REQUEST.where(unban_requests.c.id == request_id)
    return conn.execute(query).mappings().first()


def list_requests_txn(
    conn: Connection, channel_id: int, *, status: str | None, user_id: int | None = None
) -> list[RowMapping]:
    query = _REQUEST.where(unban_requests.c.channel_id == channel_id)
    if status is not None:
        query = query.where(unban_requests.c.status == status)
    if user_id is not None:
        query = query.where(unban_requests.c.user_id == user_id)
    return list(conn.execute(query.order_by(unban_requests.c.id)).mappings())


def resolve_request_txn(
    conn: Connection,
    request_id: int,
    *,
    status: str,
    resolved_by: int,
    now: datetime,
    resolution_note: str,
    private_note: str,
) -> bool:
    """Resolve a pending request; False if it was already resolved."""
    query = (
        sa.update(unban_requests)
        .where(unban_requests.c.id == request_id, unban_requests.c.status == "pending")
        .values(
            status=status,
            resolved_by=resolved_by,
            resolved_at=now,
            resolution_note=resolution_note,
            private_note=private_note,
        )
    )
    return conn.execute(query).rowcount == 1
