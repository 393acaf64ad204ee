"""Chat messages with their one persisted decision, keyed for idempotent sends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden import jsoncodec
from chatwarden.store.schema import messages, users

_WITH_SENDER = sa.select(messages, users.c.username.label("sender_name")).join(
    users, users.c.id == messages.c.sender_id
)


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One stored chat message with its sender's name (what chat history, resends, the user
    card and moderator actions read)."""

    id: int  # the primary key; ``public_id`` is the id clients see
    public_id: str
    channel_id: int
    sender_id: int
    text: str
    status: str
    initial_status: str
    reason: str | None
    detail: str | None
    idempotency_key: str | None
    created_at: datetime
    delivered_at: datetime | None
    deliver_after: datetime | None
    decision: dict[str, Any] | None
    sender_name: str

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> MessageRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def _one(conn: Connection, query: sa.Select[Any]) -> MessageRow | None:
    row = conn.execute(query).mappings().first()
    return None if row is None else MessageRow.from_row(row)


def _all(conn: Connection, query: sa.Select[Any]) -> list[MessageRow]:
    return [MessageRow.from_row(row) for row in conn.execute(query).mappings()]


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


def get_message_txn(conn: Connection, public_id: str) -> MessageRow | None:
    return _one(conn, _WITH_SENDER.where(messages.c.public_id == public_id))


def get_message_by_pk_txn(conn: Connection, pk: int) -> MessageRow | None:
    return _one(conn, _WITH_SENDER.where(messages.c.id == pk))


def get_by_idempotency_key_txn(
    conn: Connection, channel_id: int, sender_id: int, key: str
) -> MessageRow | None:
    query = _WITH_SENDER.where(
        messages.c.channel_id == channel_id,
        messages.c.sender_id == sender_id,
        messages.c.idempotency_key == key,
    )
    return _one(conn, query)


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
) -> dict[tuple[int, str], MessageRow]:
    """The messages stored under ``(sender_id, key)`` pairs in one channel, by that pair.

    The common case (no pair taken: no resend) costs one fixed statement; each taken pair
    is then read in full."""
    found: dict[tuple[int, str], MessageRow] = {}
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
) -> list[MessageRow]:
    """The newest ``limit`` messages, oldest first (delivered ones by delivery time)."""
    query = _WITH_SENDER.where(messages.c.channel_id == channel_id, messages.c.status.in_(statuses))
    if sender_id is not None:
        query = query.where(messages.c.sender_id == sender_id)
    order = sa.func.coalesce(messages.c.delivered_at, messages.c.created_at)
    query = query.order_by(order.desc(), messages.c.id.desc()).limit(limit)
    return list(reversed(_all(conn, query)))


def latest_shown_txn(
    conn: Connection, channel_id: int, sender_id: int, since: datetime
) -> MessageRow | None:
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
    return _one(conn, query)


def due_delayed_txn(conn: Connection, now: datetime, limit: int) -> list[MessageRow]:
    query = (
        _WITH_SENDER.where(messages.c.status == "delayed", messages.c.deliver_after <= now)
        .order_by(messages.c.deliver_after, messages.c.id)
        .limit(limit)
    )
    return _all(conn, query)


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
