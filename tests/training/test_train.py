"""Training on a tiny fixture: files, determinism, and that the result loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatwarden.model import COLUMNS, load_model, weights_digest
from chatwarden.model.features import FeatureConfig
from chatwarden.training.train import (
    HARMLESS_RATE,
    MILD_RATE,
    OTHER_KIND_RATE,
    TrainReport,
    balance_identity,
    category_min_level,
    group_weights,
    pick_category_thresholds,
    pick_thresholds,
    train,
)

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


def test_category_thresholds_follow_harmless_lines_other_kinds_and_milder_lines() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    harmless = rng.uniform(0.0, 0.3, 2000)
    other_kind = rng.uniform(0.2, 0.6, 400)  # harmful lines of another category
    severe = rng.uniform(0.6, 1.0, 300)
    trash_talk = rng.uniform(0.7, 0.9, 300)  # this category, but meant for level 4 only
    scores = np.concatenate([harmless, other_kind, severe, trash_talk])
    harm = np.array([0] * 2000 + [1] * 1000, dtype=np.int8)
    y = np.array([0] * 2400 + [1] * 600, dtype=np.int8)
    min_level = np.array([1] * 2700 + [4] * 300, dtype=np.int8)
    levels = pick_category_thresholds(scores, y, harm, min_level)
    assert list(levels) == sorted(levels, reverse=True)
    for level, t in enumerate(levels[:3]):
        assert np.mean(trash_talk >= t) <= MILD_RATE[level]  # trash talk is not held at 1-3
        assert np.mean(harmless >= t) <= HARMLESS_RATE[level]
        assert np.mean(other_kind >= t) <= OTHER_KIND_RATE[level]
    assert np.mean(trash_talk >= levels[3]) > 0.9  # but is at level 4
    # without the level hints trash talk would pass at level 3
    assert pick_category_thresholds(scores, y, harm)[2] < levels[2]


def test_category_min_level_follows_the_presets() -> None:
    assert category_min_level(4, "bullying") == 4  # trash talk: only level 4
    assert category_min_level(3, "bullying") == 2  # an insult: bullying level 2 (overall 3)
    assert category_min_level(1, "bullying") == 1
    assert category_min_level(1, "aggression") == 1
    assert category_min_level(1, "swearing") == 4


def test_balance_identity_upweights_harmless_group_mentions() -> None:
    from chatwarden.training.datasets import Example

    def eg(text: str, harm: int) -> Example:
        return Example(text, (harm, *[0] * (len(COLUMNS) - 1)), "t", group=text)

    examples = [eg(f"gay insult {i}", 1) for i in range(6)] + [eg("gay and proud", 0)]
    examples.append(eg("hello chat", 0))
    balanced, report = balance_identity(examples, most=3.0)
    assert report["gay"] == [6, 1, 3.0]
    weights = {e.text: e.weight for e in balanced}
    assert weights["gay and proud"] == 3.0
    assert weights["hello chat"] == 1.0 and weights["gay insult 0"] == 1.0


def test_meta_reports_identity_words(trained: tuple[Path, TrainReport]) -> None:
    out, report = trained
    meta = json.loads((out / "meta.json").read_text())
    assert meta["training"]["identity_words"] == report.identity_words
    assert "women" in report.identity_words


def test_one_template_counts_as_one_line_when_thresholds_are_picked() -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    # 1,000 harmless lines, 30 of them one unseen template the model scores high
    scores = np.concatenate(
        [rng.uniform(0.0, 0.3, 970), np.full(30, 0.9), rng.uniform(0.5, 1, 200)]
    )
    harm = np.array([0] * 1000 + [1] * 200, dtype=np.int8)
    y = np.array([0] * 1000 + [1] * 200, dtype=np.int8)
    groups = [f"line{i}" for i in range(970)] + ["template"] * 30 + [f"h{i}" for i in range(200)]
    weights = group_weights(groups)
    assert weights[970] == pytest.approx(1 / 30) and weights[0] == 1.0
    plain = pick_category_thresholds(scores, y, harm)
    weighted = pick_category_thresholds(scores, y, harm, weights=weights)
    assert plain[3] > 0.9  # 3 % of the lines are the template: level 4 sits above it
    assert weighted[3] < 0.9  # as one line of 971 it is within level 4's 1 %
