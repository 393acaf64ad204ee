"""A channel's connections to other platforms' chats (owner only; docs/connectors.md).

The credential is write-only: a POST may carry it (``credential``, and ``oper_password`` for a
plain IRC operator block); no response ever contains it, only ``has_credential``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, status
from pydantic import Field, SecretStr

from chatwarden.service.platform.connections import ConnectionSpec, Credentials
from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, RowId
from chatwarden.web.schemas import _Body
from chatwarden.web.state import services_of

router = APIRouter(tags=["connections"])


class NewConnection(_Body):
    platform: Literal["irc", "twitch", "matrix", "discord"]
    target: str = Field(
        "", max_length=255, description="IRC: the server, HOST:PORT (Twitch: may be empty)."
    )
    room: str = Field(max_length=255, description="The IRC channel ('#chan'), the room.")
    account: str = Field(max_length=255, description="The bot's nick, login or user id.")
    tls: bool = False
    oper: str | None = Field(None, max_length=100, description="Plain IRC: an operator block.")
    credential: SecretStr | None = Field(
        None, description="The server password or token (write-only; stored encrypted)."
    )
    oper_password: SecretStr | None = Field(
        None, description="The operator block's password (write-only; stored encrypted)."
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


@router.get("/channels/{name}/connections")
def list_connections(
    channel: ChannelArg, actor: CurrentActor, request: Request
) -> list[dict[str, Any]]:
    """The channel's connections with their status, last message and last error."""
    found = services_of(request).connections.list_connections(actor, channel.id)
    return [c.to_dict() for c in found]


@router.post("/channels/{name}/connections", status_code=status.HTTP_201_CREATED)
def add_connection(
    body: NewConnection, channel: ChannelArg, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """Store a connection; its credential is encrypted with the deployment's connector keys
    (400 ``config_error`` when none is configured)."""
    spec = ConnectionSpec(body.platform, body.target, body.room, body.account, body.tls, body.oper)
    creds = Credentials(_secret(body.credential), _secret(body.oper_password))
    return services_of(request).connections.add(actor, channel.id, spec, creds).to_dict()


@router.delete(
    "/channels/{name}/connections/{connection_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_connection(
    connection_id: RowId, channel: ChannelArg, actor: CurrentActor, request: Request
) -> None:
    services_of(request).connections.remove(actor, connection_id, channel_id=channel.id)
