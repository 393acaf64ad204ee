"""Policy preview on the channel's stored history, the history export (moderators), and the
labels export (the owner and lead moderators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import PlainTextResponse

from chatwarden.service.health.preview import DEFAULT_DAYS, MAX_DAYS, MAX_EXPORT_DAYS
from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg
from chatwarden.web.state import services_of

router = APIRouter(tags=["replay"])

_PROPOSAL = Body(
    examples=[{"overall_level": 3}, {"levels": {"bullying": 4}, "add_terms": [{"text": "noob"}]}],
    description="The AutoMod settings to preview: overall_level (a preset), levels, "
    "vip_exempt, and add_terms (terms to add, as in a settings file).",
)


@router.post("/channels/{name}/automod/preview")
def preview_automod(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    proposal: Annotated[dict[str, Any], _PROPOSAL],
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = DEFAULT_DAYS,
    samples: Annotated[int, Query(ge=0, le=100)] = 25,
) -> dict[str, Any]:
    """What the proposed settings would have done to the last ``days`` of chat, beside the
    current settings: counts, holds by category, differing messages. Nothing changes. At most
    the newest 20,000 messages are replayed (``window.capped`` says when more were there)."""
    return services_of(request).preview.preview(
        actor, channel.id, proposal, days=days, samples=samples
    )


@router.get("/channels/{name}/history/export", response_class=PlainTextResponse)
def export_history(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    days: Annotated[int, Query(ge=1, le=MAX_EXPORT_DAYS)] = DEFAULT_DAYS,
) -> PlainTextResponse:
    """The stored chat of the last ``days`` as ChatWarden JSON lines (`chatwarden replay`
    reads it). ``X-Chatwarden-Capped: 1`` when only the newest 200,000 messages fit."""
    text, count, capped = services_of(request).preview.export_history(actor, channel.id, days=days)
    return PlainTextResponse(
        text,
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="{channel.name}-{days}d.jsonl"',
            "X-Chatwarden-Messages": str(count),
            "X-Chatwarden-Capped": "1" if capped else "0",
        },
    )


@router.get("/channels/{name}/labels/export", response_class=PlainTextResponse)
def export_labels(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    include_reversed: bool = False,
) -> PlainTextResponse:
    """The moderators' decisions on messages as JSON lines, oldest first (a dataset for
    training: text, label, source, category scores, harm, versions; no user ids). Labels an
    approved unban request reversed are left out unless ``include_reversed``."""
    text, count = services_of(request).labels.export_labels(
        actor, channel.id, include_reversed=include_reversed
    )
    return PlainTextResponse(
        text,
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="{channel.name}-labels.jsonl"',
            "X-Chatwarden-Labels": str(count),
        },
    )
