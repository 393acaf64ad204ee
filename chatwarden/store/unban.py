"""Unban requests: at most one pending per user and channel (a partial unique index). They
leave this module as ``UnbanRequestRow``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import unban_requests, users

_REQUEST = sa.select(unban_requests, users.c.username).join(
    users, users.c.id == unban_requests.c.user_id
)


@dataclass(frozen=True, slots=True)
class UnbanRequestRow:
    """One unban request with the requester's name. The team's private note stays out of
    ``repr`` (and so out of logs)."""

    id: int
    channel_id: int
    user_id: int
    username: str
    text: str
    status: str  # pending | approved | denied
    created_at: datetime
    resolved_by: int | None
    resolved_at: datetime | None
    resolution_note: str  # for the user
    private_note: str = field(repr=False)  # for the team only

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> UnbanRequestRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


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


def get_request_txn(conn: Connection, request_id: int) -> UnbanRequestRow | None:
    query = _REQUEST.where(unban_requests.c.id == request_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else UnbanRequestRow.from_row(row)


def list_requests_txn(
    conn: Connection, channel_id: int, *, status: str | None, user_id: int | None = None
) -> list[UnbanRequestRow]:
    query = _REQUEST.where(unban_requests.c.channel_id == channel_id)
    if status is not None:
        query = query.where(unban_requests.c.status == status)
    if user_id is not None:
        query = query.where(unban_requests.c.user_id == user_id)
    rows = conn.execute(query.order_by(unban_requests.c.id)).mappings()
    return [UnbanRequestRow.from_row(row) for row in rows]


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
