import json
from collections import Counter
from importlib import resources

import pytest

from chatwarden.categories import CATEGORIES
from chatwarden.training.suites import load_suite, suite_names

EXPECTED = {
    "negation",
    "counter_speech",
    "reclaimed",
    "identity_neutral",
    "profanity_not_abuse",
    "toxic_plain",
    "benign_chat",
}
MIXED = {"negation", "profanity_not_abuse"}  # both labels
ALL_TOXIC = {"toxic_plain"}


def test_every_suite_is_bundled() -> None:
    assert set(suite_names()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_suite_schema(name: str) -> None:
    raw = resources.files("chatwarden.training.suites").joinpath(f"{name}.jsonl")
    lines = raw.read_text(encoding="utf-8").splitlines()
    assert 40 <= len(lines) <= 80
    for line in lines:
        row = json.loads(line)
        assert set(row) == {"text", "label", "suite", "category"}
        assert isinstance(row["text"], str) and row["text"] == row["text"].strip() and row["text"]
        assert row["label"] in (0, 1)
        assert row["suite"] == name
        if row["label"] == 1:
            assert row["category"] in CATEGORIES
        else:
            assert row["category"] is None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_suite_labels(name: str) -> None:
    labels = {row["label"] for row in load_suite(name)}
    if name in MIXED:
        assert labels == {0, 1}
    elif name in ALL_TOXIC:
        assert labels == {1}
    else:
        assert labels == {0}


def test_no_duplicates_across_suites() -> None:
    texts = Counter(row["text"].lower() for n in suite_names() for row in load_suite(n))
    assert [t for t, c in texts.items() if c > 1] == []


def test_toxic_plain_covers_every_category() -> None:
    cats = Counter(row["category"] for row in load_suite("toxic_plain"))
    assert set(cats) == set(CATEGORIES)
    assert min(cats.values()) >= 5
