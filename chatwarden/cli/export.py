"""``chatwarden export``: a channel's stored chat history as ChatWarden JSON lines
(``chatwarden export CHANNEL``, the default), or its moderators' labels as a dataset
(``chatwarden export labels --channel CHANNEL``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from chatwarden.cli._common import fail
from chatwarden.config import ServiceConfig
from chatwarden.errors import ChatWardenError

if TYPE_CHECKING:
    from chatwarden.services import Services

DATABASE_URL_HELP = "Overrides CHATWARDEN_DATABASE_URL."


class _HistoryByDefault(TyperGroup):
    """``chatwarden export CHANNEL ...`` still exports the history, as before there were two
    kinds of export: anything that is not a subcommand's name goes to ``history`` (so a
    channel named like a subcommand is exported with ``chatwarden export history NAME``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["history", *args]
        return super().parse_args(ctx, args)


export_app = typer.Typer(
    name="export",
    cls=_HistoryByDefault,
    help="Export a channel's stored history (for replay) or its moderators' labels.\n\n"
    "Examples:\n\n"
    "  chatwarden export mychannel --days 7 -o week.jsonl\n\n"
    "  chatwarden export labels --channel mychannel --out labels.jsonl",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _open_services(database_url: str | None) -> Services:
    """The services on the server's database; never creates an empty SQLite file."""
    from chatwarden.services import build_services
    from chatwarden.store.engine import sqlite_file

    try:
        config = ServiceConfig.from_env(database_url=database_url)
        path = sqlite_file(config.database_url)
        if path is not None and not path.is_file():
            fail(
                f"no database at {str(path)!r}: pass the server's --database-url "
                "(or set CHATWARDEN_DATABASE_URL)"
            )
        return build_services(config, migrate=False)
    except ChatWardenError as exc:
        fail(exc.message)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {str(out)!r}: {exc.strerror}")


@export_app.command("history")
def export_command(
    channel: str = typer.Argument(..., help="The channel's name."),
    database_url: str | None = typer.Option(None, "--database-url", help=DATABASE_URL_HELP),
    days: int = typer.Option(7, "--days", min=1, max=365, help="How many days back."),
    limit: int = typer.Option(
        200_000, "--limit", min=1, max=200_000, help="At most this many (the newest) messages."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here (default: stdout)."),
) -> None:
    """Export a channel's stored messages (with their decisions) for `chatwarden replay`.

    Reads the database directly (a local operator command: no login).

    Examples:

      chatwarden export mychannel --days 7 -o week.jsonl && chatwarden replay week.jsonl
    """
    services = _open_services(database_url)
    try:
        channel_id = services.channels.get_channel_by_name(channel).id
        text, count, capped = services.preview.export_history_local(
            channel_id, days=days, limit=limit
        )
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    _write(text, out)
    note = f" (capped at the newest {limit})" if capped else ""
    typer.echo(f"exported {count} messages from #{channel}{note}", err=True)


@export_app.command("labels")
def export_labels_command(
    channel: str = typer.Option(..., "--channel", help="The channel's name."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here (default: stdout)."),
    include_reversed: bool = typer.Option(
        False,
        "--include-reversed",
        help='Keep labels an approved unban request reversed (marked "reversed": true).',
    ),
    database_url: str | None = typer.Option(None, "--database-url", help=DATABASE_URL_HELP),
) -> None:
    """Export the channel's moderator labels as JSON lines, oldest first.

    One line per moderator decision on a message (allow/deny of a held message, delete,
    warn, timeout, ban): text, label (1: a violation, 0: fine), source, the model's category
    scores and harm then, and the model and settings versions. No user ids.

    Reads the database directly (a local operator command: no login).

    Examples:

      chatwarden export labels --channel mychannel --out labels.jsonl
    """
    services = _open_services(database_url)
    try:
        channel_id = services.channels.get_channel_by_name(channel).id
        text, count = services.labels.export_labels_local(
            channel_id, include_reversed=include_reversed
        )
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    _write(text, out)
    typer.echo(f"exported {count} labels from #{channel}", err=True)
