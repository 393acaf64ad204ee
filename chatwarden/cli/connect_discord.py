"""``chatwarden connect add discord`` and ``connect discord-rules``: a stored Discord connection
(the bot token sealed like every connection's credential) and the guild's own AutoMod rules.
``connect run ID`` runs a stored Discord connection (``discord_connector``).

The bot token comes from an environment variable named on the command line
(``--credential-env``) or standard input (``--credential-stdin``), never the command line
itself, and is never printed or logged. CHATWARDEN_DISCORD_GATEWAY_URL and
CHATWARDEN_DISCORD_API_URL point the connector elsewhere (a test double, a proxy).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

from chatwarden.cli._common import fail
from chatwarden.config import platform_url
from chatwarden.errors import ChatWardenError

if TYPE_CHECKING:
    from chatwarden.connectors.discord.client import DiscordConnector
    from chatwarden.service.platform.connections import Connection

DB_HELP = "The ChatWarden database (CHATWARDEN_DATABASE_URL)."


def add_discord_command(
    into: str = typer.Option(
        ..., "--into", help="The ChatWarden channel (it must exist) that receives the messages."
    ),
    guild: str = typer.Option(..., "--guild", help="The guild (server) id."),
    channel: str = typer.Option(..., "--channel", help="The text channel's id."),
    bot: str = typer.Option(..., "--bot", help="The bot's user id (its application's user)."),
    role: list[str] = typer.Option(
        [],
        "--role",
        help="ROLE_ID=ROLE: members with this Discord role have this ChatWarden role "
        "(lead_moderator, moderator, vip, subscriber, viewer); repeatable. The guild's owner is "
        "a lead moderator.",
    ),
    warn_reply: bool = typer.Option(
        False,
        "--warn-reply",
        help="Discord has no warnings: say a ChatWarden warning in the channel (default: only "
        "in ChatWarden).",
    ),
    credential_env: str | None = typer.Option(
        None, "--credential-env", help="Name of the environment variable with the bot token."
    ),
    credential_stdin: bool = typer.Option(
        False, "--credential-stdin", help="Read the bot token from standard input."
    ),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Store a Discord connection (Gateway in, REST out); `chatwarden connect run ID` runs it.
    The bot needs the MESSAGE_CONTENT intent and, in the guild, View Channel, Send Messages,
    Manage Messages, Moderate Members and Ban Members (Manage Server for discord-rules).

    Example:

      printf '%s\\n' "$DISCORD_TOKEN" | chatwarden connect add discord --into mychan \\
        --guild 1200000000000000001 --channel 1250000000000000001 \\
        --bot 1100000000000000001 --role 1300000000000000003=moderator --credential-stdin
    """
    from chatwarden.cli.connections import read_credential, store_connection
    from chatwarden.connectors.discord.parse import parse_role_map
    from chatwarden.service.platform.connections import ConnectionSpec, Credentials

    try:
        secret = read_credential(credential_env, credential_stdin)
        roles = parse_role_map(role)
    except ValueError as exc:
        fail(str(exc))
    spec = ConnectionSpec(
        "discord",
        guild,
        channel,
        bot,
        True,
        roles=tuple((rid, r.value) for rid, r in roles.items()),
        warn="reply" if warn_reply else "skip",
    )
    made, into_name = store_connection(database_url, into, spec, Credentials(secret))
    stored = "token stored encrypted" if made.has_credential else "no token"
    typer.echo(
        f"connection {made.id}: discord guild {made.target} channel {made.room} as "
        f"{made.account} -> channel {into_name!r} ({stored}); run it with: "
        f"chatwarden connect run {made.id}"
    )


def discord_connector(c: Connection, token: str | None) -> DiscordConnector:
    """A stored Discord connection's connector."""
    from chatwarden.connectors.discord.client import GATEWAY, DiscordConnector, DiscordSettings
    from chatwarden.connectors.discord.rest import API_BASE
    from chatwarden.settings import Role

    if not token:
        fail(f"connection {c.id}: a Discord connection needs its bot token")
    roles = {str(k): Role(v) for k, v in dict(c.options.get("roles") or {}).items()}
    settings = DiscordSettings(
        c.target,
        c.room,
        token,
        roles=roles,
        warn="reply" if c.options.get("warn") == "reply" else "skip",
        gateway=platform_url("CHATWARDEN_DISCORD_GATEWAY_URL", GATEWAY),
        api_base=platform_url("CHATWARDEN_DISCORD_API_URL", API_BASE),
    )
    return DiscordConnector(settings)


def discord_rules_command(
    connection_id: int = typer.Argument(..., help="A stored Discord connection's id."),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """List the guild's own Discord AutoMod rules (the bot needs Manage Server): they act
    before ChatWarden sees a message, so a message they block never reaches ChatWarden."""
    from chatwarden.cli.connections import _services
    from chatwarden.connectors.discord.rest import API_BASE, DiscordError, DiscordRest

    services = _services(database_url)
    try:
        stored = services.connections.runnable(connection_id)
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    c, token = stored.connection, stored.credentials.secret
    if c.platform != "discord" or not token:
        fail(f"connection {c.id} is not a Discord connection with a token")

    async def fetch() -> list[dict[str, object]]:
        rest = DiscordRest(token, platform_url("CHATWARDEN_DISCORD_API_URL", API_BASE))
        try:
            return await rest.automod_rules(c.target)
        finally:
            await rest.aclose()

    try:
        rules = asyncio.run(fetch())
    except DiscordError as exc:
        fail(str(exc))
    if not rules:
        typer.echo("no AutoMod rules")
    for rule in rules:
        typer.echo(describe_rule(rule))


def describe_rule(rule: dict[str, object]) -> str:
    """One line: id, name, on/off, trigger, actions, exemptions."""
    from chatwarden.connectors.discord.parse import automod_rule

    r = automod_rule(rule)
    return (
        f"{r['id']}\t{r['name']}\t{'enabled' if r['enabled'] else 'disabled'}"
        f"\ttrigger: {r['trigger']}\tactions: {', '.join(r['actions']) or '-'}"
        f"\texempt roles: {r['exempt_roles']}"
    )
