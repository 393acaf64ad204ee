from __future__ import annotations

from typing import Any

import pytest

from chatwarden.errors import InputError
from chatwarden.pipeline.terms import Term, dedupe_terms
from chatwarden.pipeline.terms.words import WordMode


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"text": ""}, "2 to 500 characters"),
        ({"text": "a"}, "2 to 500 characters"),
        ({"text": "   a   "}, "got 1"),
        ({"text": "x" * 501}, "got 501"),
        ({"text": "ha*te"}, "only at the start or end"),
        ({"text": "hate * you"}, "only at the start or end"),
        ({"text": "**hate"}, "only at the start or end"),
        ({"text": "hate**"}, "only at the start or end"),
        ({"text": "**"}, "no letters or digits"),
        ({"text": "!!"}, "no letters or digits"),
        ({"text": "a*"}, "at least 2 letters"),
        ({"text": "*b"}, "at least 2 letters"),
        ({"text": "hate*", "kind": "permitted"}, "cannot use the wildcard"),
        ({"text": "*hole", "kind": "permitted"}, "cannot use the wildcard"),
        ({"text": "hell.*", "kind": "permitted", "is_regex": True}, "not regex"),
        ({"text": "bad\nword"}, "control characters"),
        ({"text": "word", "kind": "banned"}, "kind must be one of blocked, permitted"),
        ({"text": "word", "scope": "server"}, "scope must be one of global, channel"),
        ({"text": "word", "private": "yes"}, "private must be true or false"),
        ({"text": "word", "is_regex": 1}, "is_regex must be true or false"),
        ({"text": 42}, "must be a string"),
        ({"text": "(unclosed", "is_regex": True}, "RE2 cannot compile"),
        ({"text": "(?=look)ahead", "is_regex": True}, "RE2 cannot compile"),
        ({"text": r"(a)\1", "is_regex": True}, "RE2 cannot compile"),
        ({"text": "x*", "is_regex": True}, "matches the empty string"),
        ({"text": "a" * 501, "is_regex": True}, "got 501"),
    ],
)
def test_invalid_terms_raise_input_error_naming_the_problem(
    kwargs: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InputError, match=problem.replace("*", r"\*")):
        Term(**kwargs)


@pytest.mark.parametrize(
    ("text", "cores", "modes"),
    [
        ("  ass  ", ("ass",), (WordMode.EXACT,)),
        ("hate*", ("hate",), (WordMode.PREFIX,)),
        ("*hole", ("hole",), (WordMode.SUFFIX,)),
        ("*bad*", ("bad",), (WordMode.INFIX,)),
        ("go away", ("go", "away"), (WordMode.EXACT, WordMode.EXACT)),
        ("*bad thing*", ("bad", "thing"), (WordMode.SUFFIX, WordMode.PREFIX)),
        ("ab" * 250, ("ab" * 250,), (WordMode.EXACT,)),
        ("sh1t", ("shit",), (WordMode.EXACT,)),  # normalised like a message
        ("ＦＵＣＫ*", ("fuck",), (WordMode.PREFIX,)),
    ],
)
def test_valid_literal_terms_parse_into_words(
    text: str, cores: tuple[str, ...], modes: tuple[WordMode, ...]
) -> None:
    term = Term(text)
    assert term.text == text.strip()
    assert tuple(w.core for w in term.words) == cores
    assert tuple(w.mode for w in term.words) == modes


def test_regex_term_is_valid_and_has_no_words() -> None:
    term = Term(r"f+u+c+k+", is_regex=True)
    assert term.words == ()
    assert term.is_regex and term.kind == "blocked" and term.scope == "channel"


def test_defaults_and_equality_ignore_parsed_words() -> None:
    assert Term("ass") == Term(" ass ", kind="blocked", private=False, scope="channel")
    assert Term("ass") != Term("ass", private=True)
    assert hash(Term("ass")) == hash(Term("ass "))


def test_dedupe_keeps_first_of_same_normalised_text_kind_and_scope() -> None:
    terms = [
        Term("Ass", private=True),
        Term("ass"),
        Term("ass", kind="permitted"),
        Term("ass", scope="global"),
        Term("ASS", is_regex=True),
        Term("hate*"),
        Term("hate"),
    ]
    kept = dedupe_terms(terms)
    assert kept == [terms[0], terms[2], terms[3], terms[4], terms[5], terms[6]]
