"""Moderator actions: delete a message, clear chat, warn, timeout, ban, unban (with reasons)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field, model_validator

from chatwarden.errors import InputError
from chatwarden.service.moderation.modlog import (
    ACTION_NAME,
    MAX_ACTION_LENGTH,
    MAX_ACTIONS,
    MAX_LIMIT,
    MAX_TEXT,
    ModLogQuery,
)
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


_UNDO = (
    "true: the timeout or ban was a mistake (Mod View's Undo): the label it wrote is reversed "
    "and the entry's details name the entry undone"
)


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
    undo: Annotated[bool, Query(description=_UNDO)] = False,
) -> dict[str, Any]:
    actions = services_of(request).actions
    return actions.untimeout(actor, channel.id, user.id, reason, undo=undo).to_dict()


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
    undo: Annotated[bool, Query(description=_UNDO)] = False,
) -> dict[str, Any]:
    actions = services_of(request).actions
    return actions.unban(actor, channel.id, user.id, reason, undo=undo).to_dict()


class ModLogParams(BaseModel):
    """The mod log's search (``GET /channels/{name}/modlog``): every filter given must hold."""

    action: list[
        Annotated[str, Field(max_length=MAX_ACTION_LENGTH, pattern=ACTION_NAME.pattern)]
    ] = Field(
        default_factory=list,
        max_length=MAX_ACTIONS,
        description="Action types, any of them (repeat the parameter): an exact name such as "
        "`ban` or `automod.terms.add`, or a family such as `detection.*`.",
    )
    moderator: str | None = Field(
        None, max_length=64, description="The moderator's username (unknown: no entries)."
    )
    user: str | None = Field(
        None, max_length=64, description="The target user's username (unknown: no entries)."
    )
    automatic: bool | None = Field(
        None,
        description="true: only entries no person made (AutoMod, detection, learning); "
        "false: only a person's.",
    )
    q: str | None = Field(
        None,
        max_length=MAX_TEXT,
        description="Text in the reason or the details, case-insensitive; `%` and `_` are "
        "literal characters.",
    )
    since: datetime | None = Field(
        None, alias="from", description="ISO 8601; entries at or after it (no zone: UTC)."
    )
    until: datetime | None = Field(
        None, alias="to", description="ISO 8601; entries before it (no zone: UTC)."
    )
    before_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The smallest id of the previous page (next page)."
    )
    limit: int = Field(100, ge=1, le=MAX_LIMIT)

    @model_validator(mode="after")
    def _coherent(self) -> ModLogParams:
        try:
            self.query().checked()
        except InputError as exc:
            raise ValueError(exc.message) from None
        return self

    def query(self) -> ModLogQuery:
        return ModLogQuery(
            actions=tuple(self.action),
            moderator=self.moderator,
            user=self.user,
            automatic=self.automatic,
            text=self.q,
            since=self.since,
            until=self.until,
            before_id=self.before_id,
            limit=self.limit,
        )


@router.get("/channels/{name}/modlog")
def mod_log(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    params: Annotated[ModLogParams, Query()],
) -> list[dict[str, Any]]:
    """Search the mod log's whole history, newest first: every moderator action, AutoMod and
    detection decision, Shield Mode change, suspicious-user flag, settings change, note and
    unban request. Page with `before_id` = the last entry's id; a page shorter than `limit` is
    the last. Moderators and up (`view_mod_log`)."""
    entries = services_of(request).modlog.search(actor, channel.id, params.query())
    return [e.to_dict() for e in entries]
