"""``chatwarden train``: retrain the tier 1 model from the data committed in ``data/``, and
with ``--with-feedback`` from the moderators' exported labels too, into the model registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chatwarden.cli._common import fail
from chatwarden.config import ServiceConfig
from chatwarden.errors import ChatWardenError
from chatwarden.extras import missing_extra
from chatwarden.model import BUNDLED_DIR

#: ``data/`` of a source checkout (the package sits next to it).
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def train_command(
    data_dir: Annotated[
        Path,
        typer.Option("--data-dir", help="Folder with the training sets (see data/DATA_CARD.md)."),
    ] = DEFAULT_DATA_DIR,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write weights.npz and meta.json (default: the bundled model; with "
            "--with-feedback: a new version in the model registry).",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; same data and seed, same files.")
    ] = 0,
    with_feedback: Annotated[
        list[Path] | None,
        typer.Option(
            "--with-feedback",
            metavar="<file.jsonl>",
            help="Moderators' labels from `chatwarden export labels` (JSON lines; repeat for "
            "several files). 20 % of them (by text) are held back to compare the new model "
            "with the live one.",
        ),
    ] = None,
    feedback_weight: Annotated[
        float, typer.Option("--feedback-weight", help="Weight of each feedback row.")
    ] = 1.0,
    registry: Annotated[
        Path | None,
        typer.Option("--registry", help="Model registry folder (CHATWARDEN_MODEL_REGISTRY)."),
    ] = None,
) -> None:
    """Train the tier 1 classifier and write the model files (takes a few minutes).

    Examples:

      chatwarden train                    (rebuild the bundled model)

      chatwarden train --out /tmp/model   (leave the bundled one alone)

      chatwarden train --seed 1 --out /tmp/m1

      chatwarden train --with-feedback labels.jsonl   (a new registry version)
    """
    if not data_dir.is_dir():
        fail(f"--data-dir {data_dir} is not a folder (a source checkout has data/)")
    try:  # scikit-learn and scipy are an extra: serving and `eval` do not need them
        from chatwarden.training.train import train
    except ImportError as exc:
        fail(missing_extra(exc, "train", "chatwarden train").message)
    if with_feedback:
        _train_with_feedback(data_dir, out, seed, with_feedback, feedback_weight, registry)
        return
    try:
        report = train(data_dir, out or BUNDLED_DIR, seed=seed, progress=True)
    except (ChatWardenError, OSError, ValueError) as exc:
        fail(f"training failed: {exc}")
    typer.echo(
        f"wrote {report.version} to {report.out_dir} "
        f"({report.n_train} training lines, {report.n_dev} dev lines, {report.seconds:.0f} s)"
    )
    for col, auc in report.dev_auc.items():
        levels = ", ".join(f"{t:.3f}" for t in report.thresholds[col])
        typer.echo(f"  {col:28s} dev ROC AUC {auc:.3f}   thresholds L1-L4: {levels}")


def _train_with_feedback(
    data_dir: Path,
    out: Path | None,
    seed: int,
    files: list[Path],
    weight: float,
    registry: Path | None,
) -> None:
    from datetime import UTC, datetime

    from chatwarden.training.feedback import read_feedback
    from chatwarden.training.retrain import retrain

    try:
        root = registry or ServiceConfig.from_env().model_registry_dir()
        feedback = read_feedback(files, weight)
        result = retrain(
            data_dir,
            feedback,
            registry=root,
            now=datetime.now(UTC),
            out_dir=out,
            seed=seed,
            progress=True,
        )
    except ChatWardenError as exc:
        fail(exc.message)
    except (OSError, ValueError) as exc:
        fail(f"training failed: {exc}")
    where = f"registry {root}" if result.registered else str(result.path)
    typer.echo(
        f"wrote {result.version} to {where} ({len(feedback.train)} feedback rows trained on, "
        f"{len(feedback.heldout)} held back, {feedback.skipped_reversed} reversed skipped)"
    )
    held = result.metrics["heldout"]
    for key, name in (("new", result.version), ("promoted", held["promoted"]["registry_version"])):
        m = held[key]
        auc = "n/a" if m["roc_auc"] is None else f"{m['roc_auc']:.4f}"
        typer.echo(
            f"  held-back {name:20s} ROC AUC {auc}   holds {m['holds']} "
            f"({m['holds_of_violations']} of {held['violations']} violations, "
            f"{m['holds_of_fine']} of {held['rows'] - held['violations']} others)"
        )
    if result.registered:
        typer.echo(
            f"not live yet: run it in shadow mode (CHATWARDEN_ANALYTICS_SHADOW_MODELS="
            f"{result.version}={result.path}), then `chatwarden model promote {result.version}`"
        )
