"""Moderator notes on a user, per channel."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from chatwarden.store.schema import notes, users

_NOTE = sa.select(notes, users.c.username.label("author_name")).join(
    users, users.c.id == notes.c.author_id
)


def insert_note_txn(
    conn: Connection,
    *,
    channel_id: int,
    user_id: int,
    author_id: int,
    text: str,
    created_at: datetime,
) -> int:
    result = conn.execute(
        sa.insert(notes)
        .values(
            channel_id=channel_id,
            user_id=user_id,
            author_id=author_id,
            text=text,
            created_at=created_at,
        )
        .returning(notes.c.id)
    )
    return int(result.scalar_one())


def get_note_txn(conn: Connection, note_id: int) -> RowMapping | None:
    return conn.execute(_NOTE.where(notes.c.id == note_id)).mappings().first()


def list_notes_txn(conn: Connection, channel_id: int, user_id: int) -> list[RowMapping]:
    query = _NOTE.where(notes.c.channel_id == channel_id, notes.c.user_id == user_id).order_by(
        notes.c.id
    )
    return list(conn.execute(query).mappings())


def delete_note_txn(conn: Connection, note_id: int) -> int:
    return conn.execute(sa.delete(notes).where(notes.c.id == note_id)).rowcount
