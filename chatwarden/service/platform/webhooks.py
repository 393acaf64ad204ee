"""Webhooks for integrations, signed the way Twitch EventSub signs them, retried with back-off.

Deliveries are rows written in the same transaction as the event (an outbox), so none is lost
on a crash; ``deliver_due()`` (called by ``Services.tick()``) sends what is due. Each request
carries ``Twitch-Eventsub-Message-Id``/``-Timestamp``/``-Signature`` where the signature is
``"sha256=" + HMAC-SHA256(secret, id + timestamp + body)``; the id is the same on every retry
so a receiver can drop duplicates. Retry n waits ``webhook_backoff_seconds * 2**(n-1)``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import httpx

from chatwarden.errors import InputError, NotFound
from chatwarden.service import events
from chatwarden.service.base import Deps, ServiceBase
from chatwarden.service.permissions import Permission
from chatwarden.service.platform.egress import check_url
from chatwarden.service.types import Actor, WebhookDelivery, WebhookSubscription
from chatwarden.store import audit
from chatwarden.store import webhooks as store
from chatwarden.store.webhooks import DeliveryRow, DueDeliveryRow, SubscriptionRow

LEASE_S = 60.0
MAX_SUBSCRIPTIONS = 50


def sign(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """The EventSub signature header value for one request."""
    mac = hmac.new(secret.encode(), message_id.encode() + timestamp.encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    expected = sign(
        secret,
        headers.get("Twitch-Eventsub-Message-Id", ""),
        headers.get("Twitch-Eventsub-Message-Timestamp", ""),
        body,
    )
    return hmac.compare_digest(expected, headers.get("Twitch-Eventsub-Message-Signature", ""))


def to_subscription(row: SubscriptionRow) -> WebhookSubscription:
    return WebhookSubscription(
        id=row.id,
        channel_id=row.channel_id,
        url=row.url,
        types=tuple(row.types),
        created_at=row.created_at,
        active=row.active,
    )


def to_delivery(row: DeliveryRow) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        subscription_id=row.subscription_id,
        event_type=row.event_type,
        message_id=row.message_id,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        last_status=row.last_status,
        last_error=row.last_error,
        created_at=row.created_at,
    )


class WebhookService(ServiceBase):
    def __init__(self, deps: Deps, client: httpx.Client | None = None) -> None:
        super().__init__(deps)
        self._client = client or httpx.Client(
            timeout=deps.config.webhook_timeout_seconds, follow_redirects=False
        )

    def close(self) -> None:
        self._client.close()

    def create_subscription(
        self, actor: Actor, channel_id: int, url: str, secret: str, types: Iterable[str]
    ) -> WebhookSubscription:
        """Subscribe ``url`` to event ``types`` (see ``events.SUBSCRIBABLE``). The secret
        (10-100 ASCII characters, as in EventSub) signs every delivery."""
        if not isinstance(url, str):
            raise InputError("url must be an http:// or https:// address")
        if len(url) > 2000:
            raise InputError("url must be at most 2000 characters")
        with self.db.read() as conn:  # before resolving: no DNS oracle for anyone else
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_WEBHOOKS)
        check_url(url, allow_private=self.config.webhook_allow_private_addresses)
        if (
            not isinstance(secret, str)
            or not 10 <= len(secret) <= 100
            or not secret.isascii()
            or not secret.isprintable()
        ):
            raise InputError("secret must be 10-100 printable ASCII characters")
        wanted = sorted(set(types))
        unknown = [t for t in wanted if t not in events.SUBSCRIBABLE]
        if unknown or not wanted:
            raise InputError(
                f"unknown or missing event types {unknown}; choose from "
                + ", ".join(events.SUBSCRIBABLE)
            )
        with self.db.write() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_WEBHOOKS)
            if len(store.list_subscriptions_txn(conn, channel_id)) >= MAX_SUBSCRIPTIONS:
                raise InputError(f"a channel can have at most {MAX_SUBSCRIPTIONS} webhooks")
            now = self.clock.now()
            sub_id = store.insert_subscription_txn(
                conn,
                channel_id=channel_id,
                url=url,
                secret=secret,
                types=wanted,
                created_by=actor.user_id,
                created_at=now,
            )
            audit.append_txn(
                conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="webhook.create",
                created_at=now,
                details={"subscription_id": sub_id, "url": url, "types": wanted},
            )
            row = store.get_subscription_txn(conn, sub_id)
        assert row is not None
        return to_subscription(row)

    def list_subscriptions(self, actor: Actor, channel_id: int) -> list[WebhookSubscription]:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_WEBHOOKS)
            return [to_subscription(r) for r in store.list_subscriptions_txn(conn, channel_id)]

    def delete_subscription(self, actor: Actor, subscription_id: int) -> None:
        with self.db.write() as conn:
            row = store.get_subscription_txn(conn, subscription_id)
            if row is None:
                raise NotFound(f"no webhook subscription with id {subscription_id}")
            channel = self.channel_txn(conn, row.channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_WEBHOOKS)
            store.delete_subscription_txn(conn, subscription_id)
            audit.append_txn(
                conn,
                channel_id=channel.id,
                actor_id=actor.user_id,
                action="webhook.delete",
                created_at=self.clock.now(),
                details={"subscription_id": subscription_id},
            )

    def list_deliveries(
        self, actor: Actor, subscription_id: int, limit: int = 50
    ) -> list[WebhookDelivery]:
        limit = max(1, min(int(limit), 500))
        with self.db.read() as conn:
            row = store.get_subscription_txn(conn, subscription_id)
            if row is None:
                raise NotFound(f"no webhook subscription with id {subscription_id}")
            channel = self.channel_txn(conn, row.channel_id)
            self.require_txn(conn, actor, channel, Permission.MANAGE_WEBHOOKS)
            return [to_delivery(r) for r in store.list_deliveries_txn(conn, subscription_id, limit)]

    def deliver_due(self, limit: int = 100) -> int:
        """Send every due delivery once; returns how many succeeded."""
        now = self.clock.now()
        with self.db.read() as conn:
            due = store.due_deliveries_txn(conn, now, limit)
        delivered = 0
        for row in due:
            with self.db.write() as conn:
                lease = now + timedelta(seconds=LEASE_S)
                if not store.claim_delivery_txn(conn, row.id, row.attempts, lease):
                    continue
            attempt = row.attempts + 1
            status, error = self._send(row, attempt)
            done = self.clock.now()
            values: dict[str, Any] = {"last_status": status, "last_error": error}
            if status is not None and 200 <= status < 300:
                values.update(status="delivered", delivered_at=done, last_error=None)
                delivered += 1
            elif attempt >= self.config.webhook_max_attempts:
                values.update(status="failed")
            else:
                wait = self.config.webhook_backoff_seconds * 2 ** (attempt - 1)
                values.update(next_attempt_at=done + timedelta(seconds=wait))
            with self.db.write() as conn:
                store.update_delivery_txn(conn, row.id, **values)
        return delivered

    def _send(self, row: DueDeliveryRow, attempt: int) -> tuple[int | None, str | None]:
        body = row.body.encode()
        timestamp = self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        headers = {
            "Content-Type": "application/json",
            "Twitch-Eventsub-Message-Id": row.message_id,
            "Twitch-Eventsub-Message-Timestamp": timestamp,
            "Twitch-Eventsub-Message-Signature": sign(row.secret, row.message_id, timestamp, body),
            "Twitch-Eventsub-Message-Type": "notification",
            "Twitch-Eventsub-Message-Retry": str(attempt - 1),
            "Twitch-Eventsub-Subscription-Type": row.event_type,
            "Twitch-Eventsub-Subscription-Version": events.VERSIONS.get(row.event_type, "1"),
            "User-Agent": "ChatWarden-Webhooks",
        }
        try:
            check_url(row.url, allow_private=self.config.webhook_allow_private_addresses)
        except InputError as exc:
            return None, f"refused: {exc.message}"[:500]
        try:
            response = self._client.post(row.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"
