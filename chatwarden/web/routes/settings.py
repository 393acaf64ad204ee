"""Chat modes and AutoMod settings per channel; blocked and permitted terms, import/export;
what the channel's AutoMod learned from its moderators (see, freeze, reset, roll back)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.responses import PlainTextResponse

from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, RowId
from chatwarden.web.schemas import LearningFrozen, LearningRollback, NewTerm, NewTerms
from chatwarden.web.state import services_of

router = APIRouter(tags=["settings"])

_PATCH = Body(
    examples=[{"slow_mode_s": 30, "followers_only_min_age_s": 600}],
    description="Only the fields to change.",
)


@router.get("/channels/{name}/chat-settings")
def get_chat_settings(channel: ChannelArg, request: Request) -> dict[str, Any]:
    """Chat modes: slow, followers-only, subscribers-only, emote-only, unique chat, delay."""
    return services_of(request).modes.get(channel.id).model_dump(mode="json")


@router.patch("/channels/{name}/chat-settings")
def update_chat_settings(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    patch: Annotated[dict[str, Any], _PATCH],
) -> dict[str, Any]:
    return services_of(request).modes.update(actor, channel.id, patch).model_dump(mode="json")


@router.get("/channels/{name}/automod/settings")
def get_automod_settings(channel: ChannelArg, actor: CurrentActor, request: Request) -> Any:
    """Levels per category and ``overall_level`` (moderators)."""
    settings = services_of(request).automod.get_settings(actor, channel.id)
    return settings.model_dump(mode="json", exclude={"terms"})


@router.patch("/channels/{name}/automod/settings")
def update_automod_settings(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    patch: Annotated[dict[str, Any], Body(examples=[{"overall_level": 3}])],
) -> Any:
    """Change levels (lead moderators and the owner)."""
    settings = services_of(request).automod.update_settings(actor, channel.id, patch)
    return settings.model_dump(mode="json", exclude={"terms"})


@router.get("/channels/{name}/automod/terms")
def list_terms(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    kind: Literal["blocked", "permitted"] | None = None,
) -> list[dict[str, Any]]:
    """Blocked and permitted terms not expired, each with ``expires_at`` (null: never);
    private terms are listed for the owner only."""
    terms = services_of(request).automod.list_terms(actor, channel.id, kind)
    return [t.to_dict() for t in terms]


@router.post("/channels/{name}/automod/terms", status_code=status.HTTP_201_CREATED)
def add_term(
    body: NewTerm, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Add a term, expiring after ``expires_in_s`` seconds (null: never)."""
    automod = services_of(request).automod
    return automod.add_term(
        actor,
        channel.id,
        body.text,
        kind=body.kind,
        private=body.private,
        is_regex=body.is_regex,
        expires_in_s=body.expires_in_s,
    ).to_dict()


@router.post("/channels/{name}/automod/terms/bulk")
def add_terms(
    body: NewTerms, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Add several terms of one kind at once: ``added`` (the new terms) and ``errors`` (each
    line not added, 1-based, with why: invalid, already in the list, repeated)."""
    return (
        services_of(request)
        .automod.add_terms(
            actor,
            channel.id,
            body.texts,
            kind=body.kind,
            private=body.private,
            is_regex=body.is_regex,
            expires_in_s=body.expires_in_s,
        )
        .to_dict()
    )


@router.delete("/channels/{name}/automod/terms/{term_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_term(term_id: RowId, channel: ChannelArg, actor: CurrentActor, request: Request) -> None:
    services_of(request).automod.remove_term(actor, channel.id, term_id)


@router.get("/channels/{name}/automod/terms/export", response_class=PlainTextResponse)
def export_terms(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    format: Annotated[Literal["csv", "json"], Query()] = "json",
) -> PlainTextResponse:
    text = services_of(request).automod.export_terms(actor, channel.id, format)
    media = "text/csv" if format == "csv" else "application/json"
    return PlainTextResponse(text, media_type=media)


@router.post("/channels/{name}/automod/terms/import")
def import_terms(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    data: Annotated[str, Body(media_type="text/plain", max_length=1_000_000)],
    format: Annotated[Literal["csv", "json"] | None, Query()] = None,
) -> dict[str, Any]:
    """Import terms from CSV or JSON (the body as text); returns added and skipped counts."""
    return services_of(request).automod.import_terms(actor, channel.id, data, format).to_dict()


@router.get("/channels/{name}/automod/learning")
def get_learning(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """What the channel learned from its moderators: the active version's shift per category
    with the evidence and why, whether learning is frozen, and the versions (newest first).
    Owner and lead moderators."""
    return services_of(request).learning.state(actor, channel.id).to_dict()


@router.put("/channels/{name}/automod/learning/frozen")
def freeze_learning(
    channel: ChannelArg, body: LearningFrozen, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Freeze (nothing new is learned; the active version stays) or unfreeze learning."""
    return services_of(request).learning.freeze(actor, channel.id, body.frozen).to_dict()


@router.post("/channels/{name}/automod/learning/reset")
def reset_learning(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """Drop what was learned: the owner's levels apply; learning starts again from what the
    moderators do next."""
    return services_of(request).learning.reset(actor, channel.id).to_dict()


@router.post("/channels/{name}/automod/learning/rollback")
def rollback_learning(
    channel: ChannelArg, body: LearningRollback, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Apply an earlier learned version again (it becomes the newest version)."""
    return services_of(request).learning.rollback(actor, channel.id, body.version).to_dict()


@router.get("/channels/{name}/automod/suggestions")
def term_suggestions(
    channel: ChannelArg, actor: CurrentActor, request: Request
) -> list[dict[str, Any]]:
    """Phrases and link domains the moderators acted on again and again (at least 3 messages
    from 2 chatters, rarely let stand), each with the evidence, to add as blocked terms; for
    whoever manages terms. Nothing is added by itself."""
    found = services_of(request).learning.suggestions(actor, channel.id)
    return [
        {
            "term": s.term,
            "kind": s.kind,
            "acted": s.acted,
            "stood": s.stood,
            "senders": s.senders,
            "examples": list(s.examples),
            "explanation": s.explanation,
        }
        for s in found
    ]
