"""Subscribable policy lists: blocked terms curated by one channel, used by any that subscribe.
Lists leave this module as ``PolicyListRow``, their terms as ``PolicyTermRow`` (as a subscriber
meets them: ``ListedTermRow``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import (
    channels,
    policy_list_terms,
    policy_lists,
    policy_subscriptions,
)

_LISTS = sa.select(policy_lists, channels.c.name.label("channel_name")).join(
    channels, channels.c.id == policy_lists.c.channel_id
)


@dataclass(frozen=True, slots=True)
class PolicyListRow:
    """One policy list with the name of the channel that curates it."""

    id: int
    name: str
    description: str
    channel_id: int
    channel_name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> PolicyListRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class PolicyTermRow:
    """One blocked term of a policy list."""

    id: int
    list_id: int
    text: str
    is_regex: bool

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> PolicyTermRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class ListedTermRow:
    """A term a channel meets through a list it subscribes to, shaped like a channel term
    (lists hold public blocked terms only)."""

    text: str
    is_regex: bool
    kind: Literal["blocked"] = "blocked"
    private: bool = False
    expires_at: datetime | None = None  # list terms never expire


def _list(row: Mapping[Any, Any] | None) -> PolicyListRow | None:
    return None if row is None else PolicyListRow.from_row(row)


def insert_list_txn(
    conn: Connection, *, name: str, description: str, channel_id: int, now: datetime
) -> int:
    result = conn.execute(
        sa.insert(policy_lists)
        .values(
            name=name,
            description=description,
            channel_id=channel_id,
            created_at=now,
            updated_at=now,
        )
        .returning(policy_lists.c.id)
    )
    return int(result.scalar_one())


def get_list_txn(conn: Connection, list_id: int) -> PolicyListRow | None:
    return _list(conn.execute(_LISTS.where(policy_lists.c.id == list_id)).mappings().first())


def get_list_by_name_txn(conn: Connection, name: str) -> PolicyListRow | None:
    return _list(conn.execute(_LISTS.where(policy_lists.c.name == name)).mappings().first())


def all_lists_txn(conn: Connection) -> list[PolicyListRow]:
    rows = conn.execute(_LISTS.order_by(policy_lists.c.name)).mappings()
    return [PolicyListRow.from_row(row) for row in rows]


def touch_list_txn(conn: Connection, list_id: int, now: datetime, **values: Any) -> None:
    conn.execute(
        sa.update(policy_lists).where(policy_lists.c.id == list_id).values(updated_at=now, **values)
    )


def delete_list_txn(conn: Connection, list_id: int) -> None:
    conn.execute(sa.delete(policy_lists).where(policy_lists.c.id == list_id))


def list_terms_txn(conn: Connection, list_id: int) -> list[PolicyTermRow]:
    query = (
        sa.select(policy_list_terms)
        .where(policy_list_terms.c.list_id == list_id)
        .order_by(policy_list_terms.c.id)
    )
    return [PolicyTermRow.from_row(row) for row in conn.execute(query).mappings()]


def term_counts_txn(conn: Connection) -> dict[int, int]:
    query = sa.select(policy_list_terms.c.list_id, sa.func.count()).group_by(
        policy_list_terms.c.list_id
    )
    return {int(lid): int(n) for lid, n in conn.execute(query)}


def replace_terms_txn(conn: Connection, list_id: int, terms: Iterable[tuple[str, bool]]) -> None:
    conn.execute(sa.delete(policy_list_terms).where(policy_list_terms.c.list_id == list_id))
    rows = [{"list_id": list_id, "text": t, "is_regex": r} for t, r in terms]
    if rows:
        conn.execute(sa.insert(policy_list_terms), rows)


def subscribe_txn(
    conn: Connection, channel_id: int, list_id: int, created_by: int, now: datetime
) -> bool:
    """Subscribe; False if it already was."""
    query = sa.select(policy_subscriptions.c.list_id).where(
        policy_subscriptions.c.channel_id == channel_id, policy_subscriptions.c.list_id == list_id
    )
    if conn.execute(query).first() is not None:
        return False
    conn.execute(
        sa.insert(policy_subscriptions).values(
            channel_id=channel_id, list_id=list_id, created_by=created_by, created_at=now
        )
    )
    return True


def unsubscribe_txn(conn: Connection, channel_id: int, list_id: int) -> int:
    return conn.execute(
        sa.delete(policy_subscriptions).where(
            policy_subscriptions.c.channel_id == channel_id,
            policy_subscriptions.c.list_id == list_id,
        )
    ).rowcount


def subscribed_list_ids_txn(conn: Connection, channel_id: int) -> list[int]:
    query = (
        sa.select(policy_subscriptions.c.list_id)
        .where(policy_subscriptions.c.channel_id == channel_id)
        .order_by(policy_subscriptions.c.list_id)
    )
    return [int(x) for x in conn.execute(query).scalars()]


def subscribers_txn(conn: Connection, list_id: int) -> list[int]:
    query = sa.select(policy_subscriptions.c.channel_id).where(
        policy_subscriptions.c.list_id == list_id
    )
    return [int(x) for x in conn.execute(query).scalars()]


def subscribed_terms_txn(conn: Connection, channel_id: int) -> list[ListedTermRow]:
    """The blocked terms of every list the channel subscribes to, shaped like channel terms."""
    query = (
        sa.select(policy_list_terms.c.text, policy_list_terms.c.is_regex)
        .join(policy_subscriptions, policy_subscriptions.c.list_id == policy_list_terms.c.list_id)
        .where(policy_subscriptions.c.channel_id == channel_id)
        .order_by(policy_list_terms.c.id)
    )
    return [ListedTermRow(str(text), bool(is_regex)) for text, is_regex in conn.execute(query)]
