"""``chatwarden train --with-feedback``: a new base model from the shipped data plus the
moderators' labels, measured beside the live model on the held-back labels and stored as a
registry version (``chatwarden.model.registry``) that is not live until promoted.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from chatwarden.model import Model, load_model
from chatwarden.model.features import FeatureConfig
from chatwarden.model.registry import BUNDLED, METRICS_FILE, Registry
from chatwarden.training.feedback import Feedback, evaluate_heldout
from chatwarden.training.train import TrainReport, train


@dataclass(frozen=True, slots=True)
class RetrainResult:
    """What ``retrain`` built: the version, where it is, and its ``metrics.json``."""

    version: str
    path: Path
    metrics: dict[str, Any]
    registered: bool


def version_metrics(
    report: TrainReport,
    feedback: Feedback,
    new_model: Model,
    live_model: Model,
    live_name: str,
) -> dict[str, Any]:
    """``metrics.json`` of a version: the training report's metrics and, on the same held-back
    rows, the new model beside the one live when it was built (``live_name``: a registry
    version, or ``registry.BUNDLED``). Deterministic for the same inputs (no timings)."""
    labels = [r.label for r in feedback.heldout]
    return {
        "version": report.version,
        "n_train": report.n_train,
        "n_dev": report.n_dev,
        "dev_roc_auc": {c: (None if math.isnan(v) else v) for c, v in report.dev_auc.items()},
        "feedback": feedback.summary(),
        "heldout": {
            "rows": len(labels),
            "violations": sum(labels),
            "new": evaluate_heldout(new_model, feedback.heldout),
            "promoted": {
                "registry_version": live_name,
                **evaluate_heldout(live_model, feedback.heldout),
            },
        },
    }


def retrain(
    data_dir: Path,
    feedback: Feedback,
    *,
    registry: Path,
    now: datetime,
    out_dir: Path | None = None,
    seed: int = 0,
    progress: bool = False,
    features: FeatureConfig | None = None,
) -> RetrainResult:
    """Train a new base model on the shipped data plus ``feedback``, measure it and the
    registry's live model on the held-back labels, and store it: as a new (not promoted)
    version of ``registry``, or in ``out_dir`` (with its ``metrics.json``, not registered).

    Raises:
        InputError: the same version is already in the registry (same data, labels and seed).
        ModelError: the registry or the live model is broken.
    """
    reg = Registry(registry)
    live_name = reg.active() or BUNDLED
    live_model = load_model(reg.active_dir())
    # always a fresh folder: load_model caches by folder, so a reused one would give the old model
    parent = registry if out_dir is None else out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".build-", dir=parent))
    build.chmod(0o755)  # mkdtemp's 0700 would stay on the stored version
    try:
        report = train(
            data_dir, build, seed=seed, progress=progress, features=features, feedback=feedback
        )
        new_model = load_model(build)
        metrics = version_metrics(report, feedback, new_model, live_model, live_name)
        if out_dir is None:
            version = reg.add(build, metrics, now)
            return RetrainResult(version, reg.path(version), metrics, registered=True)
        (build / METRICS_FILE).write_text(
            json.dumps(metrics, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        for path in sorted(build.iterdir()):
            path.replace(out_dir / path.name)
        return RetrainResult(report.version, out_dir, metrics, registered=False)
    finally:
        if build.exists():
            shutil.rmtree(build)  # a failed build, a version the registry already had, or moved
