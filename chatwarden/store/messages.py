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
    if not keys:
        return {}
    wanted = set(keys)
    # probes the unique (channel, sender, key) index; a row-value IN scans the channel on SQLite
    query = _WITH_SENDER.where(
        messages.c.channel_id == channel_id,
        messages.c.sender_id.in_(sorted({sender for sender, _ in wanted})),
        messages.c.idempotency_key.in_(sorted({key for _, key in wanted})),
    )
    rows = conn.execute(query).mappings()
    found = {(r["sender_id"], r["idempotency_key"]): r for r in rows}
    return {pair: row for pair, row in found.items() if pair in wanted}


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
