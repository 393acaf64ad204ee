"""Regex terms, run by RE2: linear time in the text, so no pattern can blow up (no ReDoS).

Patterns run case-insensitively over the normalised text. All patterns of a list go into one
``re2.Set`` so a message is scanned once however many patterns there are; only the patterns
that hit are run again to find their spans.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any

import re2

from chatwarden.errors import InputError
from chatwarden.pipeline.terms.budget import DEFAULT_BUDGET, MAX_REGEX_TERMS, RegexBudget

MAX_PATTERN_LENGTH = 500
"""Longest regex term, in characters (Discord allows 260)."""

PATTERN_MAX_MEM = 8 << 20
"""RE2 memory budget for one compiled pattern; a bigger pattern is refused, not run."""

Span = tuple[int, int]

__all__ = ["MAX_PATTERN_LENGTH", "MAX_REGEX_TERMS", "PATTERN_MAX_MEM", "PatternSet", "Span"]


def _options(max_mem: int) -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = max_mem
    return options


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """Compile one regex term with RE2; ``InputError`` with RE2's reason if it is refused.

    Cached (compiled RE2 objects are immutable and thread-safe): a term is validated when it
    is made and compiled again for its set, and a set is checked before it is saved and again
    when its engine is built; each pattern's compile is paid once."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InputError(
            f"regex {pattern[:40]!r}...: longer than {MAX_PATTERN_LENGTH} characters "
            f"({len(pattern)})"
        )
    try:
        regexp = re2.compile(pattern, _options(PATTERN_MAX_MEM))
    except re2.error as exc:
        raise InputError(f"regex {pattern!r}: RE2 cannot compile it: {exc}") from None
    if regexp.fullmatch("") is not None:
        raise InputError(f"regex {pattern!r}: matches the empty string, so it would hit everything")
    return regexp


class PatternSet:
    """Many RE2 patterns, matched against a text in one pass.

    The set must fit ``budget`` (count, program size, RE2 memory, compile time): anything
    over it raises ``TermBudgetError`` before RE2 is asked for more (see ``budget.py``).
    """

    __slots__ = ("_regexps", "_set", "program_size")

    def __init__(self, patterns: Sequence[str], budget: RegexBudget = DEFAULT_BUDGET) -> None:
        budget.check_count(len(patterns))
        started = time.perf_counter()
        self._regexps = []
        self.program_size = 0
        for pattern in patterns:  # stop at the first pattern over the budget: bounded work
            regexp = compile_pattern(pattern)
            self.program_size += regexp.programsize
            budget.check_program_size(self.program_size)
            self._regexps.append(regexp)
        self._set = re2.Set.SearchSet(_options(budget.max_mem))
        try:
            for pattern in patterns:
                self._set.Add(pattern)
            if patterns:
                self._set.Compile()
        except re2.error:
            raise budget.set_error() from None
        if patterns:
            budget.check_compile_time(time.perf_counter() - started)

    def __len__(self) -> int:
        return len(self._regexps)

    def hits(self, text: str) -> list[int]:
        """Indexes of the patterns that occur in ``text`` (one pass over the text)."""
        if not self._regexps:
            return []
        found: list[int] | None = self._set.Match(text)
        return sorted(found) if found else []

    def spans(self, index: int, text: str) -> list[Span]:
        """The non-empty, non-overlapping spans of pattern ``index`` in ``text``."""
        return [m.span() for m in self._regexps[index].finditer(text) if m.end() > m.start()]
