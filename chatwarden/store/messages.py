"""Chat messages with their one persisted decision, keyed for idempotent sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from chatwarden.store.schema import messages, users

_WITH_SENDER = sa.select(messages, users.c.username.label("sender_name")).join(
    users, users.c.id == messages.c.sender_id
)
_MESSAGE_COLUMNS = ", ".join(f"m.{column.name}" for column in messages.c)


def insert_message_txn(conn: Connection, **values: Any) -> int:
    result = conn.execute(sa.insert(messages).values(**values).returning(messages.c.id))
    return int(result.scalar_one())


def insert_messages_txn(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert many messages at once (rows share their keys). No RETURNING: on SQLite an
    ordered RETURNING falls back to one statement per row; see ``ids_by_public_id_txn``."""
    if rows:
        conn.execute(sa.insert(messages), rows)


def ids_by_public_id_txn(conn: Connection, public_ids: list[str]) -> dict[str, int]:
    if not public_ids:
        return {}
    query = sa.select(messages.c.public_id, messages.c.id).where(
        messages.c.public_id.in_(public_ids)
    )
    return {public_id: int(pk) for public_id, pk in conn.execute(query)}


def get_message_txn(conn: Connection, public_id: str) -> RowMapping | None:
    query = _WITH_SENDER.where(messages.c.public_id == public_id)
    return conn.execute(query).mappings().first()


def get_message_by_pk_txn(conn: Connection, pk: int) -> RowMapping | None:
    return conn.execute(_WITH_SENDER.where(messages.c.id == pk)).mappings().first()


def get_by_idempotency_key_txn(
    conn: Connection, channel_id: int, sender_id: int, key: str
) -> RowMapping | None:
    query = _WITH_SENDER.where(
        messages.c.channel_id == channel_id,
        messages.c.sender_id == sender_id,
        messages.c.idempotency_key == key,
    )
    return conn.execute(query).mappings().first()


def get_by_idempotency_keys_txn(
    conn: Connection, channel_id: int, keys: list[tuple[int, str]]
) -> dict[tuple[int, str], RowMapping]:
    """The messages stored under ``(sender_id, key)`` pairs in one channel, by that pair."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    # One probe of the unique (channel, sender, key) index per pair, joined from a VALUES list:
    # ``sender IN (...) AND key IN (...)`` probes every sender x key combination on SQLite
    # (20,000 probes for a batch of 200 sends from 100 senders), and SQLAlchemy's ``values()``
    # construct is compiled anew on every call. The casts type the list for PostgreSQL.
    rows = ", ".join(
        f"(CAST(:s{i} AS INTEGER), CAST(:k{i} AS VARCHAR(64)))" for i in range(len(wanted))
    )
    query = sa.text(
        f"WITH wanted (sender, ikey) AS (VALUES {rows}) "
        f"SELECT {_MESSAGE_COLUMNS}, u.username AS sender_name FROM wanted "
        "JOIN messages m ON m.channel_id = :channel_id AND m.sender_id = wanted.sender "
        "AND m.idempotency_key = wanted.ikey JOIN users u ON u.id = m.sender_id"
    ).columns(*messages.c, users.c.username.label("sender_name"))
    params: dict[str, Any] = {"channel_id": channel_id}
    for i, (sender, key) in enumerate(wanted):
        params[f"s{i}"] = sender
        params[f"k{i}"] = key
    found = conn.execute(query, params).mappings()
    return {(r["sender_id"], r["idempotency_key"]): r for r in found}


def set_status_txn(
    conn: Connection, pk: int, status: str, *, expect: str | None = None, **values: Any
) -> int:
    query = sa.update(messages).where(messages.c.id == pk)
    if expect is not None:
        query = query.where(messages.c.status == expect)
    return conn.execute(query.values(status=status, **values)).rowcount


def recent_messages_txn(
    conn: Connection,
    channel_id: int,
    *,
    limit: int,
    statuses: tuple[str, ...] = ("delivered",),
    sender_id: int | None = None,
) -> list[RowMapping]:
    """The newest ``limit`` messages, oldest first (delivered ones by delivery time)."""
    query = _WITH_SENDER.where(messages.c.channel_id == channel_id, messages.c.status.in_(statuses))
    if sender_id is not None:
        query = query.where(messages.c.sender_id == sender_id)
    order = sa.func.coalesce(messages.c.delivered_at, messages.c.created_at)
    query = query.order_by(order.desc(), messages.c.id.desc()).limit(limit)
    return list(reversed(list(conn.execute(query).mappings())))


def due_delayed_txn(conn: Connection, now: datetime, limit: int) -> list[RowMapping]:
    query = (
        _WITH_SENDER.where(messages.c.status == "delayed", messages.c.deliver_after <= now)
        .order_by(messages.c.deliver_after, messages.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def count_messages_txn(conn: Connection, channel_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(messages)
    if channel_id is not None:
        query = query.where(messages.c.channel_id == channel_id)
    return int(conn.execute(query).scalar_one())
