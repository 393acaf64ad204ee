"""Webhook subscriptions (EventSub-style, HMAC-SHA256 signed) and their delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, RowId
from chatwarden.web.schemas import NewWebhook
from chatwarden.web.state import services_of

router = APIRouter(tags=["webhooks"])


@router.post("/channels/{name}/webhooks", status_code=status.HTTP_201_CREATED)
def create_subscription(
    body: NewWebhook, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Subscribe a URL to event types; deliveries carry ``Twitch-Eventsub-Message-Signature``."""
    webhooks = services_of(request).webhooks
    return webhooks.create_subscription(
        actor, channel.id, body.url, body.secret, body.types
    ).to_dict()


@router.get("/channels/{name}/webhooks")
def list_subscriptions(
    channel: ChannelArg, actor: CurrentActor, request: Request
) -> list[dict[str, Any]]:
    return [
        s.to_dict() for s in services_of(request).webhooks.list_subscriptions(actor, channel.id)
    ]


@router.delete("/webhooks/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_subscription(subscription_id: RowId, actor: CurrentActor, request: Request) -> None:
    services_of(request).webhooks.delete_subscription(actor, subscription_id)


@router.get("/webhooks/{subscription_id}/deliveries")
def list_deliveries(
    subscription_id: RowId,
    actor: CurrentActor,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """Recent deliveries with attempts, last HTTP status and error."""
    webhooks = services_of(request).webhooks
    return [d.to_dict() for d in webhooks.list_deliveries(actor, subscription_id, limit)]
