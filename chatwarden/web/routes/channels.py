"""Channels, roles, follows and subscriptions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from chatwarden.settings import Role
from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, UserArg
from chatwarden.web.schemas import ChannelRules, NewChannel, RoleChange, Subscription
from chatwarden.web.state import services_of

router = APIRouter(tags=["channels"])


@router.post("/channels", status_code=status.HTTP_201_CREATED)
def create_channel(body: NewChannel, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """Create a channel owned by the caller."""
    return services_of(request).channels.create_channel(actor, body.name).to_dict()


@router.get("/channels")
def list_channels(request: Request) -> list[dict[str, Any]]:
    return [c.to_dict() for c in services_of(request).channels.list_channels()]


@router.get("/me/mod-view-channels")
def mod_view_channels(actor: CurrentActor, request: Request) -> list[str]:
    """The channels whose Mod View the caller may open (owner, lead moderator, moderator; an
    admin: all). A hint for the channel list; Mod View checks again."""
    return services_of(request).channels.mod_view_channels(actor)


@router.get("/channels/{name}")
def get_channel(channel: ChannelArg) -> dict[str, Any]:
    return channel.to_dict()


@router.get("/channels/{name}/permissions")
def my_permissions(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, Any]:
    """The caller's role in the channel, the permissions it gives and their own standing
    (``banned``, ``timeout_until``, ``warning``: an unacknowledged warning's reason), for user
    interfaces.

    A hint for what to show; every action is still checked when it is requested.
    """
    access = services_of(request).channels.access_of(actor, channel.id)
    return {
        "channel": channel.to_dict(),
        "user": {"id": actor.user_id, "username": actor.username, "is_admin": actor.is_admin},
        **access.to_dict(),
    }


@router.get("/channels/{name}/rules")
def get_rules(channel: ChannelArg, request: Request) -> dict[str, Any]:
    """The channel's rules, in order: public, like the chat itself (viewers read them on the
    chat page; Mod View offers them as timeout and ban reasons)."""
    return {"rules": services_of(request).channels.get_rules(channel.id)}


@router.put("/channels/{name}/rules")
def set_rules(
    body: ChannelRules, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Replace the rules (the owner and lead moderators; written to the mod log)."""
    return {"rules": services_of(request).channels.set_rules(actor, channel.id, body.rules)}


@router.get("/channels/{name}/members")
def list_members(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    role: Annotated[list[Role] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Members with a relation to the channel (moderators; ``?role=`` filters)."""
    members = services_of(request).channels.list_members(actor, channel.id, role)
    return [m.to_dict() for m in members]


@router.put("/channels/{name}/roles/{username}")
def set_role(
    body: RoleChange, channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Grant lead_moderator, moderator or vip, or remove a role (viewer)."""
    return services_of(request).channels.set_role(actor, channel.id, user.id, body.role).to_dict()


@router.put("/channels/{name}/follow")
def follow(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, Any]:
    return services_of(request).channels.follow(actor, channel.id).to_dict()


@router.delete("/channels/{name}/follow")
def unfollow(channel: ChannelArg, actor: CurrentActor, request: Request) -> dict[str, Any]:
    return services_of(request).channels.unfollow(actor, channel.id).to_dict()


@router.put("/channels/{name}/subscribers/{username}")
def set_subscribed(
    body: Subscription, channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Mark a subscription (owner only; there are no payments here)."""
    channels = services_of(request).channels
    return channels.set_subscribed(actor, channel.id, user.id, body.subscribed).to_dict()
