"""``chatwarden connect add matrix``: a stored Matrix connection (the bot's access token sealed
like every connection's credential). ``connect run ID`` runs it (``matrix_connector``), keeping
its sync token in the connection (``ConnectionCursor``) so a restart resumes where it stopped.

The access token comes from an environment variable named on the command line
(``--token-env``) or standard input (``--token-stdin``), never the command line itself, and is
never printed or logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from chatwarden.cli._common import fail

if TYPE_CHECKING:
    from chatwarden.connectors.matrix.client import MatrixConnector
    from chatwarden.service.platform.connections import Connection
    from chatwarden.services import Services

DB_HELP = "The ChatWarden database (CHATWARDEN_DATABASE_URL)."


def add_matrix_command(
    into: str = typer.Option(
        ...,
        "--channel",
        "--into",
        help="The ChatWarden channel (it must exist) that receives the messages.",
    ),
    homeserver: str = typer.Option(
        ..., "--homeserver", help="The homeserver's URL, e.g. https://matrix.example.org."
    ),
    room: str = typer.Option(
        ..., "--room", help="The room: its id ('!id:server') or an alias ('#chat:server')."
    ),
    user: str = typer.Option(..., "--user", help="The bot's user id, e.g. '@cwbot:example.org'."),
    level: list[str] = typer.Option(
        [],
        "--level",
        help="LEVEL=ROLE: members at this power level or above have this ChatWarden role "
        "(owner, lead_moderator, moderator, vip, subscriber); repeatable. Default: "
        "100=owner and 50=moderator.",
    ),
    warn_reply: bool = typer.Option(
        False,
        "--warn-reply",
        help="Matrix has no warnings: say a ChatWarden warning in the room as a notice "
        "(default: only in ChatWarden).",
    ),
    policy_room: list[str] = typer.Option(
        [],
        "--policy-room",
        help="A Draupnir/Mjolnir policy room (id or alias) whose m.policy.rule.user and "
        ".server ban rules apply in the room; repeatable.",
    ),
    publish_bans_to: str | None = typer.Option(
        None,
        "--publish-bans-to",
        help="A policy room the bot may write to: ChatWarden's bans in the room are published "
        "there as m.policy.rule.user rules (withdrawn on unban).",
    ),
    token_env: str | None = typer.Option(
        None,
        "--token-env",
        "--credential-env",
        help="Name of the environment variable with the bot's access token.",
    ),
    token_stdin: bool = typer.Option(
        False,
        "--token-stdin",
        "--credential-stdin",
        help="Read the bot's access token from standard input.",
    ),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Store a Matrix connection (a bot account in one room); `chatwarden connect run ID` runs
    it. The bot needs power level 50 in the room (redact, kick and ban at Matrix's defaults).

    Example:

      printf '%s\\n' "$MATRIX_TOKEN" | chatwarden connect add matrix --channel mychan \\
        --homeserver https://matrix.example.org --room '#chat:example.org' \\
        --user '@cwbot:example.org' --token-stdin
    """
    from chatwarden.cli.connections import read_credential, store_connection
    from chatwarden.connectors.matrix.parse import parse_levels
    from chatwarden.service.platform.connections import ConnectionSpec, Credentials

    try:
        secret = read_credential(token_env, token_stdin)
        levels = parse_levels(level)
    except ValueError as exc:
        fail(str(exc).replace("--credential-", "--token-"))
    spec = ConnectionSpec(
        "matrix",
        homeserver,
        room,
        user,
        True,
        roles=tuple((str(lv), r.value) for lv, r in levels),
        warn="reply" if warn_reply else "skip",
        policy_rooms=tuple(policy_room),
        publish_room=publish_bans_to,
    )
    made, into_name = store_connection(database_url, into, spec, Credentials(secret))
    stored = "token stored encrypted" if made.has_credential else "no token"
    typer.echo(
        f"connection {made.id}: matrix {made.room} on {made.target} as {made.account} -> "
        f"channel {into_name!r} ({stored}); run it with: chatwarden connect run {made.id}"
    )


class ConnectionCursor:
    """A stored connection's sync token (``CursorStore``): its options' ``cursor``."""

    def __init__(self, services: Services, connection_id: int) -> None:
        self.services = services
        self.connection_id = connection_id

    def load(self) -> str | None:
        cursor = self.services.connections.get(self.connection_id).options.get("cursor")
        return cursor if isinstance(cursor, str) and cursor else None

    def save(self, since: str) -> None:
        self.services.connections.report_cursor(self.connection_id, since)


class ConnectionMutes:
    """A stored connection's muted members (``MuteStore``): its options' ``mutes``."""

    def __init__(self, services: Services, connection_id: int) -> None:
        self.services = services
        self.connection_id = connection_id

    def load(self) -> dict[str, dict[str, Any]]:
        mutes = self.services.connections.get(self.connection_id).options.get("mutes")
        return dict(mutes) if isinstance(mutes, dict) else {}

    def save(self, mutes: dict[str, dict[str, Any]]) -> None:
        self.services.connections.report_mutes(self.connection_id, mutes)


def matrix_connector(c: Connection, token: str | None, services: Services) -> MatrixConnector:
    """A stored Matrix connection's connector."""
    from chatwarden.connectors.matrix.client import MatrixConnector, MatrixSettings
    from chatwarden.connectors.matrix.parse import DEFAULT_LEVELS
    from chatwarden.settings import Role

    if not token:
        fail(f"connection {c.id}: a Matrix connection needs its bot's access token")
    stored = dict(c.options.get("levels") or {})
    levels = tuple(sorted(((int(k), Role(v)) for k, v in stored.items()), key=lambda p: -p[0]))
    settings = MatrixSettings(
        c.target,
        c.room,
        c.account,
        token,
        levels=levels or DEFAULT_LEVELS,
        warn="reply" if c.options.get("warn") == "reply" else "skip",
        policy_rooms=tuple(str(r) for r in c.options.get("policy_rooms") or ()),
        publish_room=c.options.get("publish_room"),
    )
    cursor, mutes = ConnectionCursor(services, c.id), ConnectionMutes(services, c.id)
    return MatrixConnector(settings, cursor, mutes=mutes)
