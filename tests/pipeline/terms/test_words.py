from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatwarden.errors import InputError
from chatwarden.pipeline.terms.words import (
    WORD_RE,
    WordMode,
    WordPattern,
    ascii_words,
    parse_literal,
    skeleton,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stuupid", "stupid"),
        ("shiit", "shit"),
        ("aabbcc", "abc"),
        ("abc", "abc"),
        ("", ""),
        ("  a..b", " a.b"),
    ],
)
def test_skeleton_collapses_every_run(text: str, expected: str) -> None:
    assert skeleton(text) == expected


@pytest.mark.parametrize(
    "text",
    ["hey chat, what's up?", "under_score a-b c'd 42x", "", "  ", "!!!"],
)
def test_ascii_words_agree_with_word_re(text: str) -> None:
    assert [w.decode() for w in ascii_words(text)] == WORD_RE.findall(text)


def test_words_are_runs_of_letters_or_digits_in_any_script() -> None:
    assert WORD_RE.findall("bitch's café_au lait 42 привет") == [
        "bitch", "s", "café", "au", "lait", "42", "привет",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("mode", "word", "hit"),
    [
        (WordMode.EXACT, "ass", True),
        (WordMode.EXACT, "aass", True),  # doubled letter: skeleton "as" == skeleton("ass")
        (WordMode.EXACT, "as", False),  # no doubled letter: must be exact
        (WordMode.EXACT, "bass", False),
        (WordMode.PREFIX, "assets", True),
        (WordMode.PREFIX, "asets", False),
        (WordMode.PREFIX, "aasets", True),
        (WordMode.SUFFIX, "badass", True),
        (WordMode.SUFFIX, "badas", False),
        (WordMode.INFIX, "classic", True),
        (WordMode.INFIX, "clasic", False),
        (WordMode.INFIX, "claasic", True),
    ],
)
def test_word_pattern_matches(mode: WordMode, word: str, hit: bool) -> None:
    assert WordPattern("ass", mode).matches(word, skeleton(word)) is hit


def test_parse_literal_puts_wildcards_on_first_and_last_word() -> None:
    assert parse_literal("*ab cd ef*") == (
        WordPattern("ab", WordMode.SUFFIX),
        WordPattern("cd"),
        WordPattern("ef", WordMode.PREFIX),
    )


def test_parse_literal_refuses_a_one_letter_wildcard_word() -> None:
    with pytest.raises(InputError, match="at least 2 letters"):
        parse_literal("*a bc")


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_words_agree_with_word_re_on_any_ascii(text: str) -> None:
    assert [w.decode() for w in ascii_words(text)] == WORD_RE.findall(text)
