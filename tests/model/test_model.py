"""The bundled tier 1 model: loading, shapes, ranking, explanations and corrupt files."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from chatwarden.errors import ModelError
from chatwarden.model import (
    BUNDLED_DIR,
    COLUMNS,
    Model,
    load_model,
    model_version,
    weights_digest,
)
from chatwarden.model.features import (
    FeatureConfig,
    extract,
    matrix,
    single_buckets,
    single_grams,
    sums,
)
from chatwarden.pipeline.normalise import normalise


def _norm(texts: list[str]) -> list[str]:
    return [normalise(t).text for t in texts]


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model()


def test_loads_offline_and_fast(tmp_path: Path) -> None:
    copy = tmp_path / "bundled"
    shutil.copytree(BUNDLED_DIR, copy)
    began = time.perf_counter()
    model = load_model(copy)
    assert time.perf_counter() - began < 1.0
    assert model.version.startswith("tier1-")
    assert load_model(copy) is model  # cached


def test_predict_shape_and_range(model: Model) -> None:
    probs = model.predict(_norm(["gg wp", "", "you are trash", "x" * 10_000]))
    assert probs.shape == (4, len(COLUMNS))
    assert np.all((probs >= 0.0) & (probs <= 1.0))
    assert model.predict([]).shape == (0, len(COLUMNS))


def test_batch_equals_single(model: Model) -> None:
    texts = _norm(["gg wp", "kill yourself idiot", "", "what a clutch", "a"])
    batch = model.predict(texts)
    for i, text in enumerate(texts):
        np.testing.assert_allclose(model.predict([text])[0], batch[i], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("toxic", "benign"),
    [
        ("you are a worthless idiot", "you are a great player"),
        ("kill yourself", "one more game"),
        ("shut up you stupid bitch", "thanks for the stream"),
        ("fuck you loser", "gg wp"),
    ],
)
def test_toxic_ranks_above_benign(model: Model, toxic: str, benign: str) -> None:
    harm = model.predict(_norm([toxic, benign]))[:, 0]
    assert harm[0] > harm[1]


def test_category_heads_rank_their_own_words(model: Model) -> None:
    probs = model.predict(_norm(["holy shit fuck", "i will kill you", "nice play"]))
    swearing, aggression = COLUMNS.index("swearing"), COLUMNS.index("aggression")
    assert probs[0, swearing] > probs[2, swearing]
    assert probs[1, aggression] > probs[2, aggression]


def test_contributions_point_at_the_toxic_word(model: Model) -> None:
    text = normalise("nice stream but you are an idiot").text
    spans = model.contributions(text, "harm")
    start, end, weight = spans[0]
    assert text[start:end] == "idiot"
    assert weight > 0
    assert [w for _, _, w in spans] == sorted((w for _, _, w in spans), reverse=True)


def test_contributions_add_up_to_the_logit(model: Model) -> None:
    text = "you are so bad at this game"
    total = sum(w for _, _, w in model.contributions(text, "bullying"))
    col = COLUMNS.index("bullying")
    assert total + float(model.bias[col]) == pytest.approx(
        float(model.logits([text])[0, col]), abs=1e-3
    )


def test_contributions_many_matches_one_column_at_a_time(model: Model) -> None:
    text = normalise("you are such an idiot, go kill yourself").text
    many = model.contributions_many(text, ["harm", "bullying", "aggression"])
    assert set(many) == {"harm", "bullying", "aggression"}
    for column, got in many.items():
        assert got == model.contributions(text, column)
        col = COLUMNS.index(column)
        assert sum(w for _, _, w in got) + float(model.bias[col]) == pytest.approx(
            float(model.logits([text])[0, col]), abs=1e-3
        )
    assert model.contributions_many("", ["harm"]) == {"harm": []}
    with pytest.raises(KeyError, match="unknown column"):
        model.contributions_many("hi", ["harm", "spam"])


def test_batch_and_single_paths_agree(model: Model) -> None:
    texts = _norm(["you are an idiot", "gg wp", "", "kys loser lol"])
    batch = model.predict(texts)
    singles = np.vstack([model.predict([t]) for t in texts])
    np.testing.assert_allclose(batch, singles, atol=1e-5)


def test_version_covers_thresholds_and_embeddings(tmp_path: Path) -> None:
    copy = _corrupt_copy(tmp_path)
    meta = json.loads((copy / "meta.json").read_text())
    before = model_version(copy / "weights.npz", meta)
    changed = json.loads(json.dumps(meta))
    changed["thresholds"]["harm"][0] = 0.5
    assert model_version(copy / "weights.npz", changed) != before
    if meta.get("embeddings"):
        changed = json.loads(json.dumps(meta))
        changed["embeddings"]["sha256"] = "0" * 64
        assert model_version(copy / "weights.npz", changed) != before
    changed = json.loads(json.dumps(meta))
    changed["features"]["bits"] = 19
    assert model_version(copy / "weights.npz", changed) != before
    # a meta.json edited without a new version is refused
    meta["thresholds"]["harm"][0] = 0.5
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="version"):
        load_model(copy)


def test_modified_embedding_table_is_a_model_error(tmp_path: Path) -> None:
    copy = _corrupt_copy(tmp_path)
    meta = json.loads((copy / "meta.json").read_text())
    if not meta.get("embeddings"):
        pytest.skip("the bundled model has no embedding block")
    vocab = copy / "embeddings" / "vocab.txt"
    vocab.write_text(vocab.read_text() + "extra\n")
    with pytest.raises(ModelError, match="embeddings"):
        load_model(copy)


def test_contributions_unknown_column(model: Model) -> None:
    with pytest.raises(KeyError, match="unknown column"):
        model.contributions("hi", "spam")
    assert model.contributions("", "harm") == []


def test_thresholds_per_level(model: Model) -> None:
    assert set(model.thresholds) == set(COLUMNS)
    for levels in model.thresholds.values():
        assert len(levels) == 4
        assert list(levels) == sorted(levels, reverse=True)  # level 1 strictest


def test_meta_matches_files() -> None:
    meta = json.loads((BUNDLED_DIR / "meta.json").read_text())
    digest = weights_digest(BUNDLED_DIR / "weights.npz")
    assert meta["weights_sha256"] == digest
    assert meta["version"] == model_version(BUNDLED_DIR / "weights.npz", meta)
    assert meta["columns"] == list(COLUMNS)
    with np.load(BUNDLED_DIR / "weights.npz", allow_pickle=False) as npz:
        assert npz["weights"].shape == (len(npz["rows"]), len(COLUMNS))
        assert int(npz["rows"].max()) < FeatureConfig.from_json(meta["features"]).buckets


def _corrupt_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "m"
    shutil.copytree(BUNDLED_DIR, copy)
    return copy


def test_missing_dir_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"meta\.json"):
        load_model(tmp_path / "nowhere")


def test_truncated_weights_are_a_model_error(tmp_path: Path) -> None:
    copy = _corrupt_copy(tmp_path)
    data = (copy / "weights.npz").read_bytes()
    (copy / "weights.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="corrupt"):
        load_model(copy)


def test_bad_meta_is_a_model_error(tmp_path: Path) -> None:
    copy = _corrupt_copy(tmp_path)
    (copy / "meta.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot read"):
        load_model(copy)


def test_missing_weights_is_a_model_error(tmp_path: Path) -> None:
    copy = _corrupt_copy(tmp_path)
    (copy / "weights.npz").unlink()
    with pytest.raises(ModelError, match="no weights"):
        load_model(copy)


@pytest.mark.parametrize(
    "texts",
    [
        ["a", "", "hi there you", "\x01weird\ud800", "  double  spaces "],
        ["", ""],
        ["one"],
        ["\U0001f642 emoji \ud800 ok  x"],
        [""],
    ],
)
def test_fast_path_matches_sparse_features(texts: list[str]) -> None:
    cfg = FeatureConfig(bits=12)
    rng = np.random.default_rng(0)
    table = rng.standard_normal((cfg.buckets + 1, 3)).astype(np.float32)
    table[-1] = 0.0
    expected = matrix(texts, cfg) @ table[:-1]
    np.testing.assert_allclose(sums(texts, cfg, table), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "text",
    ["", "a", "hi there you", "\x01weird\ud800", "  double  spaces ", "stuuupid idiot", "x" * 400],
)
def test_single_grams_match_extract(text: str) -> None:
    cfg = FeatureConfig(bits=16)
    one, many = single_grams(text, cfg), extract([text], cfg)
    got = sorted(zip(one.bucket.tolist(), one.start.tolist(), one.end.tolist(), strict=True))
    want = sorted(zip(many.bucket.tolist(), many.start.tolist(), many.end.tolist(), strict=True))
    assert got == want
    np.testing.assert_allclose(one.value, many.value, rtol=1e-6)


def test_gram_offsets_stay_inside_the_text() -> None:
    texts = ["ab cd", "", "xyz"]
    grams = extract(texts, FeatureConfig(bits=10))
    lengths = np.array([len(t) for t in texts])[grams.row]
    assert np.all((grams.start >= 0) & (grams.start <= grams.end) & (grams.end <= lengths))


def test_elongated_words_share_their_dedoubled_feature() -> None:
    cfg = FeatureConfig(bits=16)
    clean, stretched = set(single_buckets("stupid", cfg)), set(single_buckets("stuupiid", cfg))
    assert clean & stretched  # at least the collapsed-word bucket
    batch = extract(["stuupiid"], cfg)
    assert sorted(batch.bucket.tolist()) == sorted(single_buckets("stuupiid", cfg))


def test_old_feature_configs_still_load() -> None:
    raw = FeatureConfig().to_json()
    del raw["word_dedoubled"]
    assert FeatureConfig.from_json(raw).word_dedoubled is False


def test_gated_categories_never_exceed_harm(model: Model) -> None:
    probs = model.predict(_norm(["im gay and i love this stream", "you retarded faggot", "gg"]))
    for col in model.gated_by_harm:
        assert np.all(probs[:, COLUMNS.index(col)] <= probs[:, 0] + 1e-6)
