"""The mod log: append-only; nothing here updates or deletes an entry. Entries leave this
module as ``ModLogRow``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from chatwarden.store.schema import mod_log, users


def append_txn(
    conn: Connection,
    *,
    channel_id: int,
    actor_id: int | None,
    action: str,
    created_at: datetime,
    target_user_id: int | None = None,
    message_id: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> int:
    result = conn.execute(
        sa.insert(mod_log)
        .values(
            channel_id=channel_id,
            actor_id=actor_id,
            action=action,
            target_user_id=target_user_id,
            message_id=message_id,
            reason=reason,
            details=details or {},
            created_at=created_at,
        )
        .returning(mod_log.c.id)
    )
    return int(result.scalar_one())


def append_many_txn(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Append many entries in one statement (rows share their keys: every column but id)."""
    if rows:
        conn.execute(sa.insert(mod_log), rows)


@dataclass(frozen=True, slots=True)
class ModLogRow:
    """One mod-log entry with the names of its moderator and target (``None``: AutoMod or
    detection acted, or nobody was targeted). ``details`` is unredacted: the service hides
    the owner's private terms (``service/chat/redact.py``)."""

    id: int
    channel_id: int
    actor_id: int | None
    actor_name: str | None
    action: str
    target_user_id: int | None
    target_name: str | None
    message_id: str | None
    reason: str
    details: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ModLogRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def _query() -> sa.Select[Any]:
    actor = aliased(users)
    target = aliased(users)
    return (
        sa.select(
            mod_log,
            actor.c.username.label("actor_name"),
            target.c.username.label("target_name"),
        )
        .outerjoin(actor, actor.c.id == mod_log.c.actor_id)
        .outerjoin(target, target.c.id == mod_log.c.target_user_id)
    )


def get_entry_txn(conn: Connection, entry_id: int) -> ModLogRow | None:
    row = conn.execute(_query().where(mod_log.c.id == entry_id)).mappings().first()
    return None if row is None else ModLogRow.from_row(row)


#: the escape character of the LIKE patterns built here (``contains_pattern``); not a
#: backslash, whose own escaping differs between databases and string settings
LIKE_ESCAPE = "!"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, every character literally: a ``%`` or ``_``
    typed into a search box is that character, not a wildcard."""
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _action_clause(actions: Sequence[str]) -> sa.ColumnElement[bool]:
    """Any of ``actions``: an exact name (``ban``) or a family (``detection.*``: every action
    starting ``detection.``)."""
    exact = [a for a in actions if not a.endswith(".*")]
    families = [a[:-1] for a in actions if a.endswith(".*")]  # "detection.*" -> "detection."
    clauses: list[sa.ColumnElement[bool]] = []
    if exact:
        clauses.append(mod_log.c.action.in_(exact))
    for prefix in families:
        escaped = contains_pattern(prefix)[1:-1]
        clauses.append(mod_log.c.action.like(escaped + "%", escape=LIKE_ESCAPE))
    return sa.or_(*clauses)


def list_entries_txn(
    conn: Connection,
    channel_id: int,
    *,
    action: str | None = None,
    actions: Sequence[str] = (),
    target_user_id: int | None = None,
    actor_id: int | None = None,
    automatic: bool | None = None,
    text: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[ModLogRow]:
    """Newest first; every filter given must hold. ``actions``: any of these (exact names or
    ``family.*``); ``automatic``: True for entries with no moderator (AutoMod, detection),
    False for a person's; ``text``: case-insensitive, literal, in the reason or the details'
    JSON text; ``since`` <= created_at < ``until``; ``before_id``: keyset paging (the smallest
    id of the previous page), so a page never repeats or skips an entry appended meanwhile."""
    query = _query().where(mod_log.c.channel_id == channel_id)
    if action is not None:
        query = query.where(mod_log.c.action == action)
    if actions:
        query = query.where(_action_clause(actions))
    if target_user_id is not None:
        query = query.where(mod_log.c.target_user_id == target_user_id)
    if actor_id is not None:
        query = query.where(mod_log.c.actor_id == actor_id)
    if automatic is not None:
        is_null = mod_log.c.actor_id.is_(None)
        query = query.where(is_null if automatic else sa.not_(is_null))
    if text:
        pattern = contains_pattern(text)
        query = query.where(
            sa.or_(
                mod_log.c.reason.ilike(pattern, escape=LIKE_ESCAPE),
                sa.cast(mod_log.c.details, sa.Text).ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    if since is not None:
        query = query.where(mod_log.c.created_at >= since)
    if until is not None:
        query = query.where(mod_log.c.created_at < until)
    if before_id is not None:
        query = query.where(mod_log.c.id < before_id)
    query = query.order_by(mod_log.c.id.desc()).limit(limit)
    return [ModLogRow.from_row(row) for row in conn.execute(query).mappings()]


def list_actions_since_txn(
    conn: Connection, channel_id: int, since: datetime, actions: tuple[str, ...]
) -> list[ModLogRow]:
    """Entries of the given ``actions`` at or after ``since``, oldest first, with names."""
    query = (
        _query()
        .where(
            mod_log.c.channel_id == channel_id,
            mod_log.c.action.in_(actions),
            mod_log.c.created_at >= since,
        )
        .order_by(mod_log.c.id)
    )
    return [ModLogRow.from_row(row) for row in conn.execute(query).mappings()]


def count_actions_txn(conn: Connection, channel_id: int, target_user_id: int) -> dict[str, int]:
    query = (
        sa.select(mod_log.c.action, sa.func.count())
        .where(mod_log.c.channel_id == channel_id, mod_log.c.target_user_id == target_user_id)
        .group_by(mod_log.c.action)
    )
    return {str(action): int(n) for action, n in conn.execute(query)}
