"""(3) Terms: a channel's blocked and permitted terms plus a global list, matched as whole words.

Twitch semantics (wildcard ``*`` only at a term's start or end, a phrase hits when all its
words occur, permitted terms clear only the span they cover) plus Discord-style regex run by
RE2. No word list ships with ChatWarden: what to block is each channel's choice.
"""

from chatwarden.pipeline.terms.budget import DEFAULT_BUDGET, RegexBudget, TermBudgetError
from chatwarden.pipeline.terms.io import TermFormat, dump_terms, load_terms
from chatwarden.pipeline.terms.matcher import TermHit, TermMatch, TermMatcher
from chatwarden.pipeline.terms.patterns import MAX_PATTERN_LENGTH, MAX_REGEX_TERMS
from chatwarden.pipeline.terms.term import (
    MAX_TERM_LENGTH,
    MIN_TERM_LENGTH,
    Term,
    TermKind,
    TermScope,
    dedupe_terms,
)

__all__ = [
    "DEFAULT_BUDGET",
    "MAX_PATTERN_LENGTH",
    "MAX_REGEX_TERMS",
    "MAX_TERM_LENGTH",
    "MIN_TERM_LENGTH",
    "RegexBudget",
    "Term",
    "TermFormat",
    "TermHit",
    "TermKind",
    "TermMatch",
    "TermMatcher",
    "TermScope",
    "TermBudgetError",
    "dedupe_terms",
    "dump_terms",
    "load_terms",
]
