"""Training on a tiny fixture: files, determinism, and that the result loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatwarden.model import COLUMNS, load_model, weights_digest
from chatwarden.model.features import FeatureConfig
from chatwarden.training.train import TrainReport, pick_thresholds, train

FIXTURE = Path(__file__).parent / "fixtures" / "data"
SMALL = FeatureConfig(bits=16)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TrainReport]:
    out = tmp_path_factory.mktemp("model")
    return out, train(FIXTURE, out, seed=0, progress=False, features=SMALL)


def test_writes_loadable_model(trained: tuple[Path, TrainReport]) -> None:
    out, report = trained
    model = load_model(out)
    assert model.version == report.version
    probs = model.predict(["you are an idiot", "great stream number"])
    assert probs.shape == (2, len(COLUMNS))
    assert probs[0, 0] > probs[1, 0]


def test_training_is_deterministic(trained: tuple[Path, TrainReport], tmp_path: Path) -> None:
    out, _ = trained
    train(FIXTURE, tmp_path, seed=0, progress=False, features=SMALL)
    for name in ("weights.npz", "meta.json"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()


def test_meta_is_consistent(trained: tuple[Path, TrainReport]) -> None:
    out, report = trained
    meta = json.loads((out / "meta.json").read_text())
    assert meta["weights_sha256"] == weights_digest(out / "weights.npz")
    assert meta["version"] == report.version
    assert meta["columns"] == list(COLUMNS)
    assert set(meta["thresholds"]) == set(COLUMNS)
    assert FeatureConfig.from_json(meta["features"]) == SMALL
    assert "davidson/davidson.csv" in meta["training"]["data_sha256"]


def test_thresholds_fall_with_the_level() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    y = np.array([1] * 200 + [0] * 200, dtype=np.int8)
    scores = np.concatenate([rng.uniform(0.3, 1.0, 200), rng.uniform(0.0, 0.7, 200)])
    levels = pick_thresholds(scores, y)
    assert list(levels) == sorted(levels, reverse=True)
    assert levels[0] > levels[3]
