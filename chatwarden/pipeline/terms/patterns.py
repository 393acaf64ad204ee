"""Regex terms, run by RE2: linear time in the text, so no pattern can blow up (no ReDoS).

Patterns run case-insensitively over the normalised text. All patterns of a list go into one
``re2.Set`` so a message is scanned once however many patterns there are; only the patterns
that hit are run again to find their spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import re2

from chatwarden.errors import InputError

MAX_PATTERN_LENGTH = 500
"""Longest regex term, in characters (Discord allows 260)."""

MAX_REGEX_TERMS = 1000
"""Most regex terms one matcher accepts by default (Discord allows 10 per rule)."""

PATTERN_MAX_MEM = 8 << 20
"""RE2 memory budget for one compiled pattern; a bigger pattern is refused, not run."""

SET_MAX_MEM = 256 << 20
"""RE2 memory budget for the set of all patterns (its DFA cache lives in this budget)."""

Span = tuple[int, int]


def _options(max_mem: int) -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = max_mem
    return options


def compile_pattern(pattern: str) -> Any:
    """Compile one regex term with RE2; ``InputError`` with RE2's reason if it is refused."""
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
    """Many RE2 patterns, matched against a text in one pass."""

    __slots__ = ("_regexps", "_set")

    def __init__(self, patterns: Sequence[str]) -> None:
        self._regexps = [compile_pattern(p) for p in patterns]
        self._set = re2.Set.SearchSet(_options(SET_MAX_MEM))
        try:
            for pattern in patterns:
                self._set.Add(pattern)
            self._set.Compile()
        except re2.error as exc:
            raise InputError(f"regex terms: RE2 cannot compile them together: {exc}") from None

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
