"""Users, sessions, API tokens and server secrets. They leave this module as ``UserRow``,
``SessionRow`` and ``ApiTokenRow``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import api_tokens, server_secrets, sessions, users


def insert_user_txn(
    conn: Connection,
    *,
    username: str,
    password_hash: str,
    created_at: datetime,
    login: str | None = None,
) -> int:
    """A new user; ``login`` (unique) defaults to the username case-folded (a connected
    platform's user gets one no registered name can take: ``service/chat/platform.py``)."""
    result = conn.execute(
        sa.insert(users)
        .values(
            username=username,
            login=username.lower() if login is None else login,
            password_hash=password_hash,
            created_at=created_at,
            email_verified=False,
            phone_verified=False,
            is_admin=False,
        )
        .returning(users.c.id)
    )
    return int(result.scalar_one())


@dataclass(frozen=True, slots=True)
class UserRow:
    """One account as stored. The password hash stays out of ``repr`` (and so out of logs)."""

    id: int
    username: str
    login: str
    password_hash: str = field(repr=False)
    created_at: datetime
    email_verified: bool
    phone_verified: bool
    is_admin: bool

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> UserRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def _user(row: Mapping[Any, Any] | None) -> UserRow | None:
    return None if row is None else UserRow.from_row(row)


def get_user_txn(conn: Connection, user_id: int) -> UserRow | None:
    return _user(conn.execute(sa.select(users).where(users.c.id == user_id)).mappings().first())


def get_user_by_login_txn(conn: Connection, username: str) -> UserRow | None:
    query = sa.select(users).where(users.c.login == username.lower())
    return _user(conn.execute(query).mappings().first())


def get_users_txn(conn: Connection, user_ids: Sequence[int]) -> dict[int, UserRow]:
    if not user_ids:
        return {}
    rows = conn.execute(sa.select(users).where(users.c.id.in_(set(user_ids)))).mappings()
    return {row["id"]: UserRow.from_row(row) for row in rows}


def update_user_txn(conn: Connection, user_id: int, **values: Any) -> None:
    conn.execute(sa.update(users).where(users.c.id == user_id).values(**values))


def set_password_hash_txn(conn: Connection, user_id: int, password_hash: str) -> None:
    update_user_txn(conn, user_id, password_hash=password_hash)


def insert_session_txn(
    conn: Connection, *, user_id: int, token_hash: str, created_at: datetime, expires_at: datetime
) -> None:
    conn.execute(
        sa.insert(sessions).values(
            user_id=user_id, token_hash=token_hash, created_at=created_at, expires_at=expires_at
        )
    )


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One login session. The token's hash stays out of ``repr`` (and so out of logs)."""

    id: int
    user_id: int
    token_hash: str = field(repr=False)
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> SessionRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def get_session_txn(conn: Connection, token_hash: str) -> SessionRow | None:
    query = sa.select(sessions).where(sessions.c.token_hash == token_hash)
    row = conn.execute(query).mappings().first()
    return None if row is None else SessionRow.from_row(row)


def delete_session_txn(conn: Connection, token_hash: str) -> int:
    return conn.execute(sa.delete(sessions).where(sessions.c.token_hash == token_hash)).rowcount


def delete_expired_sessions_txn(conn: Connection, now: datetime) -> int:
    return conn.execute(sa.delete(sessions).where(sessions.c.expires_at <= now)).rowcount


def insert_api_token_txn(
    conn: Connection,
    *,
    user_id: int,
    name: str,
    token_hash: str,
    scopes: list[str],
    created_at: datetime,
    expires_at: datetime | None,
) -> int:
    result = conn.execute(
        sa.insert(api_tokens)
        .values(
            user_id=user_id,
            name=name,
            token_hash=token_hash,
            scopes=scopes,
            created_at=created_at,
            expires_at=expires_at,
        )
        .returning(api_tokens.c.id)
    )
    return int(result.scalar_one())


@dataclass(frozen=True, slots=True)
class ApiTokenRow:
    """One API token. The token's hash stays out of ``repr`` (and so out of logs)."""

    id: int
    user_id: int
    name: str
    token_hash: str = field(repr=False)
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ApiTokenRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def _token(row: Mapping[Any, Any] | None) -> ApiTokenRow | None:
    return None if row is None else ApiTokenRow.from_row(row)


def get_api_token_txn(conn: Connection, token_hash: str) -> ApiTokenRow | None:
    query = sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)
    return _token(conn.execute(query).mappings().first())


def get_api_token_by_id_txn(conn: Connection, token_id: int) -> ApiTokenRow | None:
    query = sa.select(api_tokens).where(api_tokens.c.id == token_id)
    return _token(conn.execute(query).mappings().first())


def list_api_tokens_txn(conn: Connection, user_id: int) -> list[ApiTokenRow]:
    query = sa.select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id)
    return [ApiTokenRow.from_row(row) for row in conn.execute(query).mappings()]


def revoke_api_token_txn(conn: Connection, token_id: int, now: datetime) -> int:
    query = (
        sa.update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return conn.execute(query).rowcount


def get_secret_txn(conn: Connection, name: str) -> str | None:
    query = sa.select(server_secrets.c.value).where(server_secrets.c.name == name)
    value = conn.execute(query).scalar_one_or_none()
    return None if value is None else str(value)


def insert_secret_txn(conn: Connection, name: str, value: str) -> None:
    conn.execute(sa.insert(server_secrets).values(name=name, value=value))
