"""``chatwarden export``: a channel's stored chat history as ChatWarden JSON lines."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from chatwarden.cli._common import fail
from chatwarden.config import ServiceConfig
from chatwarden.errors import ChatWardenError


def export_command(
    channel: str = typer.Argument(..., help="The channel's name."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="Overrides CHATWARDEN_DATABASE_URL."
    ),
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
    from chatwarden.services import build_services
    from chatwarden.store.engine import sqlite_file

    try:
        config = ServiceConfig.from_env(database_url=database_url)
        path = sqlite_file(config.database_url)
        if path is not None and not path.is_file():  # never create an empty database here
            fail(
                f"no database at {str(path)!r}: pass the server's --database-url "
                "(or set CHATWARDEN_DATABASE_URL)"
            )
        services = build_services(config, migrate=False)
    except ChatWardenError as exc:
        fail(exc.message)
    try:
        channel_id = services.channels.get_channel_by_name(channel).id
        text, count, capped = services.preview.export_history_local(
            channel_id, days=days, limit=limit
        )
    except ChatWardenError as exc:
        fail(exc.message)
    finally:
        services.close()
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {str(out)!r}: {exc.strerror}")
    note = f" (capped at the newest {limit})" if capped else ""
    typer.echo(f"exported {count} messages from #{channel}{note}", err=True)
