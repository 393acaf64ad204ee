"""Proactive detection: per-channel settings and Shield Mode state, suspicious users, hashed
fingerprints, offences, ban-sharing agreements, and the reads the detectors need from chat."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.orm import aliased

from chatwarden.store.idlists import one_of
from chatwarden.store.schema import (
    channel_detection,
    channel_roles,
    channels,
    messages,
    mod_log,
    offences,
    sharing_agreements,
    suspicious_users,
    user_fingerprints,
    users,
)


def _insert_ignore(conn: Connection, table: sa.Table, values: dict[str, Any]) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())


# -- settings and Shield Mode -------------------------------------------------------------------


def get_detection_txn(conn: Connection, channel_id: int) -> RowMapping | None:
    query = sa.select(channel_detection).where(channel_detection.c.channel_id == channel_id)
    return conn.execute(query).mappings().first()


def ensure_detection_txn(
    conn: Connection,
    channel_id: int,
    *,
    settings: dict[str, Any],
    shield_preset: dict[str, Any],
    now: datetime,
) -> RowMapping:
    """The channel's row, created with the given defaults if missing (safe when concurrent)."""
    row = get_detection_txn(conn, channel_id)
    if row is not None:
        return row
    _insert_ignore(
        conn,
        channel_detection,
        {
            "channel_id": channel_id,
            "settings": settings,
            "shield_preset": shield_preset,
            "shield_active": False,
            "shield_saved": None,
            "rev": 0,
            "updated_at": now,
        },
    )
    row = get_detection_txn(conn, channel_id)
    assert row is not None
    return row


def update_detection_txn(conn: Connection, channel_id: int, now: datetime, **values: Any) -> None:
    """Change the row (it must exist) and bump ``rev``."""
    conn.execute(
        sa.update(channel_detection)
        .where(channel_detection.c.channel_id == channel_id)
        .values(rev=channel_detection.c.rev + 1, updated_at=now, **values)
    )


def shield_active_channels_txn(conn: Connection) -> list[int]:
    query = sa.select(channel_detection.c.channel_id).where(channel_detection.c.shield_active)
    return [int(cid) for cid in conn.execute(query).scalars()]


# -- suspicious users ---------------------------------------------------------------------------

_MATCHED = aliased(users)
_ADDED_BY = aliased(users)
_SUSPICIOUS = (
    sa.select(
        suspicious_users,
        users.c.username,
        _MATCHED.c.username.label("matched_username"),
        _ADDED_BY.c.username.label("added_by_name"),
    )
    .join(users, users.c.id == suspicious_users.c.user_id)
    .outerjoin(_MATCHED, _MATCHED.c.id == suspicious_users.c.matched_user_id)
    .outerjoin(_ADDED_BY, _ADDED_BY.c.id == suspicious_users.c.added_by)
)


def get_suspicious_txn(conn: Connection, channel_id: int, user_id: int) -> RowMapping | None:
    query = _SUSPICIOUS.where(
        suspicious_users.c.channel_id == channel_id, suspicious_users.c.user_id == user_id
    )
    return conn.execute(query).mappings().first()


def get_suspicious_many_txn(
    conn: Connection, channel_id: int, user_ids: Iterable[int]
) -> dict[int, RowMapping]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    query = sa.select(suspicious_users).where(
        suspicious_users.c.channel_id == channel_id,
        one_of(conn, suspicious_users.c.user_id, wanted),
    )
    return {row["user_id"]: row for row in conn.execute(query).mappings()}


def list_suspicious_txn(
    conn: Connection, channel_id: int, statuses: tuple[str, ...], limit: int = 500
) -> list[RowMapping]:
    query = (
        _SUSPICIOUS.where(
            suspicious_users.c.channel_id == channel_id, suspicious_users.c.status.in_(statuses)
        )
        .order_by(suspicious_users.c.updated_at.desc(), suspicious_users.c.user_id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def put_suspicious_txn(conn: Connection, values: dict[str, Any]) -> None:
    """Insert or replace the (channel, user) row in one statement (safe when concurrent);
    ``created_at`` survives a replace."""
    update = {k: v for k, v in values.items() if k not in ("channel_id", "user_id", "created_at")}
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(suspicious_users).values(**values)
        conn.execute(
            pg.on_conflict_do_update(index_elements=["channel_id", "user_id"], set_=update)
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(suspicious_users).values(**values)
        conn.execute(
            lite.on_conflict_do_update(index_elements=["channel_id", "user_id"], set_=update)
        )


# -- fingerprints -------------------------------------------------------------------------------


def record_fingerprints_txn(
    conn: Connection, rows: Iterable[tuple[int, str, str]], now: datetime
) -> None:
    """Remember ``(user_id, kind, hash)`` triples (first and last seen)."""
    for user_id, kind, digest in sorted(set(rows)):
        values = {
            "user_id": user_id,
            "kind": kind,
            "hash": digest,
            "first_seen": now,
            "last_seen": now,
        }
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            pg = pg_insert(user_fingerprints).values(**values)
            conn.execute(
                pg.on_conflict_do_update(
                    index_elements=["user_id", "kind", "hash"], set_={"last_seen": now}
                )
            )
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            lite = sqlite_insert(user_fingerprints).values(**values)
            conn.execute(
                lite.on_conflict_do_update(
                    index_elements=["user_id", "kind", "hash"], set_={"last_seen": now}
                )
            )


def fingerprints_of_txn(conn: Connection, user_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each user's stored fingerprint hashes, prefixed by kind (``device:...``)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    query = (
        sa.select(user_fingerprints.c.user_id, user_fingerprints.c.kind, user_fingerprints.c.hash)
        .where(user_fingerprints.c.user_id.in_(wanted))
        .order_by(user_fingerprints.c.id)
    )
    out: dict[int, list[str]] = {}
    for user_id, kind, digest in conn.execute(query):
        out.setdefault(int(user_id), []).append(f"{kind}:{digest}")
    return out


# -- offences (strike ladder) -------------------------------------------------------------------


def insert_offence_txn(
    conn: Connection,
    *,
    channel_id: int,
    user_id: int,
    code: str,
    created_at: datetime,
    message_id: str | None = None,
) -> None:
    conn.execute(
        sa.insert(offences).values(
            channel_id=channel_id,
            user_id=user_id,
            code=code,
            message_id=message_id,
            created_at=created_at,
        )
    )


def offences_since_txn(
    conn: Connection, channel_id: int, user_id: int, since: datetime
) -> list[RowMapping]:
    """The user's offences in the channel after ``since``, oldest first."""
    query = (
        sa.select(offences)
        .where(
            offences.c.channel_id == channel_id,
            offences.c.user_id == user_id,
            offences.c.created_at > since,
        )
        .order_by(offences.c.created_at, offences.c.id)
    )
    return list(conn.execute(query).mappings())


# -- ban sharing --------------------------------------------------------------------------------


def add_agreement_txn(
    conn: Connection, channel_id: int, partner_id: int, created_by: int, now: datetime
) -> None:
    _insert_ignore(
        conn,
        sharing_agreements,
        {
            "channel_id": channel_id,
            "partner_id": partner_id,
            "created_by": created_by,
            "created_at": now,
        },
    )


def delete_agreement_txn(conn: Connection, channel_id: int, partner_id: int) -> int:
    return conn.execute(
        sa.delete(sharing_agreements).where(
            sharing_agreements.c.channel_id == channel_id,
            sharing_agreements.c.partner_id == partner_id,
        )
    ).rowcount


def agreements_txn(conn: Connection, channel_id: int) -> tuple[set[int], set[int]]:
    """(channels this one agreed to share with, channels that agreed to share with this one)."""
    query = sa.select(sharing_agreements.c.channel_id, sharing_agreements.c.partner_id).where(
        sa.or_(
            sharing_agreements.c.channel_id == channel_id,
            sharing_agreements.c.partner_id == channel_id,
        )
    )
    outgoing: set[int] = set()
    incoming: set[int] = set()
    for cid, pid in conn.execute(query):
        if cid == channel_id:
            outgoing.add(int(pid))
        if pid == channel_id:
            incoming.add(int(cid))
    return outgoing, incoming


def channel_names_txn(conn: Connection, channel_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(channel_ids))
    if not wanted:
        return {}
    query = sa.select(channels.c.id, channels.c.name).where(channels.c.id.in_(wanted))
    return {int(cid): str(name) for cid, name in conn.execute(query)}


def banned_in_txn(
    conn: Connection, channel_ids: Iterable[int], user_ids: Iterable[int]
) -> dict[int, list[int]]:
    """For each of ``user_ids`` banned in any of ``channel_ids``: those channels."""
    cids, uids = sorted(set(channel_ids)), sorted(set(user_ids))
    if not cids or not uids:
        return {}
    query = sa.select(channel_roles.c.user_id, channel_roles.c.channel_id).where(
        channel_roles.c.channel_id.in_(cids),
        channel_roles.c.user_id.in_(uids),
        channel_roles.c.banned,
    )
    out: dict[int, list[int]] = {}
    for uid, cid in conn.execute(query):
        out.setdefault(int(uid), []).append(int(cid))
    return {uid: sorted(c) for uid, c in out.items()}


# -- reads from chat for the detectors ----------------------------------------------------------


def users_txn(conn: Connection, user_ids: Iterable[int]) -> dict[int, RowMapping]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    query = sa.select(
        users.c.id,
        users.c.username,
        users.c.created_at,
        users.c.email_verified,
        users.c.phone_verified,
    ).where(one_of(conn, users.c.id, wanted))
    return {row["id"]: row for row in conn.execute(query).mappings()}


def senders_with_messages_txn(
    conn: Connection, channel_id: int, user_ids: Iterable[int]
) -> set[int]:
    """Which of ``user_ids`` have any stored message in the channel (the rest chat first here)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return set()
    query = (
        sa.select(messages.c.sender_id)
        .where(messages.c.channel_id == channel_id, one_of(conn, messages.c.sender_id, wanted))
        .distinct()
    )
    return {int(uid) for uid in conn.execute(query).scalars()}


def messages_since_txn(
    conn: Connection, channel_id: int, since: datetime, limit: int
) -> list[RowMapping]:
    """Messages sent in the channel after ``since`` (any status), newest first."""
    query = (
        sa.select(
            messages.c.public_id,
            messages.c.sender_id,
            messages.c.text,
            messages.c.status,
            messages.c.created_at,
            users.c.username.label("sender_name"),
        )
        .join(users, users.c.id == messages.c.sender_id)
        .where(messages.c.channel_id == channel_id, messages.c.created_at > since)
        .order_by(messages.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def ban_signature_txn(conn: Connection, channel_id: int) -> tuple[int, int]:
    """(number of ban/unban entries, newest such entry id): changes whenever bans change."""
    query = sa.select(sa.func.count(), sa.func.max(mod_log.c.id)).where(
        mod_log.c.channel_id == channel_id, mod_log.c.action.in_(("ban", "unban"))
    )
    count, newest = conn.execute(query).one()
    return int(count), int(newest or 0)


def banned_users_txn(conn: Connection, channel_id: int, limit: int) -> list[RowMapping]:
    """Users banned in the channel with their newest ban time, newest bans first."""
    banned_at = (
        sa.select(
            mod_log.c.target_user_id.label("user_id"), sa.func.max(mod_log.c.created_at).label("at")
        )
        .where(mod_log.c.channel_id == channel_id, mod_log.c.action == "ban")
        .group_by(mod_log.c.target_user_id)
        .subquery()
    )
    query = (
        sa.select(
            channel_roles.c.user_id,
            users.c.username,
            banned_at.c.at.label("banned_at"),
        )
        .join(users, users.c.id == channel_roles.c.user_id)
        .outerjoin(banned_at, banned_at.c.user_id == channel_roles.c.user_id)
        .where(channel_roles.c.channel_id == channel_id, channel_roles.c.banned)
        .order_by(banned_at.c.at.desc(), channel_roles.c.user_id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def recent_texts_txn(
    conn: Connection, channel_id: int, user_ids: Iterable[int], per_user: int
) -> dict[int, list[str]]:
    """Up to ``per_user`` newest texts of each user in the channel (for writing style)."""
    wanted = sorted(set(user_ids))
    out: dict[int, list[str]] = {}
    for uid in wanted:
        query = (
            sa.select(messages.c.text)
            .where(messages.c.channel_id == channel_id, messages.c.sender_id == uid)
            .order_by(messages.c.id.desc())
            .limit(per_user)
        )
        texts = [str(t) for t in conn.execute(query).scalars()]
        if texts:
            out[uid] = texts
    return out


def remove_recent_txn(
    conn: Connection, channel_id: int, user_ids: Iterable[int], since: datetime
) -> list[RowMapping]:
    """Mark the users' messages still in chat (delivered or delayed) since ``since`` deleted;
    return them (with ``sender_name``)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    query = (
        sa.select(
            messages.c.id,
            messages.c.public_id,
            messages.c.sender_id,
            messages.c.text,
            users.c.username.label("sender_name"),
        )
        .join(users, users.c.id == messages.c.sender_id)
        .where(
            messages.c.channel_id == channel_id,
            messages.c.sender_id.in_(wanted),
            messages.c.status.in_(("delivered", "delayed")),
            messages.c.created_at >= since,
        )
        .order_by(messages.c.id)
    )
    rows = list(conn.execute(query).mappings())
    if rows:
        conn.execute(
            sa.update(messages)
            .where(messages.c.id.in_([r["id"] for r in rows]))
            .values(status="deleted")
        )
    return rows
