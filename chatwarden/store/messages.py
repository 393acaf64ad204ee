"""Chat messages with their one persisted decision, keyed for idempotent sends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from chatwarden import jsoncodec
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


# Which of a batch's (sender, key) pairs are taken: one fixed statement per dialect, so it is
# compiled and prepared once (a VALUES list of the batch's length was a new statement to
# compile, and for SQLite to parse, on nearly every batch). The pairs travel as one parameter:
# a JSON array of [sender, key] pairs for SQLite's json_each, two arrays for PostgreSQL's
# unnest. Each pair is one probe of the unique (channel, sender, key) index.
_TAKEN_SQLITE = sa.text(  # CROSS JOIN: SQLite keeps the pairs as the outer loop
    "SELECT m.sender_id, m.idempotency_key FROM json_each(:pairs) AS w "
    "CROSS JOIN messages m ON m.channel_id = :channel_id "
    "AND m.sender_id = json_extract(w.value, '$[0]') "
    "AND m.idempotency_key = json_extract(w.value, '$[1]')"
)
_TAKEN_POSTGRES = sa.text(
    "SELECT m.sender_id, m.idempotency_key "
    "FROM unnest(CAST(:senders AS integer[]), CAST(:keys AS varchar[])) AS w (sender, ikey) "
    "JOIN messages m ON m.channel_id = :channel_id AND m.sender_id = w.sender "
    "AND m.idempotency_key = w.ikey"
)


def taken_idempotency_keys_txn(
    conn: Connection, channel_id: int, keys: Iterable[tuple[int, str]]
) -> set[tuple[int, str]]:
    """Which ``(sender_id, key)`` pairs already name a message in the channel."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    if conn.dialect.name == "postgresql":
        params: dict[str, Any] = {
            "senders": [sender for sender, _ in wanted],
            "keys": [key for _, key in wanted],
        }
        query = _TAKEN_POSTGRES
    else:
        params = {"pairs": jsoncodec.dumps(wanted)}
        query = _TAKEN_SQLITE
    params["channel_id"] = channel_id
    return {(int(sender), str(key)) for sender, key in conn.execute(query, params)}


def get_by_idempotency_keys_txn(
    conn: Connection, channel_id: int, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], RowMapping]:
    """The messages stored under ``(sender_id, key)`` pairs in one channel, by that pair.

    The common case (no pair taken: no resend) costs one fixed statement; each taken pair
    is then read in full."""
    found: dict[tuple[int, str], RowMapping] = {}
    for sender, key in sorted(taken_idempotency_keys_txn(conn, channel_id, keys)):
        row = get_by_idempotency_key_txn(conn, channel_id, sender, key)
        if row is not None:
            found[(sender, key)] = row
    return found


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


def latest_shown_txn(
    conn: Connection, channel_id: int, sender_id: int, since: datetime
) -> RowMapping | None:
    """``sender_id``'s message shown in chat most recently, at or after ``since`` (whatever
    became of it since: deleted, restricted), or None."""
    query = (
        _WITH_SENDER.where(
            messages.c.channel_id == channel_id,
            messages.c.sender_id == sender_id,
            messages.c.delivered_at >= since,
        )
        .order_by(messages.c.delivered_at.desc(), messages.c.id.desc())
        .limit(1)
    )
    return conn.execute(query).mappings().first()


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


def first_messages_txn(
    conn: Connection, channel_id: int, sender_ids: Iterable[int], since: datetime | None = None
) -> dict[int, str]:
    """The public id of each of ``sender_ids``' first message (any status) in the channel,
    created after ``since`` when given; senders with none are absent."""
    wanted = sorted(set(sender_ids))
    if not wanted:
        return {}
    first = (
        sa.select(sa.func.min(messages.c.id))
        .where(messages.c.channel_id == channel_id, messages.c.sender_id.in_(wanted))
        .group_by(messages.c.sender_id)
    )
    if since is not None:
        first = first.where(messages.c.created_at > since)
    query = sa.select(messages.c.sender_id, messages.c.public_id).where(
        messages.c.id.in_(first.scalar_subquery())
    )
    return {int(uid): str(pid) for uid, pid in conn.execute(query).all()}
