"""A blocked or permitted term (Twitch semantics plus Discord-style regex), valid when built."""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from typing import Literal, get_args

from chatwarden.errors import InputError
from chatwarden.pipeline.terms.patterns import compile_pattern
from chatwarden.pipeline.terms.words import WILDCARD, WordPattern, parse_literal

TermKind = Literal["blocked", "permitted"]
TermScope = Literal["global", "channel"]

MIN_TERM_LENGTH = 2
MAX_TERM_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a channel's (or the global) list.

    ``text`` is a word, a phrase (blocked: all its words anywhere in the message; permitted:
    the exact phrase), a word with ``*`` at the start and/or end (blocked only), or with
    ``is_regex`` an RE2 pattern (blocked only). ``private`` terms are shown only to the owner.
    Surrounding spaces are trimmed; anything invalid raises ``InputError`` naming the problem.
    """

    text: str
    _: KW_ONLY
    kind: TermKind = "blocked"
    private: bool = False
    scope: TermScope = "channel"
    is_regex: bool = False
    words: tuple[WordPattern, ...] = field(init=False, repr=False, compare=False)
    """The parsed words of a literal term (empty for regex), derived from ``text``."""

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InputError(f"term text must be a string, got {type(self.text).__name__}")
        text = self.text.strip()
        object.__setattr__(self, "text", text)
        _check_choice("kind", self.kind, get_args(TermKind), text)
        _check_choice("scope", self.scope, get_args(TermScope), text)
        for name in ("private", "is_regex"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"term {text!r}: {name} must be true or false")
        if not MIN_TERM_LENGTH <= len(text) <= MAX_TERM_LENGTH:
            raise InputError(
                f"term {text[:40]!r}: must be {MIN_TERM_LENGTH} to {MAX_TERM_LENGTH} "
                f"characters after trimming spaces, got {len(text)}"
            )
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            raise InputError(f"term {text!r}: must not contain control characters (e.g. newlines)")
        if self.is_regex:
            if self.kind == "permitted":
                raise InputError(f"term {text!r}: permitted terms are exact phrases, not regex")
            compile_pattern(text)
            object.__setattr__(self, "words", ())
            return
        if self.kind == "permitted" and WILDCARD in text:
            raise InputError(f"term {text!r}: permitted terms cannot use the wildcard '*'")
        object.__setattr__(self, "words", parse_literal(text))

    @property
    def key(self) -> Hashable:
        """Identity for de-duplication: kind, scope and the normalised form of the text."""
        if self.is_regex:
            form: Hashable = self.text
        else:
            form = self.words
        return (self.kind, self.scope, self.is_regex, form)


def _check_choice(name: str, value: object, choices: tuple[str, ...], text: str) -> None:
    if value not in choices:
        expected = ", ".join(choices)
        raise InputError(f"term {text!r}: {name} must be one of {expected}, got {value!r}")


def dedupe_terms(terms: Iterable[Term]) -> list[Term]:
    """Drop terms with the same normalised text, kind and scope as an earlier one."""
    seen: set[Hashable] = set()
    kept: list[Term] = []
    for term in terms:
        key = term.key
        if key not in seen:
            seen.add(key)
            kept.append(term)
    return kept
