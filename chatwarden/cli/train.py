"""``chatwarden train``: retrain the tier 1 model from the data committed in ``data/``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chatwarden.cli._common import fail
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
        Path, typer.Option("--out", help="Where to write weights.npz and meta.json.")
    ] = BUNDLED_DIR,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; same data and seed, same files.")
    ] = 0,
) -> None:
    """Train the tier 1 classifier and write the model files (takes a few minutes).

    Examples:

      chatwarden train                    (rebuild the bundled model)

      chatwarden train --out /tmp/model   (leave the bundled one alone)

      chatwarden train --seed 1 --out /tmp/m1
    """
    if not data_dir.is_dir():
        fail(f"--data-dir {data_dir} is not a folder (a source checkout has data/)")
    try:  # scikit-learn and scipy are an extra: serving and `eval` do not need them
        from chatwarden.training.train import train
    except ImportError as exc:
        fail(missing_extra(exc, "train", "chatwarden train").message)
    try:
        report = train(data_dir, out, seed=seed, progress=True)
    except (ChatWardenError, OSError, ValueError) as exc:
        fail(f"training failed: {exc}")
    typer.echo(
        f"wrote {report.version} to {report.out_dir} "
        f"({report.n_train} training lines, {report.n_dev} dev lines, {report.seconds:.0f} s)"
    )
    for col, auc in report.dev_auc.items():
        levels = ", ".join(f"{t:.3f}" for t in report.thresholds[col])
        typer.echo(f"  {col:28s} dev ROC AUC {auc:.3f}   thresholds L1-L4: {levels}")
