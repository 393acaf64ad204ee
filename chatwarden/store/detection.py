"""Proactive detection: per-channel settings and Shield Mode state, suspicious users, hashed
fingerprints, offences, ban-sharing agreements, and the reads the detectors need from chat.
Rows leave this module as frozen dataclasses (``DetectionRow``, ``FlagRow``, ...)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
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


@dataclass(frozen=True, slots=True)
class DetectionRow:
    """One channel's detection settings and Shield Mode state as stored (the JSON unparsed:
    ``service/detection/settings.py`` validates it)."""

    channel_id: int
    settings: dict[str, Any]
    shield_preset: dict[str, Any]
    shield_active: bool
    shield_saved: dict[str, Any] | None  # the chat settings Shield Mode replaced
    shield_changed_at: datetime | None
    shield_changed_by: int | None
    rev: int
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> DetectionRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def get_detection_txn(conn: Connection, channel_id: int) -> DetectionRow | None:
    query = sa.select(channel_detection).where(channel_detection.c.channel_id == channel_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else DetectionRow.from_row(row)


def ensure_detection_txn(
    conn: Connection,
    channel_id: int,
    *,
    settings: dict[str, Any],
    shield_preset: dict[str, Any],
    now: datetime,
) -> DetectionRow:
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


@dataclass(frozen=True, slots=True)
class FlagRow:
    """One user's suspicious-user flag in one channel, as the chat path reads it."""

    channel_id: int
    user_id: int
    status: Literal["monitored", "restricted", "cleared"]
    source: Literal["auto", "shared", "manual"]
    evasion_level: str | None
    evasion_score: float | None
    reasons: list[str] | None
    shared_channel_ids: list[int] | None
    matched_user_id: int | None
    added_by: int | None  # None: AutoMod
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> FlagRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class SuspiciousRow(FlagRow):
    """A flag with the names moderators see: the user's, the matched banned user's and the
    moderator's who added it."""

    username: str
    matched_username: str | None
    added_by_name: str | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> SuspiciousRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


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


def get_suspicious_txn(conn: Connection, channel_id: int, user_id: int) -> SuspiciousRow | None:
    query = _SUSPICIOUS.where(
        suspicious_users.c.channel_id == channel_id, suspicious_users.c.user_id == user_id
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else SuspiciousRow.from_row(row)


def get_suspicious_many_txn(
    conn: Connection, channel_id: int, user_ids: Iterable[int]
) -> dict[int, FlagRow]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    query = sa.select(suspicious_users).where(
        suspicious_users.c.channel_id == channel_id,
        one_of(conn, suspicious_users.c.user_id, wanted),
    )
    rows = conn.execute(query).mappings()
    return {row["user_id"]: FlagRow.from_row(row) for row in rows}


def list_suspicious_txn(
    conn: Connection, channel_id: int, statuses: tuple[str, ...], limit: int = 500
) -> list[SuspiciousRow]:
    query = (
        _SUSPICIOUS.where(
            suspicious_users.c.channel_id == channel_id, suspicious_users.c.status.in_(statuses)
        )
        .order_by(suspicious_users.c.updated_at.desc(), suspicious_users.c.user_id)
        .limit(limit)
    )
    return [SuspiciousRow.from_row(row) for row in conn.execute(query).mappings()]


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


@dataclass(frozen=True, slots=True)
class OffenceRow:
    """One strike-ladder offence (``code``) of a user in a channel."""

    id: int
    channel_id: int
    user_id: int
    code: str
    message_id: str | None  # the message's public id
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> OffenceRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


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
) -> list[OffenceRow]:
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
    return [OffenceRow.from_row(row) for row in conn.execute(query).mappings()]


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


@dataclass(frozen=True, slots=True)
class AccountFactsRow:
    """The account facts trust gates and detectors read about a sender."""

    id: int
    username: str
    created_at: datetime
    email_verified: bool
    phone_verified: bool

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> AccountFactsRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class SaidRow:
    """A message as the detectors and Shield Mode's bulk ban read it: who said what, when
    (``status`` as it was when read)."""

    public_id: str
    sender_id: int
    sender_name: str
    text: str
    status: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> SaidRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class BannedUserRow:
    """A user banned in a channel, with the time of their newest ban (``None``: no ban entry
    in the mod log)."""

    user_id: int
    username: str
    banned_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> BannedUserRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def users_txn(conn: Connection, user_ids: Iterable[int]) -> dict[int, AccountFactsRow]:
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
    return {row["id"]: AccountFactsRow.from_row(row) for row in conn.execute(query).mappings()}


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
) -> list[SaidRow]:
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
    return [SaidRow.from_row(row) for row in conn.execute(query).mappings()]


def ban_signature_txn(conn: Connection, channel_id: int) -> tuple[int, int]:
    """(number of ban/unban entries, newest such entry id): changes whenever bans change."""
    query = sa.select(sa.func.count(), sa.func.max(mod_log.c.id)).where(
        mod_log.c.channel_id == channel_id, mod_log.c.action.in_(("ban", "unban"))
    )
    count, newest = conn.execute(query).one()
    return int(count), int(newest or 0)


def banned_users_txn(conn: Connection, channel_id: int, limit: int) -> list[BannedUserRow]:
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
    return [BannedUserRow.from_row(row) for row in conn.execute(query).mappings()]


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
) -> list[SaidRow]:
    """Mark the users' messages still in chat (delivered or delayed) since ``since`` deleted;
    return them (as they were before)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    query = (
        sa.select(
            messages.c.id,
            messages.c.public_id,
            messages.c.sender_id,
            messages.c.text,
            messages.c.status,
            messages.c.created_at,
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
    return [SaidRow.from_row(row) for row in rows]


@dataclass(frozen=True, slots=True)
class DecidedRow:
    """A stored message with what decided it, as the detectors warm up on it: a process that
    starts a channel's detectors (a worker that took its shard over) replays these."""

    id: int
    sender_id: int
    sender_name: str
    text: str
    created_at: datetime
    decision: dict[str, Any] | None
    first: bool  # its sender's first message in the channel

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> DecidedRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def decided_since_txn(
    conn: Connection, channel_id: int, since: datetime, limit: int
) -> list[DecidedRow]:
    """The newest ``limit`` messages created in the channel after ``since`` (any status),
    oldest first, each with its decision and whether it was its sender's first here."""
    query = (
        sa.select(
            messages.c.id,
            messages.c.sender_id,
            users.c.username.label("sender_name"),
            messages.c.text,
            messages.c.created_at,
            messages.c.decision,
        )
        .join(users, users.c.id == messages.c.sender_id)
        .where(messages.c.channel_id == channel_id, messages.c.created_at > since)
        .order_by(messages.c.id.desc())
        .limit(limit)
    )
    rows = list(conn.execute(query).mappings())[::-1]
    senders = sorted({int(r["sender_id"]) for r in rows})
    firsts: set[int] = set()
    if senders:
        first = (
            sa.select(sa.func.min(messages.c.id))
            .where(messages.c.channel_id == channel_id, one_of(conn, messages.c.sender_id, senders))
            .group_by(messages.c.sender_id)
        )
        firsts = {int(i) for i in conn.execute(first).scalars()}
    return [DecidedRow.from_row({**r, "first": r["id"] in firsts}) for r in rows]


def last_raid_alert_txn(conn: Connection, channel_id: int, since: datetime) -> datetime | None:
    """When the channel's newest raid alert after ``since`` was raised (None: none)."""
    query = sa.select(sa.func.max(mod_log.c.created_at)).where(
        mod_log.c.channel_id == channel_id,
        mod_log.c.action == "detection.raid_alert",
        mod_log.c.created_at > since,
    )
    return conn.execute(query).scalar_one_or_none()
