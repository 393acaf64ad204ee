"""Account email addresses and the verification links sent to them (hashes only). They leave
this module as ``EmailRow`` and ``EmailTokenRow``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import email_tokens, user_emails


@dataclass(frozen=True, slots=True)
class EmailRow:
    """An account's email address, verified or not (``verified_at`` None)."""

    user_id: int
    email: str
    changed_at: datetime
    verified_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> EmailRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class EmailTokenRow:
    """One verification link sent to an address. The token's hash stays out of ``repr``."""

    id: int
    user_id: int
    email: str
    token_hash: str = field(repr=False)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> EmailTokenRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def get_email_txn(conn: Connection, user_id: int) -> EmailRow | None:
    query = sa.select(user_emails).where(user_emails.c.user_id == user_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else EmailRow.from_row(row)


def set_email_txn(conn: Connection, user_id: int, email: str, now: datetime) -> None:
    """Store ``email`` as the account's (unverified) address, replacing any other."""
    conn.execute(sa.delete(user_emails).where(user_emails.c.user_id == user_id))
    conn.execute(sa.insert(user_emails).values(user_id=user_id, email=email, changed_at=now))


def mark_email_verified_txn(conn: Connection, user_id: int, now: datetime) -> None:
    conn.execute(
        sa.update(user_emails).where(user_emails.c.user_id == user_id).values(verified_at=now)
    )


def insert_token_txn(
    conn: Connection,
    *,
    user_id: int,
    email: str,
    token_hash: str,
    created_at: datetime,
    expires_at: datetime,
) -> int:
    result = conn.execute(
        sa.insert(email_tokens)
        .values(
            user_id=user_id,
            email=email,
            token_hash=token_hash,
            created_at=created_at,
            expires_at=expires_at,
        )
        .returning(email_tokens.c.id)
    )
    return int(result.scalar_one())


def get_token_txn(conn: Connection, token_hash: str) -> EmailTokenRow | None:
    query = sa.select(email_tokens).where(email_tokens.c.token_hash == token_hash)
    row = conn.execute(query).mappings().first()
    return None if row is None else EmailTokenRow.from_row(row)


def use_token_txn(conn: Connection, token_id: int, now: datetime) -> bool:
    """Mark the token used; False if it already was (a concurrent use won)."""
    query = (
        sa.update(email_tokens)
        .where(email_tokens.c.id == token_id, email_tokens.c.used_at.is_(None))
        .values(used_at=now)
    )
    return conn.execute(query).rowcount == 1


def sent_since_txn(conn: Connection, user_id: int, since: datetime) -> list[datetime]:
    """When the account's links created after ``since`` were made, oldest first."""
    query = (
        sa.select(email_tokens.c.created_at)
        .where(email_tokens.c.user_id == user_id, email_tokens.c.created_at > since)
        .order_by(email_tokens.c.created_at)
    )
    return list(conn.execute(query).scalars())


def delete_old_tokens_txn(conn: Connection, user_id: int, before: datetime) -> int:
    """Forget the account's links that expired before ``before`` (rate limits no longer
    count them)."""
    query = sa.delete(email_tokens).where(
        email_tokens.c.user_id == user_id, email_tokens.c.expires_at < before
    )
    return conn.execute(query).rowcount
