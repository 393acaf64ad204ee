"""``chatwarden connect irc``: moderate an IRC channel (or Twitch chat over IRC) with ChatWarden.

Credentials come from environment variables named on the command line (``--password-env``,
``--oper-password-env``), never from the command line itself (it shows in ``ps`` and shell
history), and are never printed or logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

import typer

from chatwarden.cli._common import fail
from chatwarden.config import ServiceConfig, named_secret
from chatwarden.errors import ChatWardenError

if TYPE_CHECKING:
    from chatwarden.connectors.irc.parse import Dialect
    from chatwarden.connectors.runner import ConnectorRunner

connect_app = typer.Typer(
    help="Moderate a chat people already use (docs/connectors.md).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def parse_server(spec: str, default_port: int = 6667) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``, or ``[v6]:PORT``) → host and port; ``ValueError`` saying why."""
    host, port = spec, default_port
    if spec.startswith("["):
        host, _, rest = spec[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"--server {spec!r}: expected [ADDRESS]:PORT")
            port = _port(rest[1:], spec)
    elif spec.count(":") == 1:
        host, _, raw = spec.partition(":")
        port = _port(raw, spec)
    if not host:
        raise ValueError(f"--server {spec!r}: no host")
    return host, port


def _port(raw: str, spec: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"--server {spec!r}: the port must be 1-65535")
    return int(raw)


def secret_from_env(name: str | None, option: str) -> str | None:
    """The value of the environment variable ``name`` (None when no name was given)."""
    if name is None:
        return None
    value = named_secret(name)
    if value is None:
        raise ValueError(f"{option} {name}: that environment variable is not set")
    return value


def irc_command(
    server: str = typer.Option(..., "--server", help="The IRC server, HOST:PORT."),
    channel: str = typer.Option(..., "--channel", help="The IRC channel, e.g. '#chan'."),
    nick: str = typer.Option(..., "--nick", help="The bot's nick (Twitch: the bot's login)."),
    password_env: str | None = typer.Option(
        None,
        "--password-env",
        help="Name of the environment variable that holds the server password "
        "(Twitch: 'oauth:<token>').",
    ),
    oper: str | None = typer.Option(
        None,
        "--oper",
        help="An operator block's name: the bot becomes an IRC operator and gives itself "
        "channel operator (plain IRC kicks and bans need it).",
    ),
    oper_password_env: str | None = typer.Option(
        None, "--oper-password-env", help="Name of the environment variable with its password."
    ),
    twitch: bool = typer.Option(
        False, "--twitch", help="Speak Twitch's IRC dialect (tags, badges, /delete, /timeout)."
    ),
    tls: bool = typer.Option(False, "--tls", help="Connect with TLS."),
    into: str | None = typer.Option(
        None,
        "--into",
        help="The ChatWarden channel that receives the messages (default: the IRC channel's "
        "name without '#'; made if missing).",
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", help="The ChatWarden database (CHATWARDEN_DATABASE_URL)."
    ),
) -> None:
    """Connect a bot to an IRC channel: every message goes through ChatWarden (AutoMod,
    detection, the review queue), and what ChatWarden decides is done in the channel.

    Examples:

      CW_OPER_PASSWORD=... chatwarden connect irc --server irc.example.net:6667 \\
        --channel '#chat' --nick cwbot --oper cwbot --oper-password-env CW_OPER_PASSWORD

      TWITCH_TOKEN=oauth:... chatwarden connect irc --twitch --tls \\
        --server irc.chat.twitch.tv:6697 --channel '#streamer' --nick mybot \\
        --password-env TWITCH_TOKEN
    """
    from chatwarden.connectors.base import PlatformUser
    from chatwarden.connectors.irc.client import IrcConnector, IrcSettings
    from chatwarden.connectors.runner import ConnectorRunner
    from chatwarden.services import build_services

    try:
        host, port = parse_server(server)
        password = secret_from_env(password_env, "--password-env")
        oper_password = secret_from_env(oper_password_env, "--oper-password-env")
    except ValueError as exc:
        fail(str(exc))
    if (oper is None) != (oper_password is None):
        fail("--oper and --oper-password-env go together")
    if not channel.startswith(("#", "&")):
        fail(f"--channel {channel!r}: an IRC channel starts with '#'")
    name = (into or channel.lstrip("#&")).lower()
    dialect: Dialect = "twitch" if twitch else "irc"
    settings = IrcSettings(
        host,
        port,
        channel,
        nick,
        dialect=dialect,
        password=password,
        oper=None if oper is None or oper_password is None else (oper, oper_password),
        tls=tls,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        services = build_services(ServiceConfig.from_env(database_url=database_url))
    except ChatWardenError as exc:
        fail(exc.message)
    connector = IrcConnector(settings)
    bot = PlatformUser(connector.platform, nick.lower(), nick)
    runner = ConnectorRunner(services, connector, name, bot)
    typer.echo(
        f"connecting to {host}:{port} as {nick} ({dialect}); {channel} -> ChatWarden "
        f"channel {name!r}. Ctrl-C stops."
    )

    try:
        run_until_stopped(runner)
    finally:
        services.close()
    report_stopped(runner)


def run_until_stopped(runner: ConnectorRunner) -> None:
    """Run ``runner`` until SIGINT or SIGTERM; its error, if any, ends the command."""
    try:
        asyncio.run(_run_until_signalled(runner))
    except ChatWardenError as exc:
        fail(exc.message)


def report_stopped(runner: ConnectorRunner) -> None:
    stats = runner.stats
    typer.echo(f"stopped: {stats.decided} decided, {stats.replayed} replayed, {stats.acted} acted")


async def _run_until_signalled(runner: ConnectorRunner) -> None:
    """Run until the connector ends or SIGINT/SIGTERM (Ctrl-C, a service manager): then say
    goodbye to the server (QUIT) and let the last batch finish."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    running = asyncio.create_task(runner.run())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([running, stopping], return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    await runner.close()
    try:
        await asyncio.wait_for(running, 10)
    except TimeoutError:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


connect_app.command("irc")(irc_command)
