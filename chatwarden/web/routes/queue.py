"""The hold-for-review queue: list pending and recently handled items, allow or deny one; the
team's calibration (disagreements, workload) and settling a disagreement into a rule."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from chatwarden.service.moderation.calibration import report_to_dict
from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, RowId
from chatwarden.web.schemas import Resolution, Settlement
from chatwarden.web.state import services_of

router = APIRouter(tags=["review queue"])


@router.get("/channels/{name}/queue")
def list_pending(
    channel: ChannelArg, actor: CurrentActor, request: Request
) -> list[dict[str, Any]]:
    """Pending held messages, oldest first, each with AutoMod's explanation (``reasons``)."""
    return [i.to_dict() for i in services_of(request).review.list_pending(actor, channel.id)]


@router.get("/channels/{name}/queue/handled")
def list_handled(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> list[dict[str, Any]]:
    """The latest decided items (``allowed``, ``denied``, ``expired``), newest first, with the
    message text and ``resolved_by_name``; for whoever may view the queue."""
    items = services_of(request).review.list_handled(actor, channel.id, limit)
    return [i.to_dict() for i in items]


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


@router.get("/channels/{name}/calibration")
def calibration(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
) -> dict[str, Any]:
    """The team's disagreements (near-identical held messages decided both ways; allows
    followed by a timeout or ban of the sender) and each moderator's workload, over the last
    ``days`` days; for moderators."""
    report = services_of(request).calibration.report(actor, channel.id, days=days)
    return report_to_dict(report)


@router.post("/channels/{name}/calibration/settle")
def settle(
    channel: ChannelArg, body: Settlement, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Settle a disagreement into a channel rule (lead moderators): ``deny`` adds the held
    message's words as a blocked term, ``allow`` as a permitted term. 409 if the term exists."""
    term = services_of(request).calibration.settle(actor, channel.id, body.item_id, body.action)
    return term.to_dict()
