"""The normaliser's dictionary (``pipeline/words.py``): splits of spaced-out runs."""

from __future__ import annotations

import pytest

from chatwarden.pipeline.words import english_words, segment, whole_words


def _pieces(letters: str) -> list[str]:
    cuts = segment(letters) or []
    bounds = [0, *cuts, len(letters)]
    return [letters[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


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
    ],
)
def test_segment(letters: str, pieces: list[str]) -> None:
    assert _pieces(letters) == pieces
