"""User cards, moderator notes, unban requests, the banned-users list and finding users."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status

from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, RowId, UserArg
from chatwarden.web.schemas import NewNote, NewUnbanRequest, UnbanResolution
from chatwarden.web.state import services_of

router = APIRouter(tags=["people"])


@router.get("/channels/{name}/users/{username}/card")
def user_card(
    channel: ChannelArg,
    user: UserArg,
    actor: CurrentActor,
    request: Request,
    messages: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """A user's messages here, warning/timeout/ban counts, account age, follow date, notes."""
    card = services_of(request).usercard.user_card(actor, channel.id, user.id, messages)
    return card.to_dict()


@router.get("/channels/{name}/chat-marks")
def chat_marks(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    user: Annotated[list[str], Query(max_length=50)],
) -> dict[str, Any]:
    """Marks for chatters' lines in Mod View's chat: ``first_message_id`` (their first message
    here: a first-time chatter's line), ``monitored`` ("monitored"/"restricted"/null),
    ``back_from_timeout`` (when their last timeout ran out, if it was not lifted) and
    ``first_back_id`` (their first message after it). ``?user=a&user=b``, up to 50 names;
    unknown names are left out. Moderators only."""
    marks = services_of(request).usercard.chat_marks(actor, channel.id, user)
    return {"users": {name: m.to_dict() for name, m in marks.items()}}


@router.post("/channels/{name}/users/{username}/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    body: NewNote, channel: ChannelArg, user: UserArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """A note for the mod team (not shown to the user)."""
    return services_of(request).usercard.add_note(actor, channel.id, user.id, body.text).to_dict()


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(note_id: RowId, actor: CurrentActor, request: Request) -> None:
    """Delete a note (lead moderators and the owner)."""
    services_of(request).usercard.delete_note(actor, note_id)


@router.post("/channels/{name}/unban-requests", status_code=status.HTTP_201_CREATED)
def create_unban_request(
    body: NewUnbanRequest, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """A banned user asks to be unbanned."""
    return services_of(request).unban.create_request(actor, channel.id, body.text).to_dict()


@router.get("/channels/{name}/unban-requests")
def list_unban_requests(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    status: Literal["pending", "approved", "denied", "all"] = "pending",
) -> list[dict[str, Any]]:
    """Unban requests for the mod team (``status=all`` for every one)."""
    wanted = None if status == "all" else status
    found = services_of(request).unban.list_requests(actor, channel.id, wanted)
    return [r.to_dict() for r in found]


@router.get("/channels/{name}/unban-requests/mine")
def my_unban_requests(
    channel: ChannelArg, actor: CurrentActor, request: Request
) -> list[dict[str, Any]]:
    """The caller's own requests and their outcome (with the note to the user)."""
    return [r.to_dict() for r in services_of(request).unban.my_requests(actor, channel.id)]


@router.post("/unban-requests/{request_id}")
def resolve_unban_request(
    request_id: RowId, body: UnbanResolution, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Approve (unbans the user) or deny, with a note to the user and a private note."""
    return (
        services_of(request)
        .unban.resolve(
            actor, request_id, body.decision == "approve", body.note_to_user, body.private_note
        )
        .to_dict()
    )


#: the start of a username (letters, digits, ``_``): anything else is a 422 here
_PREFIX = Query(min_length=1, max_length=25, pattern=r"^[A-Za-z0-9_]+$")


@router.get("/channels/{name}/bans")
def list_bans(
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
    q: Annotated[str, Query(max_length=25, pattern=r"^[A-Za-z0-9_]*$")] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Who is banned here (moderators and up), newest ban first, with the reason, the
    moderator and the time from the ban's mod-log entry; ``q`` keeps names starting with it;
    page with ``offset``/``limit`` (``total`` counts them all). Unban: ``DELETE .../bans/{u}``."""
    bans = services_of(request).bans
    return bans.list_bans(actor, channel.id, q=q, limit=limit, offset=offset).to_dict()


@router.get("/channels/{name}/users")
def find_users(
    channel: ChannelArg, actor: CurrentActor, request: Request, q: Annotated[str, _PREFIX]
) -> list[dict[str, Any]]:
    """Any account whose name starts with ``q`` (case-insensitive; at most 20, alphabetical;
    moderators and up), with its role here and whether it is banned or timed out now."""
    return [m.to_dict() for m in services_of(request).bans.find_users(actor, channel.id, q)]
