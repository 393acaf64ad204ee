"""fold: one code point to what it imitates, always a fixpoint."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chatwarden.pipeline import fold
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


@pytest.fixture
def with_lookalikes(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], None]:
    """Fold with another look-alike table (and an empty fold cache, so the real cache keeps
    only real folds). Unicode 14's data (Python 3.11) has no chain and no Latin letter with a
    script-specific mark; a newer Unicode may, and ``fold_char`` must still reach a fixpoint."""

    def use(table: dict[str, str]) -> None:
        monkeypatch.setattr(fold, "lookalikes", lambda: table)
        monkeypatch.setattr(fold, "_TABLE", {})

    return use


def test_a_chain_of_lookalikes_is_followed_for_at_most_four_rounds(
    with_lookalikes: Callable[[dict[str, str]], None],
) -> None:
    with_lookalikes({"б": "в", "в": "г", "г": "д", "д": "ж", "ж": "з", "з": "z"})
    assert fold_char("ж") == "z"  # two rounds: a fixpoint
    assert fold_char("г") == "z"  # four rounds: a fixpoint just reached
    assert fold_char("б") == "з"  # the fifth step is not taken


def test_a_script_mark_after_a_letter_read_as_latin_is_dropped(
    with_lookalikes: Callable[[dict[str, str]], None],
) -> None:
    # Devanagari KA with nukta (U+0958) decomposes to KA and the nukta sign
    assert fold_char("\u0958") == "\u0915\u093c"  # in its own script the mark is kept
    with_lookalikes({"\u0915": "k"})
    assert fold_char("\u0958") == "k"  # read as a Latin k, the mark is noise
