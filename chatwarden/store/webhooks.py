"""Webhook subscriptions and the delivery outbox (written in the event's own transaction).
They leave this module as ``SubscriptionRow``, ``DeliveryRow`` and ``DueDeliveryRow``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chatwarden.store.schema import webhook_deliveries, webhook_subscriptions


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """One webhook subscription. The signing secret stays out of ``repr`` (and so out of
    logs)."""

    id: int
    channel_id: int
    url: str
    secret: str = field(repr=False)
    types: list[str]
    created_by: int
    created_at: datetime
    active: bool

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> SubscriptionRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One delivery of one event to one subscription, with its attempts so far."""

    id: int
    subscription_id: int
    message_id: str  # the Twitch-Eventsub-Message-Id, the same on every retry
    event_type: str
    body: str
    status: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> DeliveryRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class DueDeliveryRow:
    """A delivery due now, with where it goes and the secret that signs it (kept out of
    ``repr``): what one attempt sends."""

    id: int
    message_id: str
    event_type: str
    body: str
    attempts: int
    url: str
    secret: str = field(repr=False)

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> DueDeliveryRow:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def insert_subscription_txn(
    conn: Connection,
    *,
    channel_id: int,
    url: str,
    secret: str,
    types: list[str],
    created_by: int,
    created_at: datetime,
) -> int:
    result = conn.execute(
        sa.insert(webhook_subscriptions)
        .values(
            channel_id=channel_id,
            url=url,
            secret=secret,
            types=types,
            created_by=created_by,
            created_at=created_at,
            active=True,
        )
        .returning(webhook_subscriptions.c.id)
    )
    return int(result.scalar_one())


def get_subscription_txn(conn: Connection, subscription_id: int) -> SubscriptionRow | None:
    query = sa.select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else SubscriptionRow.from_row(row)


def list_subscriptions_txn(
    conn: Connection, channel_id: int, *, active_only: bool = False
) -> list[SubscriptionRow]:
    query = sa.select(webhook_subscriptions).where(webhook_subscriptions.c.channel_id == channel_id)
    if active_only:
        query = query.where(webhook_subscriptions.c.active.is_(True))
    rows = conn.execute(query.order_by(webhook_subscriptions.c.id)).mappings()
    return [SubscriptionRow.from_row(row) for row in rows]


def delete_subscription_txn(conn: Connection, subscription_id: int) -> int:
    query = sa.delete(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
    return conn.execute(query).rowcount


def insert_deliveries_txn(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert many deliveries in one statement (rows share their keys)."""
    if rows:
        conn.execute(sa.insert(webhook_deliveries), rows)


def due_deliveries_txn(conn: Connection, now: datetime, limit: int) -> list[DueDeliveryRow]:
    query = (
        sa.select(
            webhook_deliveries,
            webhook_subscriptions.c.url,
            webhook_subscriptions.c.secret,
        )
        .join(
            webhook_subscriptions,
            webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id,
        )
        .where(
            webhook_deliveries.c.status == "pending",
            webhook_deliveries.c.next_attempt_at <= now,
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(limit)
    )
    return [DueDeliveryRow.from_row(row) for row in conn.execute(query).mappings()]


def claim_delivery_txn(
    conn: Connection, delivery_id: int, attempts: int, lease_until: datetime
) -> bool:
    """Take a delivery for one attempt (another worker that read it too gets False)."""
    query = (
        sa.update(webhook_deliveries)
        .where(
            webhook_deliveries.c.id == delivery_id,
            webhook_deliveries.c.status == "pending",
            webhook_deliveries.c.attempts == attempts,
        )
        .values(attempts=attempts + 1, next_attempt_at=lease_until)
    )
    return conn.execute(query).rowcount == 1


def update_delivery_txn(conn: Connection, delivery_id: int, **values: Any) -> None:
    query = sa.update(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
    conn.execute(query.values(**values))


def list_deliveries_txn(conn: Connection, subscription_id: int, limit: int) -> list[DeliveryRow]:
    query = (
        sa.select(webhook_deliveries)
        .where(webhook_deliveries.c.subscription_id == subscription_id)
        .order_by(webhook_deliveries.c.id.desc())
        .limit(limit)
    )
    return [DeliveryRow.from_row(row) for row in conn.execute(query).mappings()]
