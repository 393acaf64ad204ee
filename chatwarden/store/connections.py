"""A channel's connections to other platforms' chats (the credential arrives already sealed).
They leave this module as ``ConnectionRow``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import connections


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    """One connection as stored. The sealed credential stays out of ``repr`` (and so out of
    logs); only ``ConnectionService`` opens it."""

    id: int
    channel_id: int
    platform: str
    target: str
    room: str
    account: str
    options: dict[str, Any]
    credential: str | None = field(repr=False)
    status: str
    status_at: datetime | None
    last_message_at: datetime | None
    last_error: str | None
    created_by: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ConnectionRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def insert_connection_txn(
    conn: Connection,
    *,
    channel_id: int,
    platform: str,
    target: str,
    room: str,
    account: str,
    options: dict[str, Any],
    credential: str | None,
    created_by: int | None,
    created_at: datetime,
) -> int:
    """A new connection, ``disconnected`` until its runner says otherwise; its id."""
    result = conn.execute(
        sa.insert(connections)
        .values(
            channel_id=channel_id,
            platform=platform,
            target=target,
            room=room,
            account=account,
            options=options,
            credential=credential,
            status="disconnected",
            created_by=created_by,
            created_at=created_at,
        )
        .returning(connections.c.id)
    )
    return int(result.scalar_one())


def get_connection_txn(
    conn: Connection, connection_id: int, *, for_update: bool = False
) -> ConnectionRow | None:
    """The connection; ``for_update``: locked until the transaction ends (PostgreSQL's ``FOR
    UPDATE``, so two read-merge-writes of its credential queue; SQLite's writers queue already)."""
    query = sa.select(connections).where(connections.c.id == connection_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return None if row is None else ConnectionRow.from_row(row)


def list_connections_txn(conn: Connection, channel_id: int | None = None) -> list[ConnectionRow]:
    """A channel's connections (every channel's with None), oldest first."""
    query = sa.select(connections).order_by(connections.c.id)
    if channel_id is not None:
        query = query.where(connections.c.channel_id == channel_id)
    return [ConnectionRow.from_row(row) for row in conn.execute(query).mappings()]


def delete_connection_txn(conn: Connection, connection_id: int) -> int:
    query = sa.delete(connections).where(connections.c.id == connection_id)
    return conn.execute(query).rowcount


def update_status_txn(
    conn: Connection,
    connection_id: int,
    *,
    status: str,
    status_at: datetime,
    last_message_at: datetime | None,
    last_error: str | None,
) -> int:
    """Record what the runner saw; ``last_message_at`` and ``last_error`` are kept when None
    (a reconnect clears neither)."""
    values: dict[str, Any] = {"status": status, "status_at": status_at}
    if last_message_at is not None:
        values["last_message_at"] = last_message_at
    if last_error is not None:
        values["last_error"] = last_error[:500]
    query = sa.update(connections).where(connections.c.id == connection_id).values(**values)
    return conn.execute(query).rowcount


def update_credential_txn(conn: Connection, connection_id: int, credential: str | None) -> None:
    query = sa.update(connections).where(connections.c.id == connection_id)
    conn.execute(query.values(credential=credential))


def update_options_txn(conn: Connection, connection_id: int, options: dict[str, Any]) -> int:
    query = sa.update(connections).where(connections.c.id == connection_id)
    return conn.execute(query.values(options=options)).rowcount
