"""Match a normalised message against blocked and permitted terms, at a cost that does not grow
with the number of terms.

How: the message's words (skeletons) meet a set of trigger words in one C-level set operation,
where a term's trigger is its longest word (a phrase cannot hit without it); wildcard words are
found by one Aho-Corasick pass; regex terms by one ``re2.Set`` pass. Only when one of those
reports a candidate does the slow path run, and it looks only at the candidates' terms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import ahocorasick

from chatwarden.pipeline.normalise import Normalised
from chatwarden.pipeline.terms.budget import DEFAULT_BUDGET, RegexBudget
from chatwarden.pipeline.terms.patterns import PatternSet, Span
from chatwarden.pipeline.terms.term import Term, dedupe_terms
from chatwarden.pipeline.terms.words import (
    WORD_RE,
    WordMode,
    WordPattern,
    ascii_words,
    skeleton,
)


@dataclass(frozen=True, slots=True)
class TermHit:
    """A term found in a message; ``spans`` are in NORMALISED-text coordinates, sorted."""

    term: Term
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class TermMatch:
    """What the terms found in one message.

    ``blocked``: blocked terms that still hit after permitted terms cleared their spans.
    ``permitted_spans``: normalised-text ranges covered by permitted terms (sorted, merged);
    the classifier masks them out. ``permitted``: the permitted terms behind those spans.
    """

    blocked: tuple[TermHit, ...] = ()
    permitted_spans: tuple[Span, ...] = ()
    permitted: tuple[TermHit, ...] = ()

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked)


_NO_MATCH = TermMatch()
_NO_WORDS: set[int] = set()  # shared, never mutated


@dataclass(frozen=True, slots=True)
class _Literal:
    index: int  # position in TermMatcher.terms
    words: tuple[int, ...]  # word ids


class TermMatcher:
    """Compiled blocked and permitted terms; build once per settings, then ``match`` fast.

    Duplicate terms are dropped (see ``dedupe_terms``). The regex terms together must fit
    ``budget`` (``max_regex_terms`` overrides its count): ``TermBudgetError`` (an
    ``InputError``) names the limit they exceed.
    """

    __slots__ = (
        "_automaton",
        "_blocked",
        "_exact",
        "_trigger_bytes",
        "_trigger_keys",
        "_trigger_wild",
        "_patterns",
        "_permitted",
        "_regex_terms",
        "_starts",
        "_users",
        "_words",
        "terms",
    )

    def __init__(
        self,
        terms: Iterable[Term],
        *,
        budget: RegexBudget = DEFAULT_BUDGET,
        max_regex_terms: int | None = None,
    ) -> None:
        self.terms: tuple[Term, ...] = tuple(dedupe_terms(terms))
        if max_regex_terms is not None:
            budget = replace(budget, max_terms=max_regex_terms)
        regex = [i for i, term in enumerate(self.terms) if term.is_regex]
        self._regex_terms = tuple(regex)
        self._patterns = PatternSet([self.terms[i].text for i in regex], budget)

        word_ids: dict[WordPattern, int] = {}
        triggers: set[int] = set()  # a term can only hit when its longest word occurs
        self._blocked: list[_Literal] = []
        self._permitted: list[_Literal] = []
        for index, term in enumerate(self.terms):
            if term.is_regex:
                continue
            ids = tuple(word_ids.setdefault(w, len(word_ids)) for w in term.words)
            longest = max(zip(ids, term.words, strict=True), key=lambda pair: len(pair[1].core))
            triggers.add(longest[0])
            lit = _Literal(index, ids)
            (self._blocked if term.kind == "blocked" else self._permitted).append(lit)
        self._words = tuple(word_ids)

        # word id -> blocked literals using it, and permitted literals starting with it
        users: defaultdict[int, list[int]] = defaultdict(list)
        for n, lit in enumerate(self._blocked):
            for wid in dict.fromkeys(lit.words):
                users[wid].append(n)
        self._users = dict(users)
        starts: defaultdict[int, list[int]] = defaultdict(list)
        for n, lit in enumerate(self._permitted):
            starts[lit.words[0]].append(n)
        self._starts = dict(starts)

        exact: defaultdict[str, list[int]] = defaultdict(list)
        wild: defaultdict[str, list[int]] = defaultdict(list)
        for wid, pattern in enumerate(self._words):
            (exact if pattern.mode is WordMode.EXACT else wild)[pattern.skel].append(wid)
        self._exact = {key: tuple(ids) for key, ids in exact.items()}
        self._trigger_keys = frozenset(
            key for key, ids in self._exact.items() if not triggers.isdisjoint(ids)
        )
        self._trigger_bytes = frozenset(key.encode() for key in self._trigger_keys)
        self._trigger_wild = frozenset(wid for ids in wild.values() for wid in ids) & triggers
        self._automaton: ahocorasick.Automaton | None = None
        if wild:
            automaton = ahocorasick.Automaton()
            for key, wids in wild.items():
                automaton.add_word(key, tuple(wids))
            automaton.make_automaton()
            self._automaton = automaton

    def match(self, norm: Normalised) -> TermMatch:
        """Find the terms in ``norm.text``; spans are normalised-text coordinates."""
        text = norm.text
        skel = skeleton(text)
        if skel.isascii():
            hit = not self._trigger_bytes.isdisjoint(ascii_words(skel))
        else:
            hit = not self._trigger_keys.isdisjoint(WORD_RE.findall(skel))
        wild_ids: set[int] = set()
        if self._automaton is not None:
            for _end, ids in self._automaton.iter(skel):
                wild_ids.update(ids)
            hit = hit or not self._trigger_wild.isdisjoint(wild_ids)
        regex_hits = self._patterns.hits(text) if self._regex_terms else []
        if not hit and not regex_hits:
            return _NO_MATCH
        return self._match_slow(text, skel, wild_ids, regex_hits)

    def _match_slow(
        self, text: str, skel: str, wild_ids: set[int], regex_hits: list[int]
    ) -> TermMatch:
        words, exact_words = self._words, self._exact
        wild = [(wid, words[wid]) for wid in sorted(wild_ids)]
        found: defaultdict[int, list[Span]] = defaultdict(list)
        matches = list(WORD_RE.finditer(text))
        token_words: list[set[int]] = [_NO_WORDS] * len(matches)
        # skeleton() keeps every word boundary, so words of text and skel pair up one to one
        skels = WORD_RE.findall(skel) if skel is not text else [m[0] for m in matches]
        for i, token_skel in enumerate(skels):
            exact = exact_words.get(token_skel, ())
            if not exact and not wild:
                continue
            token = matches[i][0]
            ids = {w for w in exact if words[w].matches(token, token_skel)}
            ids.update(wid for wid, w in wild if w.matches(token, token_skel))
            if ids:
                token_words[i] = ids
                span = matches[i].span()
                for wid in ids:
                    found[wid].append(span)
        tokens = [m.span() for m in matches]

        permitted = self._find_permitted(tokens, token_words, found)
        cleared = _merge([s for hit in permitted for s in hit.spans])

        hits: list[tuple[int, TermHit]] = []
        candidates = sorted({n for wid in found for n in self._users.get(wid, ())})
        for n in candidates:
            lit = self._blocked[n]
            per_word = [[s for s in found[w] if not _covered(s, cleared)] for w in lit.words]
            if all(per_word):
                spans = tuple(sorted({s for spans in per_word for s in spans}))
                hits.append((lit.index, TermHit(self.terms[lit.index], spans)))
        for i in regex_hits:
            index = self._regex_terms[i]
            spans = tuple(s for s in self._patterns.spans(i, text) if not _covered(s, cleared))
            if spans:
                hits.append((index, TermHit(self.terms[index], spans)))
        hits.sort(key=lambda pair: pair[0])
        return TermMatch(tuple(hit for _, hit in hits), tuple(cleared), tuple(permitted))

    def _find_permitted(
        self, tokens: list[Span], token_words: list[set[int]], found: dict[int, list[Span]]
    ) -> list[TermHit]:
        hits: list[TermHit] = []
        candidates = sorted({n for wid in found for n in self._starts.get(wid, ())})
        for lit in (self._permitted[n] for n in candidates):
            first, rest = lit.words[0], lit.words[1:]
            spans: list[Span] = []
            for start, ids in enumerate(token_words):
                end = start + len(rest)
                if first in ids and end < len(tokens):
                    if all(w in token_words[start + 1 + k] for k, w in enumerate(rest)):
                        spans.append((tokens[start][0], tokens[end][1]))
            if spans:
                hits.append(TermHit(self.terms[lit.index], tuple(spans)))
        return hits


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _covered(span: Span, cleared: list[Span]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in cleared)
