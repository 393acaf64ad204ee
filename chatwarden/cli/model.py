"""``chatwarden model``: the model registry (list, promote, rollback), see
``chatwarden.model.registry`` and docs/operating.md ("Retraining with moderators' labels")."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from chatwarden.cli._common import fail
from chatwarden.config import ServiceConfig
from chatwarden.errors import ChatWardenError
from chatwarden.model.registry import BUNDLED, Registry

model_app = typer.Typer(
    name="model",
    help="The model registry: versions built by `chatwarden train --with-feedback`, which one "
    "is live, promotion and rollback.\n\n"
    "Examples:\n\n"
    "  chatwarden model list\n\n"
    "  chatwarden model promote tier1-0123456789ab\n\n"
    "  chatwarden model rollback",
    no_args_is_help=True,
    rich_markup_mode=None,
)

RegistryOption = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        help="Model registry folder (default: CHATWARDEN_MODEL_REGISTRY, else chatwarden-models/ "
        "next to the SQLite database).",
    ),
]
RESTART = "restart `chatwarden serve` (and workers) to decide with it"


def _registry(path: Path | None) -> Registry:
    try:
        return Registry(path or ServiceConfig.from_env().model_registry_dir())
    except ChatWardenError as exc:
        fail(exc.message)


def _auc(metrics: dict[str, Any], key: str) -> str:
    value = (metrics.get("heldout") or {}).get(key, {}).get("roc_auc")
    return "n/a" if value is None else f"{value:.4f}"


@model_app.command("list")
def list_command(registry: RegistryOption = None) -> None:
    """List the stored versions: the live one marked *, their held-back ROC AUC beside the
    model live when they were built, holds, dev ROC AUC and shadow runs.

    Examples:

      chatwarden model list
    """
    reg = _registry(registry)
    try:
        entries = reg.entries()
        active = reg.active()
    except ChatWardenError as exc:
        fail(exc.message)
    typer.echo(f"registry {reg.root}; live: {active or BUNDLED + ' model'}")
    if not entries:
        typer.echo("no versions yet: chatwarden train --with-feedback labels.jsonl")
    for e in entries:
        held = e.metrics.get("heldout") or {}
        base = (held.get("promoted") or {}).get("registry_version", BUNDLED)
        new_holds = (held.get("new") or {}).get("holds", "n/a")
        dev = e.metrics.get("dev_roc_auc", {}).get("harm")
        typer.echo(
            f"{'*' if e.active else ' '} {e.version}  held-back ROC AUC {_auc(e.metrics, 'new')} "
            f"vs {_auc(e.metrics, 'promoted')} ({base}) on {held.get('rows', 0)} labels, "
            f"holds {new_holds}; dev harm ROC AUC {dev if dev is not None else 'n/a'}; "
            f"shadow runs {e.shadow_runs}"
        )


@model_app.command("promote")
def promote_command(
    version: Annotated[str, typer.Argument(help="The version to make live.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Promote even if it is worse than the live model on the held-back labels.",
        ),
    ] = False,
    skip_shadow: Annotated[
        bool,
        typer.Option("--skip-shadow", help="Promote even if it never ran in shadow mode."),
    ] = False,
    registry: RegistryOption = None,
) -> None:
    """Make a version the live model. Refused when its held-back ROC AUC is more than 0.005
    below the live model's (--force) or it never ran in shadow mode (--skip-shadow).

    Examples:

      chatwarden model promote tier1-0123456789ab

      chatwarden model promote tier1-0123456789ab --skip-shadow
    """
    reg = _registry(registry)
    try:
        overridden = reg.promote(version, datetime.now(UTC), force=force, skip_shadow=skip_shadow)
    except ChatWardenError as exc:
        fail(exc.message)
    for problem in overridden:
        typer.echo(f"warning: promoted despite: {problem}", err=True)
    typer.echo(f"promoted {version}: {RESTART}")


@model_app.command("rollback")
def rollback_command(registry: RegistryOption = None) -> None:
    """Make the previously promoted version live again (the bundled model after the first).

    Examples:

      chatwarden model rollback
    """
    reg = _registry(registry)
    try:
        live = reg.rollback(datetime.now(UTC))
    except ChatWardenError as exc:
        fail(exc.message)
    name = live if live != BUNDLED else "the bundled model"
    typer.echo(f"rolled back: {name} is live; {RESTART}")
