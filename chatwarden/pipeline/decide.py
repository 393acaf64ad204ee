"""(6) Decide: term hits and category findings in, one explained ``Decision`` out.

Pure. A blocked term blocks (the sender is told); a category finding holds the message for
moderator review; anything else is allowed. Every reason carries its spans in the original text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chatwarden.categories import Category
from chatwarden.decision import Action, Decision, Reason, Span
from chatwarden.pipeline.normalise import Normalised
from chatwarden.pipeline.policy import CategoryFinding
from chatwarden.pipeline.severe import RuleHold
from chatwarden.pipeline.terms import TermHit

#: Returns the normalised-text spans of the words that triggered a category.
Explainer = Callable[[Category], Sequence[tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class Versions:
    model: str
    settings: str
    rules: str = ""


def _original_spans(norm: Normalised, spans: Sequence[tuple[int, int]]) -> tuple[Span, ...]:
    out = []
    for start, end in sorted(set(spans)):
        s, e = norm.span(start, end)
        if e > s:
            out.append(Span(s, e))
    return tuple(out)


def _words(norm: Normalised, spans: tuple[Span, ...]) -> tuple[str, ...]:
    return tuple(norm.original[s.start : s.end] for s in spans)


def term_reason(norm: Normalised, hit: TermHit) -> Reason:
    spans = _original_spans(norm, hit.spans)
    term = hit.term
    return Reason(
        kind="blocked_pattern" if term.is_regex else "blocked_term",
        spans=spans,
        words=_words(norm, spans),
        term=term.text,
        term_private=term.private,
        term_scope=term.scope,
    )


def category_reason(
    norm: Normalised, finding: CategoryFinding, explain: Explainer, rule: RuleHold | None = None
) -> Reason:
    """A model finding; when a severe-harm rule holds the same category, its words lead."""
    found = list(explain(finding.category))
    if rule is not None:  # the model's words inside a rule's span add nothing
        ruled = rule.spans
        found = ruled + [
            (s, e) for s, e in found if not any(rs <= s and e <= re for rs, re in ruled)
        ]
    spans = _original_spans(norm, found)
    return Reason(
        kind="category",
        spans=spans,
        words=_words(norm, spans),
        category=finding.category,
        level=finding.level,
        score=finding.score,
        threshold=finding.threshold,
        rule=None if rule is None else rule.rules,
        learned=finding.learned,
    )


def rule_reason(norm: Normalised, hold: RuleHold, score: float | None) -> Reason:
    """A category held by severe-harm rules alone: the matched words, the rules' ids, and the
    model's score for the category (no threshold: the rule, not the score, held it)."""
    spans = _original_spans(norm, hold.spans)
    return Reason(
        kind="category",
        spans=spans,
        words=_words(norm, spans),
        category=hold.category,
        level=hold.level,
        score=score,
        threshold=None,
        rule=hold.rules,
    )


def decide(
    norm: Normalised,
    *,
    harm: float,
    categories: dict[Category, float],
    blocked: Sequence[TermHit],
    findings: Sequence[CategoryFinding],
    exempt: bool,
    explain: Explainer,
    versions: Versions,
    rules: Sequence[RuleHold] = (),
    released: str | None = None,
) -> Decision:
    """Combine the stages' outputs into the decision for one message.

    ``rules``: the categories that severe-harm rules hold at the channel's levels; one reason
    per category, the model's and the rules' together. ``released``: the channel's learned head
    released its lines' hold on the message; why (``learned.py``)."""
    if exempt:
        action = Action.ALLOW
        reasons: tuple[Reason, ...] = ()
    else:
        by_rule = {hold.category: hold for hold in rules}
        modelled = {f.category for f in findings}
        reasons = (
            tuple(term_reason(norm, hit) for hit in blocked)
            + tuple(category_reason(norm, f, explain, by_rule.get(f.category)) for f in findings)
            + tuple(
                rule_reason(norm, hold, categories.get(hold.category))
                for hold in rules
                if hold.category not in modelled
            )
        )
        if blocked:
            action = Action.BLOCK
        elif findings or rules:
            action = Action.HOLD
        else:
            action = Action.ALLOW
    return Decision(
        action=action,
        text=norm.original,
        normalised=norm.text,
        harm=harm,
        categories=categories,
        reasons=reasons,
        model_version=versions.model,
        settings_version=versions.settings,
        exempt=exempt,
        rules_version=versions.rules,
        learned=released,
    )
