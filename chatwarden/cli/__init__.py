"""The ``chatwarden`` command line: thin commands that call importable functions."""

from __future__ import annotations

import typer

from chatwarden import __version__
from chatwarden.cli.bench import bench_command
from chatwarden.cli.check import check_command
from chatwarden.cli.config import config_app
from chatwarden.cli.connections import connect_app  # connect irc, and stored connections
from chatwarden.cli.db import db_app
from chatwarden.cli.eval import eval_command
from chatwarden.cli.export import export_app
from chatwarden.cli.model import model_app
from chatwarden.cli.replay import replay_command
from chatwarden.cli.score import score_command
from chatwarden.cli.serve import serve_command
from chatwarden.cli.simulate import simulate_command
from chatwarden.cli.train import train_command
from chatwarden.cli.worker import worker_command

app = typer.Typer(
    name="chatwarden",
    help="ChatWarden: AutoMod and community-health tools for live chat.\n\n"
    "Examples:\n\n"
    "  chatwarden serve --demo\n\n"
    "  chatwarden check 'you are such an 1d10t'\n\n"
    '  echo \'{"text": "gg wp"}\' | chatwarden score\n\n'
    "  chatwarden eval\n\n"
    "  chatwarden train",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chatwarden {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """ChatWarden: AutoMod and community-health tools for live chat."""


app.command("check")(check_command)
app.command("score")(score_command)
app.command("train")(train_command)
app.command("eval")(eval_command)
app.command("bench")(bench_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("simulate")(simulate_command)
app.command("replay")(replay_command)
app.add_typer(export_app, name="export")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(connect_app, name="connect")
app.add_typer(model_app, name="model")


def main() -> None:
    app()
