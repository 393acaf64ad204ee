"""Moderator notes on a user, per channel. They leave this module as ``NoteRow``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import notes, users

_NOTE = sa.select(notes, users.c.username.label("author_name")).join(
    users, users.c.id == notes.c.author_id
)


@dataclass(frozen=True, slots=True)
class NoteRow:
    """One team note on a user in a channel, with its author's name."""

    id: int
    channel_id: int
    user_id: int
    author_id: int
    author_name: str
    text: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> NoteRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


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


def get_note_txn(conn: Connection, note_id: int) -> NoteRow | None:
    row = conn.execute(_NOTE.where(notes.c.id == note_id)).mappings().first()
    return None if row is None else NoteRow.from_row(row)


def list_notes_txn(conn: Connection, channel_id: int, user_id: int) -> list[NoteRow]:
    query = _NOTE.where(notes.c.channel_id == channel_id, notes.c.user_id == user_id).order_by(
        notes.c.id
    )
    return [NoteRow.from_row(row) for row in conn.execute(query).mappings()]


def delete_note_txn(conn: Connection, note_id: int) -> int:
    return conn.execute(sa.delete(notes).where(notes.c.id == note_id)).rowcount
