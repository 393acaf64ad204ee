"""``chatwarden connect automod ID pull|push [--dry-run]``: a Twitch EventSub connection's
channel AutoMod settings and its ChatWarden channel's (``connectors/twitch/automod_sync.py``).

Pull makes Twitch's levels the channel's (in the mod log as ``automod.settings.update``); push
writes the channel's to Twitch (``connection.automod_push``); ``--dry-run`` prints the
difference and changes nothing. Acts for the channel's owner (``via: cli``). Helix and the
token endpoint may be pointed elsewhere with CHATWARDEN_TWITCH_HELIX_URL and
CHATWARDEN_TWITCH_TOKEN_URL (a test double, a proxy).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

from chatwarden.cli._common import fail
from chatwarden.config import ServiceConfig, platform_url
from chatwarden.errors import ChatWardenError

if TYPE_CHECKING:
    from chatwarden.connectors.twitch.automod_sync import AutoModSync

DB_HELP = "The ChatWarden database (CHATWARDEN_DATABASE_URL)."


def _level(value: int | None) -> str:
    return "none" if value is None else str(value)


def describe(result: AutoModSync) -> list[str]:
    """The lines the command prints for a pull or push."""
    lines = []
    if not result.before:
        lines.append("ChatWarden's and Twitch's AutoMod settings are the same; nothing to do")
    else:
        lines.append("differences (ChatWarden -> Twitch):")
        lines += [
            f"  {d.field}: chatwarden {_level(d.chatwarden)}, twitch {_level(d.twitch)}"
            for d in result.before
        ]
    if result.sent is not None and result.before:
        sent = ", ".join(f"{k}={v}" for k, v in result.sent.items())
        lines.append(f"{'would send' if result.dry_run else 'sent'} to Twitch: {sent}")
    lines += [f"not mapped: {note}" for note in result.not_mapped]
    if result.dry_run:
        lines.append("dry run: nothing changed")
    elif result.before and result.direction == "pull":
        lines.append("pulled: the channel's AutoMod levels are now Twitch's")
    elif result.before:
        lines.append("pushed: Twitch's AutoMod settings are now the channel's")
        lines += [
            f"  Twitch answered {d.field} {_level(d.twitch)} (ChatWarden {_level(d.chatwarden)})"
            for d in result.after
        ]
    return lines


def automod_command(
    connection_id: int = typer.Argument(..., help="The Twitch connection's id (`connect list`)."),
    direction: str = typer.Argument(
        ..., help="pull: Twitch's settings become the channel's; push: the reverse."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the difference; change nothing on either side."
    ),
    database_url: str | None = typer.Option(None, "--database-url", help=DB_HELP),
) -> None:
    """Read or write the Twitch channel's AutoMod settings through Helix (scopes:
    moderator:read:automod_settings, and moderator:manage:automod_settings to push).

    Example:

      chatwarden connect automod 3 push --dry-run
    """
    from chatwarden.connectors.twitch.automod_sync import sync_automod
    from chatwarden.connectors.twitch.oauth import TOKEN_URL
    from chatwarden.connectors.twitch.parse import HELIX_URL
    from chatwarden.services import build_services

    if direction not in ("pull", "push"):
        fail("direction must be 'pull' or 'push'")
    try:
        services = build_services(ServiceConfig.from_env(database_url=database_url))
    except ChatWardenError as exc:
        fail(exc.message)
    try:
        found = services.connections.get(connection_id)
        owner = services.connections.owner_of(found.channel_id)
        result = asyncio.run(
            sync_automod(
                services,
                owner,
                connection_id,
                "pull" if direction == "pull" else "push",
                dry_run=dry_run,
                via="cli",
                helix_url=platform_url("CHATWARDEN_TWITCH_HELIX_URL", HELIX_URL),
                token_url=platform_url("CHATWARDEN_TWITCH_TOKEN_URL", TOKEN_URL),
            )
        )
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    for line in describe(result):
        typer.echo(line)
