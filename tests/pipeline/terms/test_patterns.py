from __future__ import annotations

import itertools
import time

import pytest

from chatwarden.errors import InputError
from chatwarden.pipeline.normalise import normalise
from chatwarden.pipeline.terms import MAX_REGEX_TERMS, Term, TermMatcher
from chatwarden.pipeline.terms.patterns import PatternSet, compile_pattern


def blocked_spans(matcher: TermMatcher, text: str) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    return [(hit.term.text, hit.spans) for hit in matcher.match(normalise(text)).blocked]


@pytest.mark.parametrize(
    ("pattern", "text", "spans"),
    [
        (r"f+u+c+k+", "ffffuuuuck off", ((0, 4),)),  # normalised: "fuck off"
        (r"FUCK", "fuck", ((0, 4),)),  # case-insensitive
        (r"\bk+y+s+\b", "just kys now, kys", ((5, 8), (14, 17))),
        (r"n[i1]gg", "nothing here", ()),
        (r"(a+)+$", "aaaa", ((0, 1),)),  # normalised: "a" (a dictionary word)
        (r"bad", "badbad", ((0, 3), (3, 6))),
        (r"f+u+c+k+", "привет мир fuck", ((11, 15),)),  # spans count characters, not bytes
    ],
)
def test_regex_terms_hit_the_normalised_text(
    pattern: str, text: str, spans: tuple[tuple[int, int], ...]
) -> None:
    matcher = TermMatcher([Term(pattern, is_regex=True)])
    assert blocked_spans(matcher, text) == ([(pattern, spans)] if spans else [])


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    matcher = TermMatcher([Term(r"(a+)+$", is_regex=True), Term(r"(x+x+)+y", is_regex=True)])
    hostile = normalise("a" * 5000 + "b")
    start = time.perf_counter()
    result = matcher.match(hostile)
    elapsed = time.perf_counter() - start
    assert result.blocked == ()
    assert elapsed < 0.05, f"took {elapsed * 1000:.1f} ms"


def test_pattern_set_reports_only_patterns_that_occur() -> None:
    patterns = PatternSet(["abc", "x+y", "zz"])
    assert len(patterns) == 3
    assert patterns.hits("xxy and abc") == [0, 1]
    assert patterns.hits("nothing") == []
    assert PatternSet([]).hits("abc") == []


def test_compile_pattern_reports_re2_reason() -> None:
    with pytest.raises(InputError, match=r"regex '\[a-': RE2 cannot compile it: .*missing \]"):
        compile_pattern("[a-")


def test_too_many_regex_terms_is_an_input_error() -> None:
    terms = [Term(f"bad{i}x", is_regex=True) for i in range(3)]
    with pytest.raises(InputError, match=r"too many regex terms: 3 \(at most 2\)"):
        TermMatcher(terms, max_regex_terms=2)
    assert MAX_REGEX_TERMS == 1000
    many = [Term(f"w{i}", is_regex=True) for i in range(MAX_REGEX_TERMS + 1)]
    with pytest.raises(InputError, match="too many regex terms"):
        TermMatcher(many)


def test_a_thousand_regex_terms_compile_and_match_in_one_pass() -> None:
    names = ["".join(p) for p in itertools.product("abcdefghij", repeat=3)]
    terms = [Term(rf"\bq{name}z+\b", is_regex=True) for name in names]
    assert len(terms) == MAX_REGEX_TERMS
    matcher = TermMatcher(terms)
    assert blocked_spans(matcher, "qbadzz and qjihz, not qabcd") == [
        (r"\bqbadz+\b", ((0, 6),)),
        (r"\bqjihz+\b", ((11, 16),)),
    ]
