"""Reading and labelling the training sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatwarden.training.datasets import (
    COLUMNS,
    UNKNOWN,
    Lexicon,
    clean,
    load_examples,
    make_labels,
    split,
)

FIXTURE = Path(__file__).parent / "fixtures" / "data"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load(FIXTURE)


def _col(name: str) -> int:
    return COLUMNS.index(name)


def test_lexicon_whole_words_and_prefixes(lexicon: Lexicon) -> None:
    assert "swearing" in lexicon.categories("what the fucking hell")
    assert "bullying" in lexicon.categories("such an idiot")
    assert lexicon.categories("a classic assessment in scunthorpe") == set()


def test_harmless_rows_are_zero_except_swearing(lexicon: Lexicon) -> None:
    labels = make_labels(lexicon, "holy shit that clutch", 0)
    assert labels[0] == 0
    assert labels[_col("swearing")] == 1
    assert labels[_col("bullying")] == 0


def test_harmful_rows_get_lexicon_categories(lexicon: Lexicon) -> None:
    labels = make_labels(lexicon, "you idiot", 1)
    assert labels[_col("bullying")] == 1
    assert labels[_col("disability")] == 0  # weak negative: no disability word
    unsure = make_labels(lexicon, "you idiot", 1, unsure=["disability"])
    assert unsure[_col("disability")] == UNKNOWN
    known = make_labels(lexicon, "you idiot", 1, {"disability": 1}, unsure=["disability"])
    assert known[_col("disability")] == 1


def test_clean_drops_tweet_artefacts() -> None:
    assert clean("RT @bob: hi &amp; https://t.co/x #gg") == "hi gg"


def test_load_examples_dedupes_and_labels() -> None:
    examples = load_examples(FIXTURE)
    texts = [" ".join(eg.text.lower().split()) for eg in examples]
    assert len(texts) == len(set(texts))
    assert {eg.source for eg in examples} == {"davidson", "convabuse", "notoxic_dota"}
    assert all(len(eg.labels) == len(COLUMNS) for eg in examples)


def test_split_is_deterministic_and_keeps_groups_together() -> None:
    examples = load_examples(FIXTURE)
    train1, dev1 = split(examples, 0.3)
    train2, dev2 = split(examples, 0.3)
    assert train1 == train2 and dev1 == dev2
    assert {eg.group for eg in train1}.isdisjoint({eg.group for eg in dev1})
    assert dev1 and train1
