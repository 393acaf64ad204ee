"""The hold-for-review queue: list pending items, allow or deny one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, RowId
from chatwarden.web.schemas import Resolution
from chatwarden.web.state import services_of

router = APIRouter(tags=["review queue"])


@router.get("/channels/{name}/queue")
def list_pending(
    channel: ChannelArg, actor: CurrentActor, request: Request
) -> list[dict[str, Any]]:
    """Pending held messages, oldest first, each with AutoMod's explanation (``reasons``)."""
    return [i.to_dict() for i in services_of(request).review.list_pending(actor, channel.id)]


@router.get("/queue/{item_id}")
def get_item(item_id: RowId, actor: CurrentActor, request: Request) -> dict[str, Any]:
    return services_of(request).review.get_item(actor, item_id).to_dict()


@router.post("/queue/{item_id}")
def resolve(
    item_id: RowId, body: Resolution, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Allow (the message appears in chat as the newest) or deny. Exactly one moderator
    wins a race; the other gets 409 ``conflict``."""
    return services_of(request).review.resolve(actor, item_id, body.action).to_dict()
