import json
from pathlib import Path

import numpy as np
import pytest

from chatwarden import AutoMod, AutoModSettings
from chatwarden.errors import InputError
from chatwarden.model import COLUMNS, Model
from chatwarden.model.features import FeatureConfig, extract
from chatwarden.training.evalsets import (
    Example,
    FunctionalCase,
    find_devsets,
    functional_suites,
    load_devsets,
    load_jsonl,
    parse_example,
)
from chatwarden.training.evaluate import (
    compare_tricks,
    decide_all,
    evaluate,
    evaluate_functionalities,
    evaluate_set,
    obfuscate_examples,
)
from chatwarden.training.metrics import prf, prf_at, rate, roc_auc

# --- metric helpers, hand-computed ---------------------------------------------------------


def test_roc_auc_hand_computed() -> None:
    # positives 0.8, 0.4; negatives 0.6, 0.2: pairs (0.8>0.6, 0.8>0.2, 0.4<0.6, 0.4>0.2) = 3/4
    assert roc_auc([1, 0, 1, 0], [0.8, 0.6, 0.4, 0.2]) == pytest.approx(0.75)
    assert roc_auc([1, 0], [0.9, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.5, 0.5]) == 0.5  # ties count half
    assert roc_auc([1, 1], [0.2, 0.3]) is None
    assert roc_auc([], []) is None
    with pytest.raises(ValueError, match="2 labels but 1 scores"):
        roc_auc([1, 0], [0.5])


def test_prf_hand_computed() -> None:
    # tp=2 (rows 0,1), fp=1 (row 2), fn=1 (row 3), tn=1 (row 4)
    out = prf([1, 1, 0, 1, 0], [True, True, True, False, False])
    assert (out.tp, out.fp, out.fn) == (2, 1, 1)
    assert out.precision == pytest.approx(2 / 3)
    assert out.recall == pytest.approx(2 / 3)
    assert out.f1 == pytest.approx(2 / 3)
    nothing = prf([0, 0], [False, False])
    assert nothing.precision is None and nothing.recall is None and nothing.f1 is None
    wrong = prf([1, 0], [False, True])
    assert wrong.precision == 0.0 and wrong.recall == 0.0 and wrong.f1 == 0.0


def test_prf_at_uses_greater_or_equal() -> None:
    out = prf_at([1, 1, 0], [0.5, 0.49, 0.7], 0.5)
    assert (out.tp, out.fp, out.fn) == (1, 1, 1)
    assert out.to_dict()["precision"] == 0.5


def test_rate() -> None:
    assert rate([True, False, False, True]) == 0.5
    assert rate([]) is None


# --- labelled rows ---------------------------------------------------------------------------


def test_parse_example_forms() -> None:
    assert parse_example({"text": "x", "label": 1, "category": "bullying"}) == Example(
        "x", 1, frozenset({"bullying"}), complete=False
    )
    multi = parse_example(
        {"text": "x", "label": True, "categories": {"swearing": 1, "misogyny": 0}}
    )
    assert multi == Example("x", 1, frozenset({"swearing"}), complete=True)
    assert parse_example({"text": "x", "harm": 0}).label == 0
    with pytest.raises(InputError, match="'label' must be 0 or 1"):
        parse_example({"text": "x", "label": 2})
    with pytest.raises(InputError, match="no 'text'"):
        parse_example({"label": 1})
    with pytest.raises(InputError, match="unknown category 'rudeness'"):
        parse_example({"text": "x", "label": 1, "category": "rudeness"})


def test_load_jsonl_names_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": 0}\n\nnot json\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"d.jsonl:3: invalid JSON"):
        load_jsonl(path)


def test_devsets_loading(tmp_path: Path) -> None:
    rows = [
        {"text": "a", "label": 1, "violation": "harassment"},
        {"text": "b", "label": 1, "violation": "spam"},
        {"text": "c", "label": 0, "violation": None},
    ]
    (tmp_path / "normvio_dev.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows), encoding="utf-8"
    )
    sets = load_devsets(tmp_path)
    assert [e.text for e in sets["normvio_harm"]] == ["a", "c"]
    assert [e.text for e in sets["normvio_all"]] == ["a", "b", "c"]
    assert "conda" not in sets
    assert find_devsets(tmp_path) == tmp_path
    assert find_devsets(tmp_path / "missing") is None


# --- the engine on a tiny real model ---------------------------------------------------------

TOXIC_WORDS = ("idiot", "stupid", "loser", "trash")
CFG = FeatureConfig(bits=12, char_ngrams=(), word_unigrams=True, word_bigrams=False)


def _word_model() -> Model:
    """A real ``Model`` whose only signal is a handful of insult words (every column)."""
    weights = np.zeros((CFG.buckets + 1, len(COLUMNS)), dtype=np.float32)  # + padding row
    grams = extract(list(TOXIC_WORDS), CFG)
    weights[grams.bucket] = 12.0
    bias = np.full(len(COLUMNS), -4.0, dtype=np.float32)
    thresholds = {col: (0.9, 0.7, 0.5, 0.3) for col in COLUMNS}
    return Model(weights, bias, CFG, thresholds, version="test-words")


@pytest.fixture(scope="module")
def automod() -> AutoMod:
    return AutoMod(AutoModSettings(overall_level=2), model=_word_model())


EXAMPLES = [
    Example("you idiot", 1, frozenset({"bullying"})),
    Example("stupid loser", 1, frozenset({"bullying"})),
    Example("gg wp", 0),
    Example("nice clutch", 0),
    Example("not trash at all", 0),
]


def test_evaluate_set(automod: AutoMod) -> None:
    decisions = decide_all(automod, [eg.text for eg in EXAMPLES], batch=2)
    report = evaluate_set("tiny", EXAMPLES, decisions, automod.model.thresholds)
    assert (report.n, report.positives) == (5, 2)
    # "not trash at all" (logit -4 + 12/2) is held but still ranks below both insults
    assert report.harm_auc == 1.0
    assert report.recall == 1.0
    assert report.false_hold_rate == pytest.approx(1 / 3)
    assert report.hold_rate == pytest.approx(3 / 5)
    assert report.category_auc == {"bullying": 1.0}
    harm_levels = [lv for lv in report.levels if lv.column == "harm"]
    assert [lv.level for lv in harm_levels] == [1, 2, 3, 4]
    assert harm_levels[0].threshold == 0.9
    assert report.to_dict()["levels"][0]["column"] == "harm"


def test_obfuscation_is_seeded() -> None:
    assert obfuscate_examples(EXAMPLES, "leetspeak", 1) == obfuscate_examples(
        EXAMPLES, "leetspeak", 1
    )


def test_compare_tricks() -> None:
    out = compare_tricks(
        "s",
        "spaced",
        [1, 1, 0, 0],
        ([0.9, 0.8, 0.1, 0.2], [True, True, False, False]),
        ([0.9, 0.1, 0.1, 0.2], [True, False, False, False]),
    )
    assert out.auc_clean == 1.0 and out.auc == pytest.approx(0.625)
    assert out.auc_drop == pytest.approx(0.375)
    assert out.recall_clean == 1.0 and out.recall == 0.5 and out.recall_drop == 0.5
    assert out.false_hold == 0.0


def test_evaluate_end_to_end(automod: AutoMod, tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(
        "\n".join(json.dumps({"text": eg.text, "label": eg.label}) for eg in EXAMPLES),
        encoding="utf-8",
    )
    calls: list[tuple[str, int]] = []

    def progress(description: str, total: int) -> object:
        calls.append((description, total))
        return lambda n: None

    report = evaluate(
        automod,
        data=[path],
        devsets=False,
        tricks=("spaced", "leetspeak"),
        progress=progress,  # type: ignore[arg-type]
    )
    names = [s.name for s in report.sets]
    assert names[0] == "mine"
    assert "toxic_plain" in names and "suites (all)" in names
    assert {(t.set, t.trick) for t in report.obfuscation} == {
        (n, t) for n in ("mine", "suites (all)", "chat_harm") for t in ("spaced", "leetspeak")
    }
    functionalities = {f.functionality for f in report.functional}
    assert len(functionalities) == len(report.functional) >= 30
    assert {f.suite for f in report.functional} == {"chat_harm"}
    assert {f.level for f in report.functional} == {2}
    (trash,) = [f for f in report.functional if f.functionality == "trash_talk"]
    assert not trash.expect_hold  # held only from level 4
    chat_harm = next(s for s in report.sets if s.name == "chat_harm")
    assert sum(f.n for f in report.functional) == chat_harm.n
    assert report.model_version == "test-words"
    assert report.levels["swearing"] == 0
    assert ("mine", 5) in calls
    out = report.to_dict()
    assert json.loads(json.dumps(out)) == out


def test_evaluate_notes_missing_devsets(automod: AutoMod, tmp_path: Path) -> None:
    report = evaluate(
        automod,
        suites=False,
        functional=False,
        devsets_dir=tmp_path / "nope",
        obfuscation=False,
    )
    assert report.sets == []
    assert any("devsets skipped" in note for note in report.notes)


# --- functional suites ---------------------------------------------------------------------


def _case(text: str, name: str, kind: str, min_level: int | None) -> FunctionalCase:
    return FunctionalCase(Example(text, int(min_level is not None)), name, kind, min_level)


CASES = [
    _case("you idiot", "insults", "hate", 1),
    _case("stupid loser", "insults", "hate", 1),
    _case("idiot", "trash", "trash_talk", 4),
    _case("gg wp", "trash", "trash_talk", 4),
    _case("nice clutch", "chat", "benign", None),
    _case("gg wp nice", "chat", "benign", None),
]


def test_functional_case_expectation_by_level() -> None:
    hate, _, trash, _, chat, _ = CASES
    assert hate.expect_hold(1) and hate.expect_hold(4)
    assert not trash.expect_hold(2) and not trash.expect_hold(3) and trash.expect_hold(4)
    assert not chat.expect_hold(4)


def test_evaluate_functionalities(automod: AutoMod) -> None:
    decisions = decide_all(automod, [c.example.text for c in CASES])
    held = [d.action.value != "allow" for d in decisions]
    assert held == [True, True, True, False, False, False]
    at2 = {f.functionality: f for f in evaluate_functionalities("s", CASES, decisions, 2)}
    assert list(at2) == ["insults", "trash", "chat"]
    assert at2["insults"].held_share == 1.0 and at2["insults"].passed
    assert at2["insults"].target == 0.9
    # trash talk should be allowed at level 2: held 1 of 2 fails the 5 % target
    assert not at2["trash"].expect_hold and at2["trash"].held_share == 0.5
    assert at2["trash"].target == 0.05 and not at2["trash"].passed
    assert at2["chat"].held == 0 and at2["chat"].passed
    at4 = {f.functionality: f for f in evaluate_functionalities("s", CASES, decisions, 4)}
    assert at4["trash"].expect_hold and not at4["trash"].passed  # 50 % < 90 %
    assert at4["trash"].to_dict() == {
        "suite": "s",
        "functionality": "trash",
        "kind": "trash_talk",
        "level": 4,
        "expected": "hold",
        "n": 2,
        "held": 1,
        "held_share": 0.5,
        "target": 0.9,
        "passed": False,
    }


def test_functional_suites_load() -> None:
    (cases,) = functional_suites().values()
    assert len(cases) >= 2000
    assert {c.kind for c in cases} == {"threat", "self_harm", "hate", "trash_talk", "benign"}
    assert all(c.example.label == int(c.min_level is not None) for c in cases)
    threats = [c for c in cases if c.kind == "threat"]
    assert threats and all("aggression" in c.example.categories for c in threats)


def test_evaluate_functional_without_overall_level(tmp_path: Path) -> None:
    custom = AutoModSettings(overall_level=None, levels={"bullying": 4})
    report = evaluate(
        AutoMod(custom, model=_word_model()), suites=False, devsets=False, obfuscation=False
    )
    assert [s.name for s in report.sets] == ["chat_harm"]
    assert {f.level for f in report.functional} == {2}
    assert any("no overall level" in note for note in report.notes)
