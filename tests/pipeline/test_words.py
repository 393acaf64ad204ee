"""The normaliser's dictionary (``pipeline/words.py``): splits of spaced-out runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chatwarden.pipeline import words
from chatwarden.pipeline.words import english_words, segment, severe_words, whole_words


def _pieces(letters: str) -> list[str]:
    cuts = segment(letters) or []
    bounds = [0, *cuts, len(letters)]
    return [letters[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def test_word_counts_price_common_words_below_rare_ones() -> None:
    counts, total = words.word_counts()
    assert total >= sum(counts.values()) > 1_000_000
    assert counts["the"] > counts["are"] > counts["area"] > 0
    assert "xqzv" not in counts


def test_without_word_counts_every_dictionary_word_costs_the_same(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(words, "WORDFREQ_FILE", tmp_path / "missing.txt")
    words.word_counts.cache_clear()
    words._costs.cache_clear()
    try:
        assert words.word_counts() == ({}, 0)
        assert _pieces("youareafool") == ["you", "are", "a", "fool"]
    finally:
        monkeypatch.undo()
        words.word_counts.cache_clear()
        words._costs.cache_clear()


def test_the_dictionary_is_loaded() -> None:
    words = english_words()
    assert {"you", "are", "stupid", "a", "i", "u"} <= words
    assert "aaa" not in words  # one letter repeated is never a word here
    assert "rd" not in words  # two-letter abbreviations are left out
    assert "whiteboard" in whole_words()


@pytest.mark.parametrize(
    ("letters", "pieces"),
    [
        ("imgonnawinthis", ["im", "gonna", "win", "this"]),
        ("thatwasclose", ["that", "was", "close"]),
        ("youareafool", ["you", "are", "a", "fool"]),
        ("hellothere", ["hello", "there"]),
        # one word, no words, or a word cut into a word and a rest: not split
        ("wonderful", ["wonderful"]),
        ("xqzv", ["xqzv"]),
        ("faggot", ["faggot"]),
        ("whiteboard", ["whiteboard"]),
        ("youxqzvwkpj", ["youxqzvwkpj"]),  # a word and a longer rest: joined whole
        # the severe rules' words, and chat's contractions, are words too
        ("whatatranny", ["what", "a", "tranny"]),
        ("stfubeaner", ["stfu", "beaner"]),
        ("hispanicsare", ["hispanics", "are"]),
        ("theyshouldntexist", ["they", "shouldnt", "exist"]),
        # priced by how often chat-like text uses each word, not by length
        ("areamistake", ["are", "a", "mistake"]),
        ("naturallydegenerates", ["naturally", "degenerates"]),
        # a held-down letter or a plural is still its word
        ("houseeeeeon", ["houseeeee", "on"]),
        ("killinggggfilipinos", ["killingggg", "filipinos"]),
        ("houseeeee", ["houseeeee"]),
        ("aaaaaaaa", ["aaaaaaaa"]),  # one letter held down is no word
        # the severe rules' words stay whole even where common words could cut them
        ("whatashemale", ["what", "a", "shemale"]),
    ],
)
def test_segment(letters: str, pieces: list[str]) -> None:
    assert _pieces(letters) == pieces


@pytest.fixture
def no_vocabulary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The vocabulary files missing (an install without them); read again afterwards."""
    monkeypatch.setattr(words, "VOCAB_FILE", tmp_path / "vocab.txt")
    monkeypatch.setattr(words, "_VOCAB_DIR", tmp_path)
    english_words.cache_clear()
    whole_words.cache_clear()
    words._costs.cache_clear()
    yield
    monkeypatch.undo()
    english_words.cache_clear()
    whole_words.cache_clear()
    words._costs.cache_clear()


def test_missing_vocabulary_files_give_empty_word_lists(no_vocabulary: None) -> None:
    assert english_words() == frozenset()
    assert whole_words() == frozenset()
    assert segment("youareafool") is None  # nothing to split with: joined whole


def test_the_word_lists_are_read_again_once_the_files_are_back() -> None:
    assert "whiteboard" in whole_words() and "you" in english_words()


def test_the_severe_rules_lend_their_plain_words() -> None:
    found = severe_words()
    assert {"strangle", "hispanics", "tranny", "beaner", "people"} <= found
    assert "neighbou" not in found  # "neighbou?rs" is a pattern, not a word
    assert {"hispanics", "kekw", "shouldnt", "whiteboard"} <= english_words()


def test_a_vocabulary_without_the_bundled_word_lists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("hello\nworld\n", encoding="utf-8")
    monkeypatch.setattr(words, "VOCAB_FILE", vocab)
    monkeypatch.setattr(words, "_VOCAB_DIR", tmp_path / "missing")
    english_words.cache_clear()
    whole_words.cache_clear()
    try:
        assert severe_words() == set()
        assert {"hello", "world", "dont"} <= english_words()
        assert "tranny" not in english_words() and "kekw" not in english_words()
    finally:
        monkeypatch.undo()
        english_words.cache_clear()
        whole_words.cache_clear()
