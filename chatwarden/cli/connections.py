"""Stored connections: ``chatwarden connect add irc|twitch|list|remove|update|run|automod|key|
rekey``.

A stored connection's credentials are read from an environment variable named on the command
line (``--credential-env``) or from standard input (``--credential-stdin``), never from the
command line itself, and stored encrypted with the deployment's connector keys
(``CHATWARDEN_CONNECTOR_KEYS``; ``connect key`` makes one). The commands act for the channel's
owner (the mod log records ``via: cli``): whoever runs them holds the database and the keys.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import typer

from chatwarden.cli._common import fail
from chatwarden.cli.connect import (
    connect_app,
    parse_server,
    report_stopped,
    run_until_stopped,
    secret_from_env,
)
from chatwarden.cli.connect_automod import automod_command
from chatwarden.cli.connect_discord import (
    add_discord_command,
    discord_connector,
    discord_rules_command,
)
from chatwarden.cli.connect_matrix import add_matrix_command, matrix_connector
from chatwarden.cli.connect_update import update_command
from chatwarden.config import ServiceConfig, platform_url
from chatwarden.errors import ChatWardenError

if TYPE_CHECKING:
    from collections.abc import Callable

    from chatwarden.connectors.runner import ConnectorRunner
    from chatwarden.connectors.twitch.client import TwitchConnector
    from chatwarden.service.platform.connections import Connection, ConnectionSpec, Credentials
    from chatwarden.services import Services

__all__ = ["add_app", "connect_app"]

add_app = typer.Typer(
    help="Store a connection for a channel (its credentials encrypted).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

DB_HELP = "The ChatWarden database (CHATWARDEN_DATABASE_URL)."


def _services(database_url: str | None) -> Services:
    from chatwarden.services import build_services

    try:
        return build_services(ServiceConfig.from_env(database_url=database_url))
    except ChatWardenError as exc:
        fail(exc.message)


def store_connection(
    database_url: str | None, into: str, spec: ConnectionSpec, creds: Credentials
) -> tuple[Connection, str]:
    """Store ``spec`` for the channel ``into`` as its owner (the mod log says ``via: cli``);
    the stored connection and the channel's name. Fails with the service's message."""
    services = _services(database_url)
    try:
        target = services.channels.get_channel_by_name(into)
        owner = services.connections.owner_of(target.id)
        made = services.connections.add(owner, target.id, spec, creds, via="cli")
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    return made, target.name


def read_credential(env_name: str | None, from_stdin: bool) -> str | None:
    """The credential from the variable ``env_name`` or the first line of standard input."""
    if env_name is not None and from_stdin:
        raise ValueError("--credential-env and --credential-stdin: choose one")
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ValueError("--credential-stdin: standard input had no credential")
        return line
    return secret_from_env(env_name, "--credential-env")


def add_irc_command(
    into: str = typer.Option(
        ..., "--into", help="The ChatWarden channel (it must exist) that receives the messages."
    ),
    server: str = typer.Option(
        "", "--server", help="The IRC server, HOST:PORT (Twitch: irc.chat.twitch.tv:6697)."
    ),
    channel: str = typer.Option(..., "--channel", help="The IRC channel, e.g. '#chan'."),
    nick: str = typer.Option(..., "--nick", help="The bot's nick (Twitch: the bot's login)."),
    credential_env: str | None = typer.Option(
        None,
        "--credential-env",
        help="Name of the environment variable that holds the server password "
        "(Twitch: 'oauth:<token>').",
    ),
    credential_stdin: bool = typer.Option(
        False, "--credential-stdin", help="Read the server password from standard input."
    ),
    oper: str | None = typer.Option(None, "--oper", help="An operator block's name."),
    oper_password_env: str | None = typer.Option(
        None, "--oper-password-env", help="Name of the environment variable with its password."
    ),
    twitch: bool = typer.Option(False, "--twitch", help="Twitch's IRC dialect."),
    tls: bool = typer.Option(False, "--tls", help="Connect with TLS."),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Store an IRC (or Twitch IRC) connection; `chatwarden connect run ID` runs it.

    Example:

      CW_OPER=... chatwarden connect add irc --into mychan --server irc.example.net:6697 \\
        --tls --channel '#chat' --nick cwbot --oper cwbot --oper-password-env CW_OPER
    """
    from chatwarden.service.platform.connections import ConnectionSpec, Credentials

    try:
        secret = read_credential(credential_env, credential_stdin)
        oper_password = secret_from_env(oper_password_env, "--oper-password-env")
    except ValueError as exc:
        fail(str(exc))
    spec = ConnectionSpec("twitch" if twitch else "irc", server, channel, nick, tls, oper)
    made, into_name = store_connection(database_url, into, spec, Credentials(secret, oper_password))
    stored = "credential stored encrypted" if made.has_credential else "no credential"
    typer.echo(
        f"connection {made.id}: {made.platform} {made.target} {made.room} as {made.account} "
        f"-> channel {into_name!r} ({stored}); run it with: chatwarden connect run {made.id}"
    )


def add_twitch_command(
    into: str = typer.Option(
        ..., "--into", help="The ChatWarden channel (it must exist) that receives the messages."
    ),
    channel: str = typer.Option(..., "--channel", help="The broadcaster's Twitch login."),
    bot: str = typer.Option(
        ...,
        "--bot",
        help="The login of the account whose user access token this is (a moderator of the "
        "channel, or the broadcaster).",
    ),
    client_id: str = typer.Option(
        ..., "--client-id", help="The client id of the Twitch application the token is for."
    ),
    credential_env: str | None = typer.Option(
        None,
        "--credential-env",
        help="Name of the environment variable that holds the user access token.",
    ),
    credential_stdin: bool = typer.Option(
        False, "--credential-stdin", help="Read the user access token from standard input."
    ),
    automod: bool = typer.Option(
        False,
        "--automod",
        help="Also take the messages Twitch's own AutoMod holds (automod.message.hold; the "
        "token needs moderator:manage:automod).",
    ),
    refresh_token_env: str | None = typer.Option(
        None,
        "--refresh-token-env",
        help="Name of the environment variable with the token's refresh token: a token Twitch "
        "refuses is refreshed (with --client-secret-env).",
    ),
    client_secret_env: str | None = typer.Option(
        None,
        "--client-secret-env",
        help="Name of the environment variable with the application's client secret.",
    ),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Store a Twitch connection through EventSub and Helix; `chatwarden connect run ID` runs
    it. Scopes: user:read:chat, moderator:manage:chat_messages, moderator:manage:banned_users,
    moderator:manage:warnings (and moderator:manage:automod with --automod).

    Example:

      printf '%s\n' "$TWITCH_TOKEN" | chatwarden connect add twitch --into mychan \
        --channel streamer --bot mybot --client-id abc123 --credential-stdin
    """
    from chatwarden.service.platform.connections import EVENTSUB, ConnectionSpec, Credentials

    try:
        secret = read_credential(credential_env, credential_stdin)
        refresh_token = secret_from_env(refresh_token_env, "--refresh-token-env")
        client_secret = secret_from_env(client_secret_env, "--client-secret-env")
    except ValueError as exc:
        fail(str(exc))
    spec = ConnectionSpec("twitch", EVENTSUB, channel, bot, True, None, client_id, automod)
    creds = Credentials(secret, None, refresh_token, client_secret)
    made, into_name = store_connection(database_url, into, spec, creds)
    stored = "token stored encrypted" if made.has_credential else "no token"
    typer.echo(
        f"connection {made.id}: twitch EventSub {made.room} as {made.account} -> channel "
        f"{into_name!r} ({stored}); run it with: chatwarden connect run {made.id}"
    )


def list_command(
    into: str | None = typer.Option(None, "--into", help="Only this channel's connections."),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """List stored connections with their status, last message and last error."""
    services = _services(database_url)
    try:
        if into is None:
            rows = services.connections.list_all()
        else:
            channel = services.channels.get_channel_by_name(into)
            owner = services.connections.owner_of(channel.id)
            rows = services.connections.list_connections(owner, channel.id)
        names = {c.channel_id: services.channels.get_channel(c.channel_id).name for c in rows}
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    if not rows:
        typer.echo("no connections")
    for c in rows:
        last = c.last_message_at.isoformat(timespec="seconds") if c.last_message_at else "never"
        typer.echo(
            f"{c.id}\t{names[c.channel_id]}\t{c.platform}\t{c.target}\t{c.room}\t{c.account}"
            f"\t{c.status}\tlast message: {last}"
            + (f"\tlast error: {c.last_error}" if c.last_error else "")
        )


def remove_command(
    connection_id: int = typer.Argument(..., help="The connection's id (`connect list`)."),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Remove a stored connection and its encrypted credential."""
    services = _services(database_url)
    try:
        found = services.connections.get(connection_id)
        owner = services.connections.owner_of(found.channel_id)
        services.connections.remove(owner, connection_id, via="cli")
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    typer.echo(f"connection {connection_id} removed")


def run_command(
    connection_id: int = typer.Argument(..., help="The connection's id (`connect list`)."),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Run a stored connection until Ctrl-C, reporting its status into it."""
    from chatwarden.connectors.base import Connector, PlatformUser
    from chatwarden.connectors.irc.client import IrcConnector, IrcSettings
    from chatwarden.connectors.runner import ConnectorRunner
    from chatwarden.service.platform.connections import EVENTSUB, RUNNABLE

    services = _services(database_url)
    try:
        try:
            stored = services.connections.runnable(connection_id)
        except ChatWardenError as exc:
            fail(exc.message)
        c, creds = stored.connection, stored.credentials
        if c.platform not in RUNNABLE:
            fail(f"connection {c.id} is a {c.platform} connection; its connector is not built yet")
        connector: Connector
        if c.platform == "twitch" and c.target == EVENTSUB:
            connector = _twitch_connector(services, c, creds, lambda: runner)
        elif c.platform == "discord":
            connector = discord_connector(c, creds.secret)
        elif c.platform == "matrix":
            connector = matrix_connector(c, creds.secret, services)
        else:
            host, port = parse_server(c.target)
            oper = c.options.get("oper")
            settings = IrcSettings(
                host,
                port,
                c.room,
                c.account,
                dialect="twitch" if c.platform == "twitch" else "irc",
                password=creds.secret,
                oper=(oper, creds.oper_password) if oper and creds.oper_password else None,
                tls=bool(c.options.get("tls")),
            )
            connector = IrcConnector(settings)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        bot = PlatformUser(connector.platform, c.account.lower(), c.account)
        runner = ConnectorRunner(
            services,
            connector,
            stored.channel_name,
            bot,
            connection_id=c.id,
            secrets=creds.values(),
        )
        typer.echo(
            f"connection {c.id}: connecting to {c.target} as {c.account}; {c.room} -> ChatWarden "
            f"channel {stored.channel_name!r}. Ctrl-C stops."
        )
        run_until_stopped(runner)
    finally:
        services.close()
    report_stopped(runner)


def _twitch_connector(
    services: Services,
    c: Connection,
    creds: Credentials,
    runner: Callable[[], ConnectorRunner | None],
) -> TwitchConnector:
    """A stored Twitch EventSub connection's connector (the URLs may be pointed elsewhere with
    CHATWARDEN_TWITCH_EVENTSUB_URL, CHATWARDEN_TWITCH_HELIX_URL and CHATWARDEN_TWITCH_TOKEN_URL:
    a test double, a proxy). A token it refreshes is stored sealed through the service, and
    masked like the others in the errors its ``runner`` reports."""
    from chatwarden.connectors.twitch.client import TwitchConnector, TwitchSettings
    from chatwarden.connectors.twitch.oauth import TOKEN_URL, Tokens
    from chatwarden.connectors.twitch.parse import EVENTSUB_URL, HELIX_URL

    token = creds.secret
    if not token or not c.options.get("client_id"):
        fail(f"connection {c.id}: a Twitch connection needs its token and client id")

    def keep(tokens: Tokens) -> None:
        running = runner()
        if running is not None and running.status is not None:
            running.status.secrets += (tokens.access_token, tokens.refresh_token)
        services.connections.store_tokens(c.id, tokens.access_token, tokens.refresh_token)

    settings = TwitchSettings(
        c.room,
        c.account,
        str(c.options["client_id"]),
        token,
        automod=bool(c.options.get("automod")),
        eventsub_url=platform_url("CHATWARDEN_TWITCH_EVENTSUB_URL", EVENTSUB_URL),
        helix_url=platform_url("CHATWARDEN_TWITCH_HELIX_URL", HELIX_URL),
        refresh_token=creds.refresh_token,
        client_secret=creds.client_secret,
        token_url=platform_url("CHATWARDEN_TWITCH_TOKEN_URL", TOKEN_URL),
        on_tokens=keep,
    )
    return TwitchConnector(settings)


def key_command() -> None:
    """Print a new connector key (for CHATWARDEN_CONNECTOR_KEYS; keep it secret)."""
    from chatwarden.store.secretbox import generate_key

    typer.echo(generate_key())


def rekey_command(
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Encrypt every stored credential again with the first connector key (after putting a
    new key first); then the old key can be removed."""
    services = _services(database_url)
    try:
        count = services.connections.rekey()
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    typer.echo(f"{count} credential{'s' if count != 1 else ''} encrypted with the first key")


add_app.command("irc")(add_irc_command)
add_app.command("twitch")(add_twitch_command)
add_app.command("discord")(add_discord_command)
add_app.command("matrix")(add_matrix_command)
connect_app.add_typer(add_app, name="add")
connect_app.command("list")(list_command)
connect_app.command("remove")(remove_command)
connect_app.command("update")(update_command)
connect_app.command("run")(run_command)
connect_app.command("discord-rules")(discord_rules_command)
connect_app.command("automod")(automod_command)
connect_app.command("key")(key_command)
connect_app.command("rekey")(rekey_command)
