"""Labels: moderators' decisions on messages, kept as training examples with provenance.

A label is written in the transaction of the decision it records (``service/moderation/
labels.py``); it is never edited afterwards except to mark it reversed (an approved unban
request), and it is deleted only with the user's data or with its message or channel.
Rows leave this module as ``LabelRow`` so the learner can read them without knowing the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import labels, messages

#: which decision a label records; ``review.*`` decide a held message, ``action.*`` act on a
#: delivered one
Source = Literal[
    "review.allow",
    "review.deny",
    "action.delete",
    "action.warn",
    "action.timeout",
    "action.ban",
]
SOURCES: frozenset[str] = frozenset(get_args(Source))
#: why a label was reversed
Reversal = Literal["unban.approved", "undone"]


@dataclass(frozen=True, slots=True)
class LabelRow:
    """One label as stored: ``label`` 1 = the moderators judged the message a violation."""

    id: int
    channel_id: int
    message_id: int
    message_public_id: str
    sender_id: int
    label: int
    source: str
    moderator_id: int | None
    mod_log_id: int | None
    created_at: datetime
    model_version: str
    settings_version: str
    decision: dict[str, Any]
    text: str
    reversed_at: datetime | None
    reversed_by: int | None
    reversal: str | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> LabelRow:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["decision"] = dict(values["decision"] or {})
        return cls(**values)


def insert_label_txn(
    conn: Connection,
    *,
    channel_id: int,
    message_id: int,
    sender_id: int,
    label: int,
    source: Source,
    moderator_id: int | None,
    mod_log_id: int | None,
    created_at: datetime,
    model_version: str,
    settings_version: str,
    decision: Mapping[str, Any],
    text: str,
) -> int:
    """Store one label; ``label`` must be 0 or 1 and ``source`` one of ``SOURCES``."""
    if label not in (0, 1) or isinstance(label, bool):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    if source not in SOURCES:
        raise ValueError(f"unknown label source {source!r}")
    result = conn.execute(
        sa.insert(labels)
        .values(
            channel_id=channel_id,
            message_id=message_id,
            sender_id=sender_id,
            label=label,
            source=source,
            moderator_id=moderator_id,
            mod_log_id=mod_log_id,
            created_at=created_at,
            model_version=model_version,
            settings_version=settings_version,
            decision=dict(decision),
            text=text,
        )
        .returning(labels.c.id)
    )
    return int(result.scalar_one())


_LABEL = sa.select(labels, messages.c.public_id.label("message_public_id")).join(
    messages, messages.c.id == labels.c.message_id
)


def list_labels_txn(
    conn: Connection,
    channel_id: int,
    *,
    include_reversed: bool = False,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[LabelRow]:
    """A channel's labels, oldest first (by time, then id); reversed ones only if asked.

    ``since`` keeps labels created at or after it; ``limit`` keeps the oldest that many."""
    query = _LABEL.where(labels.c.channel_id == channel_id)
    if not include_reversed:
        query = query.where(labels.c.reversed_at.is_(None))
    if since is not None:
        query = query.where(labels.c.created_at >= since)
    query = query.order_by(labels.c.created_at, labels.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [LabelRow.from_row(row) for row in conn.execute(query).mappings()]


def reverse_entry_labels_txn(
    conn: Connection, mod_log_id: int, *, at: datetime, by: int, reversal: Reversal
) -> int:
    """Mark reversed every label, not yet reversed, on the messages that the labels of one
    mod-log entry (a ban) are on: the decision was taken back, and with it the judgement of
    those messages. Returns how many were marked."""
    judged = sa.select(labels.c.message_id).where(labels.c.mod_log_id == mod_log_id)
    query = (
        sa.update(labels)
        .where(labels.c.message_id.in_(judged), labels.c.reversed_at.is_(None))
        .values(reversed_at=at, reversed_by=by, reversal=reversal)
    )
    return conn.execute(query).rowcount


def reverse_own_labels_txn(
    conn: Connection, mod_log_id: int, *, at: datetime, by: int, reversal: Reversal
) -> int:
    """Mark reversed the labels that one mod-log entry itself wrote (not others' labels on the
    same message): a moderator undid their own action, so only their judgement goes. Returns
    how many were marked."""
    query = (
        sa.update(labels)
        .where(labels.c.mod_log_id == mod_log_id, labels.c.reversed_at.is_(None))
        .values(reversed_at=at, reversed_by=by, reversal=reversal)
    )
    return conn.execute(query).rowcount


def delete_sender_labels_txn(conn: Connection, sender_id: int) -> int:
    """Delete every label on ``sender_id``'s messages, in every channel (their data is gone
    from every dataset exported afterwards). Returns how many."""
    return conn.execute(sa.delete(labels).where(labels.c.sender_id == sender_id)).rowcount


def forget_moderator_txn(conn: Connection, user_id: int) -> int:
    """Drop ``user_id`` as the moderator (or reverser) of labels on other people's messages;
    the labels stay, their provenance without a name. Returns how many rows changed."""
    changed = conn.execute(
        sa.update(labels).where(labels.c.moderator_id == user_id).values(moderator_id=None)
    ).rowcount
    changed += conn.execute(
        sa.update(labels).where(labels.c.reversed_by == user_id).values(reversed_by=None)
    ).rowcount
    return changed
