"""A channel's connections to other platforms' chats (owner only; docs/connectors.md).

The credential is write-only: a POST may carry it (``credential``; ``oper_password`` for a
plain IRC operator block; ``refresh_token`` and ``client_secret`` for a Twitch EventSub
connection that refreshes its token), and a PATCH may replace them (a revoked token, a refused
refresh) with the settings that do not change which chat it is; no response ever contains
them, only ``has_credential``.
What each platform takes is checked by the connection service (the CLI's checks, the same code).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, status
from pydantic import Field, SecretStr

from chatwarden.service.platform.connections import (
    ConnectionChange,
    ConnectionSpec,
    Credentials,
)
from chatwarden.web.auth import CurrentActor
from chatwarden.web.routes.deps import ChannelArg, RowId
from chatwarden.web.schemas import _Body
from chatwarden.web.state import services_of

router = APIRouter(tags=["connections"])


class NewConnection(_Body):
    platform: Literal["irc", "twitch", "matrix", "discord"]
    target: str = Field(
        "",
        max_length=255,
        description="IRC: the server, HOST:PORT (Twitch IRC: may be empty); Twitch EventSub and "
        "Helix: 'eventsub'; Discord: the guild id.",
    )
    room: str = Field(
        max_length=255,
        description="The IRC channel ('#chan'), the broadcaster's Twitch login, the room, the "
        "Discord channel id.",
    )
    account: str = Field(
        max_length=255, description="The bot's nick, Twitch login or Discord user id."
    )
    tls: bool = False
    oper: str | None = Field(None, max_length=100, description="Plain IRC: an operator block.")
    credential: SecretStr | None = Field(
        None,
        description="The server password, the Twitch user access token or the Discord bot "
        "token (write-only; stored encrypted).",
    )
    oper_password: SecretStr | None = Field(
        None, description="The operator block's password (write-only; stored encrypted)."
    )
    client_id: str | None = Field(
        None, max_length=100, description="Twitch EventSub: the application's client id."
    )
    automod: bool = Field(
        False, description="Twitch EventSub: also manage the messages Twitch's AutoMod holds."
    )
    refresh_token: SecretStr | None = Field(
        None,
        description="Twitch EventSub: the token's refresh token, to refresh a token Twitch "
        "refuses (write-only; stored encrypted; with client_secret).",
    )
    client_secret: SecretStr | None = Field(
        None,
        description="Twitch EventSub: the application's client secret (write-only; stored "
        "encrypted; with refresh_token).",
    )
    roles: dict[str, str] = Field(
        default_factory=dict,
        description="Discord: role id -> ChatWarden role (lead_moderator, moderator, vip, "
        "subscriber, viewer); Matrix: power level -> ChatWarden role.",
    )
    warn: Literal["skip", "reply"] = Field(
        "skip",
        description="Discord and Matrix have no warnings: 'skip' (only in ChatWarden) or "
        "'reply' (the bot says it in the channel).",
    )
    policy_rooms: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Matrix: Draupnir/Mjolnir policy rooms (ids or aliases) whose ban rules "
        "apply in the room.",
    )
    publish_room: str | None = Field(
        None,
        max_length=255,
        description="Matrix: a policy room the bot may write to; ChatWarden's bans are "
        "published there as m.policy.rule.user events.",
    )


class ConnectionUpdate(_Body):
    """What to replace; a field left out is kept. The platform, target, room and account
    stay (another chat is another connection)."""

    credential: SecretStr | None = Field(
        None,
        description="A new server password, Twitch user access token, Discord bot token or "
        "Matrix access token (write-only; stored encrypted).",
    )
    oper_password: SecretStr | None = Field(
        None, description="Plain IRC: the operator block's new password (write-only)."
    )
    refresh_token: SecretStr | None = Field(
        None,
        description="Twitch EventSub: a new refresh token (write-only; with a client secret, "
        "given now or stored before).",
    )
    client_secret: SecretStr | None = Field(
        None, description="Twitch EventSub: the application's new client secret (write-only)."
    )
    tls: bool | None = Field(None, description="IRC: connect with TLS.")
    oper: str | None = Field(None, max_length=100, description="Plain IRC: an operator block.")
    client_id: str | None = Field(
        None, max_length=100, description="Twitch EventSub: the application's client id."
    )
    automod: bool | None = Field(
        None, description="Twitch EventSub: also manage the messages Twitch's AutoMod holds."
    )
    roles: dict[str, str] | None = Field(
        None,
        description="Discord: role id -> ChatWarden role; Matrix: power level -> role "
        "(the whole map, replacing the stored one).",
    )
    warn: Literal["skip", "reply"] | None = Field(
        None, description="Discord, Matrix: 'skip' or 'reply'."
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
    spec = ConnectionSpec(
        body.platform,
        body.target,
        body.room,
        body.account,
        body.tls,
        body.oper,
        body.client_id,
        body.automod,
        tuple(body.roles.items()),
        body.warn,
        tuple(body.policy_rooms),
        body.publish_room,
    )
    creds = Credentials(
        _secret(body.credential),
        _secret(body.oper_password),
        _secret(body.refresh_token),
        _secret(body.client_secret),
    )
    return services_of(request).connections.add(actor, channel.id, spec, creds).to_dict()


@router.delete(
    "/channels/{name}/connections/{connection_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_connection(
    connection_id: RowId, channel: ChannelArg, actor: CurrentActor, request: Request
) -> None:
    services_of(request).connections.remove(actor, connection_id, channel_id=channel.id)


@router.patch("/channels/{name}/connections/{connection_id}")
def update_connection(
    connection_id: RowId,
    body: ConnectionUpdate,
    channel: ChannelArg,
    actor: CurrentActor,
    request: Request,
) -> dict[str, Any]:
    """Replace a connection's credentials or settings, keeping its id, status and resume
    point (checked as a new one is; the mod log names the fields changed, never a secret). A
    running ``chatwarden connect run`` keeps the credentials it started with: restart it."""
    change = ConnectionChange(
        tls=body.tls,
        oper=body.oper,
        client_id=body.client_id,
        automod=body.automod,
        roles=None if body.roles is None else tuple(body.roles.items()),
        warn=body.warn,
    )
    creds = Credentials(
        _secret(body.credential),
        _secret(body.oper_password),
        _secret(body.refresh_token),
        _secret(body.client_secret),
    )
    made, changed = services_of(request).connections.update(
        actor, connection_id, change, creds, channel_id=channel.id
    )
    return {**made.to_dict(), "changed": changed}
