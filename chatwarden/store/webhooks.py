"""Webhook subscriptions and the delivery outbox (written in the event's own transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from chatwarden.store.schema import webhook_deliveries, webhook_subscriptions


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


def get_subscription_txn(conn: Connection, subscription_id: int) -> RowMapping | None:
    query = sa.select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
    return conn.execute(query).mappings().first()


def list_subscriptions_txn(
    conn: Connection, channel_id: int, *, active_only: bool = False
) -> list[RowMapping]:
    query = sa.select(webhook_subscriptions).where(webhook_subscriptions.c.channel_id == channel_id)
    if active_only:
        query = query.where(webhook_subscriptions.c.active.is_(True))
    return list(conn.execute(query.order_by(webhook_subscriptions.c.id)).mappings())


def delete_subscription_txn(conn: Connection, subscription_id: int) -> int:
    query = sa.delete(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
    return conn.execute(query).rowcount


def insert_deliveries_txn(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert many deliveries in one statement (rows share their keys)."""
    if rows:
        conn.execute(sa.insert(webhook_deliveries), rows)


def due_deliveries_txn(conn: Connection, now: datetime, limit: int) -> list[RowMapping]:
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
    return list(conn.execute(query).mappings())


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


def list_deliveries_txn(conn: Connection, subscription_id: int, limit: int) -> list[RowMapping]:
    query = (
        sa.select(webhook_deliveries)
        .where(webhook_deliveries.c.subscription_id == subscription_id)
        .order_by(webhook_deliveries.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query).mappings())
