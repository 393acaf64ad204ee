"""Moderator actions: delete a message, clear chat, warn, timeout, ban, unban (with reasons)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import MAX_ID, ChannelArg, UserArg
from chatwarden.web.schemas import Reason, TimeoutAction
from chatwarden.web.state import services_of

router = APIRouter(tags=["moderation"])


@router.delete("/channels/{name}/messages/{message_id}")
def delete_message(
    message_id: str,
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    reason: Annotated[str, Query(max_length=500)] = "",
) -> dict[str, Any]:
    actions = services_of(request).actions
    return actions.delete_message(actor, channel.id, message_id, reason).to_dict()


@router.post("/channels/{name}/chat/clear")
def clear_chat(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, int]:
    """Twitch's ``/clear``: remove the newest messages still in chat from every viewer's screen
    (one mod-log entry says how many). Needs ``delete_message``."""
    return {"messages": services_of(request).actions.clear_chat(actor, channel.id)}


@router.post("/channels/{name}/warnings/{username}", status_code=status.HTTP_201_CREATED)
def warn(
    body: Reason, channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Warn a chatter (a reason is required); they must acknowledge before chatting again."""
    return services_of(request).actions.warn(actor, channel.id, user.id, body.reason).to_dict()


@router.post("/channels/{name}/warning-acknowledgement", status_code=status.HTTP_204_NO_CONTENT)
def acknowledge_warning(channel: ChannelArg, actor: CurrentActor, request: Request) -> None:
    services_of(request).actions.acknowledge_warning(actor, channel.id)


@router.put("/channels/{name}/timeouts/{username}")
def timeout(
    body: TimeoutAction, channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Time a chatter out for ``duration_s`` seconds (1 s to 14 days)."""
    actions = services_of(request).actions
    return actions.timeout(actor, channel.id, user.id, body.duration_s, body.reason).to_dict()


@router.delete("/channels/{name}/timeouts/{username}")
def untimeout(
    channel: ChannelArg,
    user: UserArg,
    actor: CurrentActor,
    request: Request,
    reason: Annotated[str, Query(max_length=500)] = "",
) -> dict[str, Any]:
    return services_of(request).actions.untimeout(actor, channel.id, user.id, reason).to_dict()


@router.put("/channels/{name}/bans/{username}")
def ban(
    body: Reason, channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    return services_of(request).actions.ban(actor, channel.id, user.id, body.reason).to_dict()


@router.delete("/channels/{name}/bans/{username}")
def unban(
    channel: ChannelArg,
    user: UserArg,
    actor: CurrentActor,
    request: Request,
    reason: Annotated[str, Query(max_length=500)] = "",
) -> dict[str, Any]:
    return services_of(request).actions.unban(actor, channel.id, user.id, reason).to_dict()


@router.get("/channels/{name}/modlog")
def mod_log(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    action: Annotated[str | None, Query(max_length=40)] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Every moderator action, AutoMod hold/block and settings change; newest first."""
    entries = services_of(request).modlog.list_entries(
        actor, channel.id, action=action, before_id=before_id, limit=limit
    )
    return [e.to_dict() for e in entries]
