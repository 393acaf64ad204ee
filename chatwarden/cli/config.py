"""``chatwarden config``: the deployment settings (``CHATWARDEN_*`` environment variables)."""

from __future__ import annotations

import typer

config_app = typer.Typer(
    name="config",
    help="The deployment settings (CHATWARDEN_* environment variables).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@config_app.command("docs")
def docs_command() -> None:
    """Print docs/configuration.md: every setting, its variable, type, default and meaning.

    Examples:

      chatwarden config docs > docs/configuration.md
    """
    from chatwarden.configdoc import render

    typer.echo(render(), nl=False)
