"""The stored facts a message's context is built from (``service/chat/context.py``): two reads.

Only held messages (and a user card) pay for them, never a delivered message, so each read is
a handful of index lookups: the sender's own recent lines and the chat's last delivered lines
come from ``messages`` (indexes ``(channel_id, sender_id, id)`` and ``(channel_id, status,
id)``) in one ``UNION ALL``; the sender's record in the channel, their account and follow
dates and the roles of the users the message addresses come from one row of scalar
subqueries over ``mod_log`` (index ``(channel_id, target_user_id, action)``), ``users`` and
``channel_roles``. Rows leave as ``Line`` and ``SenderRecord``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import channel_roles, messages, mod_log, users

__all__ = ["RECORD_ACTIONS", "Line", "SenderRecord", "recent_lines_txn", "sender_record_txn"]

#: the mod-log actions a sender's record counts (moderators' own actions and denied holds)
RECORD_ACTIONS = ("warn", "timeout", "unban", "automod.deny")


@dataclass(frozen=True, slots=True)
class Line:
    """A stored chat line: the sender's own (``own``, any status) or the channel's (delivered).

    ``harm`` is AutoMod's harm from the line's stored decision (``None`` without one)."""

    own: bool
    sender_id: int
    text: str
    created_at: datetime
    harm: float | None


@dataclass(frozen=True, slots=True)
class SenderRecord:
    """What the channel knows about a sender: mod-log counts by action (``RECORD_ACTIONS``),
    when the account was made and when they followed, and the role (``owner``, ``moderator``
    ...) of each addressed login that has one here."""

    counts: Mapping[str, int]
    account_created_at: datetime | None
    followed_at: datetime | None
    roles: Mapping[str, str]


def _lines(
    own: bool, where: Sequence[sa.ColumnElement[bool]], since: datetime, limit: int
) -> sa.Subquery:
    return (
        sa.select(
            sa.literal(own).label("own"),
            messages.c.sender_id,
            messages.c.text,
            messages.c.created_at,
            messages.c.decision["harm"].as_float().label("harm"),
        )
        .where(*where, messages.c.created_at >= since)
        .order_by(messages.c.id.desc())
        .limit(limit)
        .subquery()
    )


def recent_lines_txn(
    conn: Connection,
    channel_id: int,
    sender_id: int,
    *,
    own_since: datetime,
    own_limit: int,
    chat_since: datetime,
    chat_limit: int,
    before_id: int | None = None,
) -> list[Line]:
    """The sender's newest ``own_limit`` lines since ``own_since`` (any status) and the
    channel's newest ``chat_limit`` delivered lines since ``chat_since`` (anyone's), in one
    statement; only lines before message ``before_id`` when given."""
    earlier = [] if before_id is None else [messages.c.id < before_id]
    own = _lines(
        True,
        [messages.c.channel_id == channel_id, messages.c.sender_id == sender_id, *earlier],
        own_since,
        own_limit,
    )
    chat = _lines(
        False,
        [messages.c.channel_id == channel_id, messages.c.status == "delivered", *earlier],
        chat_since,
        chat_limit,
    )
    query = sa.union_all(sa.select(own), sa.select(chat))
    return [
        Line(
            own=bool(r.own),
            sender_id=int(r.sender_id),
            text=str(r.text),
            created_at=r.created_at,
            harm=None if r.harm is None else float(r.harm),
        )
        for r in conn.execute(query)
    ]


def sender_record_txn(
    conn: Connection,
    channel_id: int,
    owner_id: int,
    sender_id: int,
    addressed: Sequence[str] = (),
) -> SenderRecord:
    """``sender_id``'s record in the channel and the roles of the ``addressed`` logins, in one
    statement (the channel's owner reads as ``owner``)."""
    columns: list[sa.ColumnElement[object]] = [
        users.c.created_at.label("account_created_at"),
        channel_roles.c.followed_at,
    ]
    for n, action in enumerate(RECORD_ACTIONS):
        count = sa.select(sa.func.count()).where(
            mod_log.c.channel_id == channel_id,
            mod_log.c.target_user_id == sender_id,
            mod_log.c.action == action,
        )
        columns.append(count.scalar_subquery().label(f"count_{n}"))
    for n, login in enumerate(addressed):
        them = users.alias()
        their = channel_roles.alias()
        role = (
            sa.select(sa.case((them.c.id == owner_id, "owner"), else_=their.c.role))
            .select_from(
                them.outerjoin(
                    their, sa.and_(their.c.user_id == them.c.id, their.c.channel_id == channel_id)
                )
            )
            .where(them.c.login == login)
        )
        columns.append(role.scalar_subquery().label(f"role_{n}"))
    query = (
        sa.select(*columns)
        .select_from(
            users.outerjoin(
                channel_roles,
                sa.and_(
                    channel_roles.c.user_id == users.c.id, channel_roles.c.channel_id == channel_id
                ),
            )
        )
        .where(users.c.id == sender_id)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return SenderRecord({}, None, None, {})
    roles = {
        login: str(row[f"role_{n}"])
        for n, login in enumerate(addressed)
        if row[f"role_{n}"] is not None
    }
    return SenderRecord(
        counts={a: int(row[f"count_{n}"] or 0) for n, a in enumerate(RECORD_ACTIONS)},
        account_created_at=row["account_created_at"],
        followed_at=row["followed_at"],
        roles=roles,
    )
