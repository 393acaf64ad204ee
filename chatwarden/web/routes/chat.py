"""Chat over HTTP (for bots; people use the WebSocket), recent messages, the AutoMod pre-check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from chatwarden.service.moderation.slash import is_command
from chatwarden.service.types import SendRequest
from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg
from chatwarden.web.schemas import ChatSend, TextCheck
from chatwarden.web.state import edge_of, services_of

router = APIRouter(tags=["chat"])


@router.post("/channels/{name}/messages")
async def send_message(
    body: ChatSend, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Send a chat message. ``status``: delivered, delayed, held, blocked or rejected.

    Resending with the same ``idempotency_key`` returns the first result (``replayed``: true)
    and stores nothing new. A slash command (``/ban alice spam``, ``/timeout alice 10m``,
    ``/slow 30``, ...: docs/web-ui.md lists them) is run, not posted: the answer is
    ``{"status": "command", "command": ..., "message": ...}``; an unknown command is 400.
    """
    if is_command(body.text):
        commands = services_of(request).commands
        done = await run_in_threadpool(commands.run, actor, channel.id, body.text)
        return {"status": "command", **done.to_dict()}
    request_ = SendRequest(
        actor,
        channel.id,
        body.text,
        body.idempotency_key,
        body.device_fingerprint,
        body.network_fingerprint,
    )
    result = await edge_of(request).ingest.send(request_)
    out = result.to_dict()
    out.pop("decision", None)  # the sender sees the outcome, not AutoMod's scores
    return out


@router.get("/channels/{name}/messages")
def recent_messages(
    channel: ChannelArg, request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The newest delivered messages, oldest first."""
    return [m.to_dict() for m in services_of(request).chat.recent_messages(channel.id, limit)]


@router.post("/channels/{name}/automod/check")
def check_automod_status(
    body: TextCheck, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Would this message be held? (Twitch's Check AutoMod Status; moderators.)

    ``is_permitted`` is false when a viewer's message would be held or blocked. The owner's
    private terms show only to the owner (others see ``term``: null and the matched words).
    """
    return services_of(request).chat.precheck(actor, channel.id, body.text)
