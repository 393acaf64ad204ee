"""fold: one code point to what it imitates, always a fixpoint."""

from __future__ import annotations

import pytest

from chatwarden.pipeline.fold import CONTEXT_MARK, fold_char, lookalikes


@pytest.mark.parametrize(
    ("ch", "expected"),
    [
        ("A", "a"),
        ("а", "a"),  # Cyrillic
        ("Ο", "o"),  # Greek capital omicron: a letter, not the digit 0
        ("ι", "i"),  # listed as both i and l; chat means i
        ("𝔣", "f"),
        ("ｆ", "f"),
        ("ß", "ss"),
        ("é", "e"),
        ("\u200b", ""),
        ("\ud800", ""),
        ("\u0301", ""),
        ("\t", " "),
        ("\u0e31", CONTEXT_MARK),  # Thai vowel sign: kept inside Thai words
        ("が", "が"),  # Japanese voicing mark is not an accent
        ("😀", "😀"),
    ],
)
def test_fold_char(ch: str, expected: str) -> None:
    assert fold_char(ch) == expected


def test_lookalikes_target_ascii_and_are_fixpoints() -> None:
    table = lookalikes()
    assert len(table) > 300
    for src, dst in table.items():
        assert not src.isascii()
        assert dst.isascii() and dst.isalnum()
        assert all(fold_char(c) == c for c in dst)
