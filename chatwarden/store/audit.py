"""The mod log: append-only; nothing here updates or deletes an entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
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


def get_entry_txn(conn: Connection, entry_id: int) -> RowMapping | None:
    return conn.execute(_query().where(mod_log.c.id == entry_id)).mappings().first()


def list_entries_txn(
    conn: Connection,
    channel_id: int,
    *,
    action: str | None = None,
    target_user_id: int | None = None,
    actor_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[RowMapping]:
    """Newest first."""
    query = _query().where(mod_log.c.channel_id == channel_id)
    if action is not None:
        query = query.where(mod_log.c.action == action)
    if target_user_id is not None:
        query = query.where(mod_log.c.target_user_id == target_user_id)
    if actor_id is not None:
        query = query.where(mod_log.c.actor_id == actor_id)
    if before_id is not None:
        query = query.where(mod_log.c.id < before_id)
    query = query.order_by(mod_log.c.id.desc()).limit(limit)
    return list(conn.execute(query).mappings())


def list_actions_since_txn(
    conn: Connection, channel_id: int, since: datetime, actions: tuple[str, ...]
) -> list[RowMapping]:
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
    return list(conn.execute(query).mappings())


def count_actions_txn(conn: Connection, channel_id: int, target_user_id: int) -> dict[str, int]:
    query = (
        sa.select(mod_log.c.action, sa.func.count())
        .where(mod_log.c.channel_id == channel_id, mod_log.c.target_user_id == target_user_id)
        .group_by(mod_log.c.action)
    )
    return {str(action): int(n) for action, n in conn.execute(query)}
