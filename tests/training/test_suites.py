import json
import random
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from chatwarden.categories import CATEGORIES
from chatwarden.training.suites import (
    functional_suite_names,
    load_functional_suite,
    load_suite,
    suite_names,
)
from chatwarden.training.suites.build_chat_harm import (
    HARM_KINDS,
    OTHER_KINDS,
    build,
    chat_style,
    overlap,
    training_texts,
)

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


# --- the functional chat-harm suite (functional/chat_harm.jsonl) ---------------------------

FUNCTIONAL_KEYS = {
    "text",
    "label",
    "suite",
    "category",
    "functionality",
    "kind",
    "min_level",
    "expected",
}
MUST_HAVE = {
    "threat_direct",
    "threat_conditional",
    "kys",
    "death_wish",
    "doxxing",
    "self_harm_encouragement",
    "hate_race",
    "hate_religion",
    "hate_sexuality",
    "hate_gender_identity",
    "hate_disability",
    "hate_immigrants",
    "misogyny",
    "dehumanisation",
    "exclusion",
    "obfuscated_slurs",
    "trash_talk",
    "identity_neutral",
    "identity_supportive",
    "identity_words_inside_words",
    "reclaimed",
    "counter_speech",
    "quoting_reporting",
    "negation",
    "gaming_violence",
    "twitch_slang",
    "global_emotes",
    "channel_emotes",
    "profanity_not_abuse",
    "self_deprecation",
}


def test_functional_suite_is_bundled_apart_from_the_small_suites() -> None:
    assert functional_suite_names() == ["chat_harm"]
    assert "chat_harm" not in suite_names()


def test_chat_harm_size_and_schema() -> None:
    rows = load_functional_suite("chat_harm")
    names = Counter(r["functionality"] for r in rows)
    assert len(rows) >= 2000 and len(names) >= 30
    assert MUST_HAVE <= set(names)
    assert min(names.values()) >= 40
    for row in rows:
        assert set(row) == FUNCTIONAL_KEYS
        assert isinstance(row["text"], str) and row["text"] == row["text"].strip() and row["text"]
        assert row["suite"] == "chat_harm"
        assert row["kind"] in HARM_KINDS + OTHER_KINDS
        level = row["min_level"]
        assert row["label"] == int(level is not None)
        assert row["expected"] == ("hold" if level is not None and level <= 2 else "allow")
        if row["kind"] in HARM_KINDS:
            assert level in (1, 2) and row["category"] in CATEGORIES
        elif row["kind"] == "trash_talk":
            assert level == 4 and row["category"] == "bullying"
        else:
            assert level is None and row["category"] is None


def test_chat_harm_kinds_are_one_per_functionality() -> None:
    kinds: dict[str, set[str]] = {}
    for row in load_functional_suite("chat_harm"):
        kinds.setdefault(row["functionality"], set()).add(row["kind"])
    assert all(len(k) == 1 for k in kinds.values())
    assert {k for (k,) in kinds.values()} == set(HARM_KINDS + OTHER_KINDS)


def test_chat_harm_has_no_duplicates_and_no_case_from_the_small_suites() -> None:
    rows = load_functional_suite("chat_harm")
    keys = Counter(" ".join(r["text"].lower().split()) for r in rows)
    assert [t for t, c in keys.items() if c > 1] == []
    small = {" ".join(r["text"].lower().split()) for n in suite_names() for r in load_suite(n)}
    assert small.isdisjoint(keys)


def test_chat_harm_file_is_what_the_builder_writes() -> None:
    """The committed file is the seeded build, less the cases it dropped as training lines."""
    committed = load_functional_suite("chat_harm")
    kept = {r["text"] for r in committed}
    dropped: set[str] = set()
    rows = build()
    for _ in range(10):  # as the builder does: drop, refill, drop what the refill hit
        extra = {r["text"] for r in rows} - kept
        if not extra:
            break
        dropped |= extra
        rows = build(exclude=dropped)
    assert len(dropped) <= 300
    assert rows == committed


def test_chat_harm_shares_no_case_with_the_training_data() -> None:
    """Evaluation only: the build drops every case the training generator or data/ holds too.

    The generator changes while the suite stays put, so a few short canonical lines may come to
    coincide ("k y s lol"); more than 1 % means the two were not written apart: rebuild the
    suite (``python -m chatwarden.training.suites.build_chat_harm``) and find out why.
    """
    rows = load_functional_suite("chat_harm")
    clash = overlap(rows, training_texts(Path(__file__).resolve().parents[2], seeds=1))
    assert len(clash) <= len(rows) // 100, clash


def test_chat_style_keeps_the_words() -> None:
    rng = random.Random(0)
    for _ in range(200):
        styled = chat_style("i hope you die", rng, ("KEKW",))
        assert "hope" in styled.lower() and "die" in styled.lower()
