"""``chatwarden db``: database schema commands."""

from __future__ import annotations

import typer

from chatwarden.config import ServiceConfig
from chatwarden.errors import ChatWardenError

db_app = typer.Typer(
    name="db", help="Database schema commands.", no_args_is_help=True, rich_markup_mode=None
)


@db_app.command("upgrade")
def upgrade_command(
    database_url: str | None = typer.Option(
        None, "--database-url", help="Overrides CHATWARDEN_DATABASE_URL."
    ),
    revision: str = typer.Option("head", help="Target revision."),
) -> None:
    """Create or migrate the database schema to the newest version.

    Examples:

      chatwarden db upgrade

      chatwarden db upgrade --database-url postgresql://chat@localhost/chatwarden
    """
    from chatwarden.store.engine import create_engine
    from chatwarden.store.migrate import current_revision, upgrade

    try:
        config = ServiceConfig.from_env(database_url=database_url)
        engine = create_engine(config.database_url)
        before = current_revision(engine)
        upgrade(engine, revision)
        after = current_revision(engine)
        engine.dispose()
    except ChatWardenError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    if before == after:
        typer.echo(f"database already at revision {after}")
    else:
        typer.echo(f"database upgraded from {before or 'empty'} to {after}")


@db_app.command("status")
def status_command(
    database_url: str | None = typer.Option(
        None, "--database-url", help="Overrides CHATWARDEN_DATABASE_URL."
    ),
) -> None:
    """Show the schema revision of the database and the newest one.

    Examples:

      chatwarden db status --database-url sqlite:///chatwarden.db
    """
    from chatwarden.store.engine import create_engine
    from chatwarden.store.migrate import current_revision, head_revision

    try:
        config = ServiceConfig.from_env(database_url=database_url)
        engine = create_engine(config.database_url)
        current = current_revision(engine)
        engine.dispose()
    except ChatWardenError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    head = head_revision()
    state = "up to date" if current == head else "needs `chatwarden db upgrade`"
    typer.echo(f"current {current or 'empty'}, newest {head}: {state}")
