"""The regex budget: a set of patterns is refused as a whole, with a clear error, before it is
compiled past its limits (count, RE2 program size, RE2 memory, compile time)."""

from __future__ import annotations

import json
import time

import pytest

from chatwarden.errors import InputError
from chatwarden.pipeline.automod import build_matcher, check_regex_budget
from chatwarden.pipeline.terms import (
    DEFAULT_BUDGET,
    RegexBudget,
    Term,
    TermBudgetError,
    load_terms,
)
from chatwarden.pipeline.terms.patterns import PatternSet, compile_pattern
from chatwarden.settings import TermSpec

#: each valid alone (a few hundred RE2 instructions); a few dozen together fill the budget
COSTLY = [rf"(?:.{{{n}}}|[a-z]{{{n}}})(?:x|y)*z" for n in range(20, 420)]
WORDS = [rf"\bw{i:04d}z+\b" for i in range(1001)]


def spec(text: str, scope: str = "channel") -> TermSpec:
    return TermSpec(text=text, is_regex=True, scope=scope)


def test_defaults() -> None:
    assert DEFAULT_BUDGET == RegexBudget(1000, 32 << 20, 20_000, 1.0)
    assert issubclass(TermBudgetError, InputError)  # HTTP 400 like any bad input
    assert TermBudgetError.code == "term_budget_exceeded"


@pytest.mark.parametrize(("count", "refused"), [(1000, False), (1001, True)])
def test_count_limit_is_inclusive(count: int, refused: bool) -> None:
    if refused:
        with pytest.raises(TermBudgetError, match=r"too many regex terms: 1001 \(at most 1000\)"):
            PatternSet(WORDS[:count])
    else:
        assert len(PatternSet(WORDS[:count])) == count


def test_program_size_limit_stops_at_the_pattern_that_tips_it() -> None:
    sizes = [compile_pattern(p).programsize for p in COSTLY]
    fits = next(i for i in range(len(sizes)) if sum(sizes[: i + 1]) > 20_000)
    assert len(PatternSet(COSTLY[:fits])) == fits  # right at the limit: fine
    started = time.perf_counter()
    with pytest.raises(TermBudgetError) as caught:
        PatternSet(COSTLY)  # 400 patterns: stops after fits + 1 of them
    assert time.perf_counter() - started < 2.0
    assert f"{sum(sizes[: fits + 1])} RE2 instructions (at most 20000)" in caught.value.message
    assert "(?:" not in caught.value.message  # never quotes a term: some are private


def test_memory_budget_refuses_a_set_re2_cannot_fit() -> None:
    small = RegexBudget(max_mem=1 << 20, max_program_size=10**9)
    with pytest.raises(TermBudgetError, match=r"cannot compile them together within 1 MiB"):
        PatternSet(COSTLY[:200], small)
    assert len(PatternSet(COSTLY[:2], small)) == 2


def test_compile_time_budget() -> None:
    tight = RegexBudget(compile_budget_s=1e-9, max_program_size=10**9)
    with pytest.raises(
        TermBudgetError, match=r"too slow to compile together: .* s \(at most 1e-09"
    ):
        PatternSet(COSTLY[:5], tight)
    assert len(PatternSet([], tight)) == 0  # nothing to compile is never too slow


def test_build_matcher_checks_the_whole_set_channel_lists_and_global() -> None:
    own = [spec(p) for p in WORDS[:600]]
    lists = [spec(p) for p in WORDS[600:1000]]
    assert len(build_matcher([*own, *lists]).terms) == 1000
    with pytest.raises(TermBudgetError, match="too many regex terms: 1001"):
        build_matcher([*own, *lists], global_terms=[spec(WORDS[1000])])
    # a term in both the channel and a list is one term, as the matcher dedupes it
    assert len(build_matcher([*own, *lists, *own[:10]]).terms) == 1000


def test_check_regex_budget_refuses_before_building_terms() -> None:
    # thousands of costly patterns: refused after about 60 compiles, not thousands
    many = [spec(p + f"q{i}") for i in range(5) for p in COSTLY]
    started = time.perf_counter()
    with pytest.raises(TermBudgetError, match="too many regex terms: 2000"):
        check_regex_budget(many, DEFAULT_BUDGET)
    with pytest.raises(TermBudgetError, match="RE2 instructions"):
        check_regex_budget(many[:1000], DEFAULT_BUDGET)
    assert time.perf_counter() - started < 2.0
    check_regex_budget([spec("a+b"), spec("[x-", "global")][:1], DEFAULT_BUDGET)


def test_a_bad_pattern_is_still_an_input_error_naming_it() -> None:
    with pytest.raises(InputError, match=r"regex '\[a-': RE2 cannot compile it") as caught:
        build_matcher([spec("[a-")])
    assert not isinstance(caught.value, TermBudgetError)


def test_compile_pattern_is_cached() -> None:
    assert compile_pattern(r"\bcache+d\b") is compile_pattern(r"\bcache+d\b")
    assert Term(r"\bcache+d\b", is_regex=True).text == r"\bcache+d\b"


def test_load_terms_stops_reading_at_the_budget() -> None:
    rows = [{"text": p, "is_regex": True} for p in COSTLY * 3]  # duplicates count once
    data = json.dumps([*rows, {"text": "never read"}, {"text": "[bad", "is_regex": True}])
    started = time.perf_counter()
    with pytest.raises(TermBudgetError, match="RE2 instructions"):
        load_terms(data, "json", regex_budget=DEFAULT_BUDGET)
    assert time.perf_counter() - started < 2.0
    words = json.dumps([{"text": p, "is_regex": True} for p in WORDS[:1000] * 2])
    assert len(load_terms(words, "json", regex_budget=DEFAULT_BUDGET)) == 1000
    with pytest.raises(TermBudgetError, match=r"too many regex terms: 3 \(at most 2\)"):
        load_terms(words, "json", regex_budget=RegexBudget(max_terms=2))
    over = json.dumps([{"text": p, "is_regex": True} for p in WORDS])
    assert len(load_terms(over, "json")) == 1001  # no budget: reading alone is not limited
