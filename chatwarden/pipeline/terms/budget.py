"""What one channel's regex terms may cost: how many, how big together, how long to compile.

RE2 matches in time linear in the text, but the constant grows with the patterns: the set's
program size bounds the work per byte (a DFA that cannot cache its states runs the program
for every byte), and RE2's memory budget bounds what the compiled set may hold. So the whole
set a message meets (channel terms, subscribed policy lists, the global list) is checked
together, with the same budget when a term is added or imported, a list subscribed, and when
the engine is built: a set that passes is one the server can run.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatwarden.errors import InputError

MAX_REGEX_TERMS = 1000
"""Most regex terms one set accepts by default (Discord allows 10 per rule)."""

REGEX_MAX_MEM = 32 << 20
"""Default RE2 memory budget for the compiled set (its DFA cache lives in this budget)."""

REGEX_MAX_PROGRAM_SIZE = 20_000
"""Default most RE2 instructions in all of a set's patterns together (a word pattern such as
``\\bf+u+c+k+\\b`` is about 20; ``.{100}`` alone is about 400). A message's worst-case
matching time grows with it (8 ms for 500 characters at 21,000, patterns made to defeat
RE2's DFA cache, one quiet core); ordinary word patterns stay near 0.1 ms."""

REGEX_COMPILE_BUDGET_S = 1.0
"""Default longest time compiling the set may take."""


class TermBudgetError(InputError):
    """A set of regex terms is over its budget. The message never quotes a term (some are
    private), only counts and limits, so it can be shown to anyone who manages terms."""

    code = "term_budget_exceeded"


@dataclass(frozen=True, slots=True)
class RegexBudget:
    """The limits one set of regex terms must fit (see the module docstring)."""

    max_terms: int = MAX_REGEX_TERMS
    max_mem: int = REGEX_MAX_MEM
    max_program_size: int = REGEX_MAX_PROGRAM_SIZE
    compile_budget_s: float = REGEX_COMPILE_BUDGET_S

    def check_count(self, count: int) -> None:
        if count > self.max_terms:
            raise TermBudgetError(f"too many regex terms: {count} (at most {self.max_terms})")

    def check_program_size(self, size: int) -> None:
        if size > self.max_program_size:
            raise TermBudgetError(
                f"regex terms too complex together: {size} RE2 instructions "
                f"(at most {self.max_program_size}); remove or simplify some patterns"
            )

    def check_compile_time(self, seconds: float) -> None:
        if seconds > self.compile_budget_s:
            raise TermBudgetError(
                f"regex terms too slow to compile together: {seconds:.2f} s "
                f"(at most {self.compile_budget_s:g} s); remove or simplify some patterns"
            )

    def set_error(self) -> TermBudgetError:
        """RE2 refused to compile the set within ``max_mem``."""
        return TermBudgetError(
            f"regex terms: RE2 cannot compile them together within "
            f"{self.max_mem >> 20} MiB; remove or simplify some patterns"
        )


DEFAULT_BUDGET = RegexBudget()
