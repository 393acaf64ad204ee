"""``retrain`` (``chatwarden train --with-feedback``) on the tiny fixture: a registry version
with metrics for it and the live model on the same held-back rows, byte-reproducible."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chatwarden.errors import InputError
from chatwarden.model import load_model
from chatwarden.model.features import FeatureConfig
from chatwarden.model.registry import BUNDLED, Registry
from chatwarden.training.feedback import Feedback, read_feedback
from chatwarden.training.retrain import RetrainResult, retrain

FIXTURE = Path(__file__).parent / "fixtures" / "data"
SMALL = FeatureConfig(bits=16)
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
FILES = ("weights.npz", "meta.json", "metrics.json")


def write_labels(path: Path, n: int = 160) -> Path:
    """Synthetic moderator labels: insults denied or timed out, friendly chat allowed."""
    rng = random.Random(7)
    bad = ["you are a worthless clown {}", "shut up you loser {}", "nobody wants you here {}"]
    good = ["gg wp {}", "what song is this {}", "that clutch was insane {}"]
    with path.open("w") as fh:
        for i in range(n):
            y = i % 2
            fh.write(
                json.dumps(
                    {
                        "text": rng.choice(bad if y else good).format(i),
                        "label": y,
                        "source": rng.choice(["review.deny", "action.timeout"])
                        if y
                        else "review.allow",
                        "categories": {"bullying": 0.7} if y else {"bullying": 0.1},
                        "reversed": False,
                    }
                )
                + "\n"
            )
    return path


@pytest.fixture(scope="module")
def feedback(tmp_path_factory: pytest.TempPathFactory) -> Feedback:
    return read_feedback([write_labels(tmp_path_factory.mktemp("fb") / "labels.jsonl")])


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, feedback: Feedback
) -> tuple[Path, RetrainResult]:
    root = tmp_path_factory.mktemp("reg")
    return root, retrain(FIXTURE, feedback, registry=root, now=NOW, features=SMALL)


def test_a_new_version_is_stored_not_live_with_metrics_on_the_held_back_rows(
    built: tuple[Path, RetrainResult], feedback: Feedback
) -> None:
    root, result = built
    reg = Registry(root)
    assert result.registered and reg.versions() == [result.version]
    assert reg.active() is None
    assert load_model(result.path).version == result.version
    assert not [p for p in root.iterdir() if p.name.startswith(".build")]
    metrics = reg.metrics(result.version)
    held = metrics["heldout"]
    assert held["rows"] == len(feedback.heldout) > 0
    assert held["new"]["model_version"] == result.version
    assert held["promoted"]["registry_version"] == BUNDLED
    assert held["promoted"]["model_version"] == load_model().version
    for side in ("new", "promoted"):
        assert 0.0 <= held[side]["roc_auc"] <= 1.0
        assert held[side]["holds"] == (
            held[side]["holds_of_violations"] + held[side]["holds_of_fine"]
        )
    assert metrics["feedback"]["train_rows"] == len(feedback.train)
    assert metrics["dev_roc_auc"]["harm"] > 0.5
    meta = json.loads((result.path / "meta.json").read_text())
    assert meta["training"]["feedback"]["heldout_rows"] == len(feedback.heldout)


def test_training_with_feedback_is_byte_reproducible(
    built: tuple[Path, RetrainResult], feedback: Feedback, tmp_path: Path
) -> None:
    root, result = built
    again = retrain(
        FIXTURE, feedback, registry=root, now=NOW, out_dir=tmp_path / "out", features=SMALL
    )
    assert not again.registered and again.version == result.version
    for name in FILES:
        assert (tmp_path / "out" / name).read_bytes() == (result.path / name).read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no build folder left
    # the same build into the registry again: refused, nothing left behind
    with pytest.raises(InputError, match="already"):
        retrain(FIXTURE, feedback, registry=root, now=NOW, features=SMALL)
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == [
        "registry.json",
        result.version,
    ]
