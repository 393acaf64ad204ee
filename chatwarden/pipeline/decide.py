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
from chatwarden.pipeline.terms import TermHit

#: Returns the normalised-text spans of the words that triggered a category.
Explainer = Callable[[Category], Sequence[tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class Versions:
    model: str
    settings: str


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


def category_reason(norm: Normalised, finding: CategoryFinding, explain: Explainer) -> Reason:
    spans = _original_spans(norm, explain(finding.category))
    return Reason(
        kind="category",
        spans=spans,
        words=_words(norm, spans),
        category=finding.category,
        level=finding.level,
        score=finding.score,
        threshold=finding.threshold,
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
) -> Decision:
    """Combine the stages' outputs into the decision for one message."""
    if exempt:
        action = Action.ALLOW
        reasons: tuple[Reason, ...] = ()
    else:
        reasons = tuple(term_reason(norm, hit) for hit in blocked) + tuple(
            category_reason(norm, f, explain) for f in findings
        )
        if blocked:
            action = Action.BLOCK
        elif findings:
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
    )
