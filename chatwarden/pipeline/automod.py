"""The AutoMod engine: the one place where the order of the stages is written.

normalise (2) -> terms (3) -> severe-harm rules (3b) -> classify (4) -> policy (5) -> decide (6).
Every stage is pure, so the same text, settings, model and rules always give the same decision,
and replay is free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chatwarden.categories import MAX_LEVEL, Category
from chatwarden.decision import Decision
from chatwarden.errors import ConfigError, InputError
from chatwarden.model import Model, load_model
from chatwarden.pipeline.classify import model_view, score_rows, trigger_spans_batch
from chatwarden.pipeline.decide import Versions, decide
from chatwarden.pipeline.framing import Frame, find_frame, framed_span
from chatwarden.pipeline.identity_talk import IDENTITY_CATEGORIES, without_groups
from chatwarden.pipeline.learned import Head
from chatwarden.pipeline.normalise import normalise, unelongated
from chatwarden.pipeline.policy import CategoryFinding, Policy, harm_floor
from chatwarden.pipeline.severe import (
    SEVERE_RULES,
    RuleFinding,
    SevereRules,
    held_rule_findings,
)
from chatwarden.pipeline.terms import DEFAULT_BUDGET, RegexBudget, Term, TermMatcher
from chatwarden.pipeline.terms.patterns import compile_pattern
from chatwarden.settings import AutoModSettings, Role, TermSpec


def _to_term(spec: TermSpec) -> Term:
    return Term(
        text=spec.text,
        kind=spec.kind,
        private=spec.private,
        scope=spec.scope,
        is_regex=spec.is_regex,
    )


def build_matcher(
    terms: Iterable[TermSpec],
    *,
    global_terms: Iterable[TermSpec] = (),
    budget: RegexBudget = DEFAULT_BUDGET,
) -> TermMatcher:
    """The term matcher for a channel's terms plus the global list, within ``budget``.

    The one way an engine's terms are compiled, so checking a set of terms before it is
    saved (add, import, subscribe) is exactly what building the engine later will do:
    ``TermBudgetError`` when the set is over the budget, ``InputError`` on a bad term."""
    specs = [*(t.model_copy(update={"scope": "global"}) for t in global_terms), *terms]
    check_regex_budget(specs, budget)  # before each term is built (and compiled) one by one
    return TermMatcher([_to_term(s) for s in specs], budget=budget)


def check_regex_budget(specs: Iterable[TermSpec], budget: RegexBudget) -> None:
    """Count and size the distinct regex terms first, stopping at the first over the budget,
    so a set far over it (thousands of costly patterns) is refused after little work."""
    regex = list(dict.fromkeys((s.scope, s.text.strip()) for s in specs if s.is_regex))
    budget.check_count(len(regex))
    size = 0
    for _, text in regex:
        size += compile_pattern(text).programsize
        budget.check_program_size(size)


class AutoMod:
    """Checks chat messages against one channel's settings.

    >>> automod = AutoMod(AutoModSettings(overall_level=2))
    >>> automod.check("gg wp").action
    <Action.ALLOW: 'allow'>
    """

    def __init__(
        self,
        settings: AutoModSettings | None = None,
        *,
        model: Model | None = None,
        global_terms: Iterable[TermSpec] = (),
        regex_budget: RegexBudget = DEFAULT_BUDGET,
        severe: SevereRules = SEVERE_RULES,
    ) -> None:
        self.settings = settings if settings is not None else AutoModSettings()
        self.model = model if model is not None else load_model()
        self._matcher = build_matcher(
            self.settings.terms, global_terms=global_terms, budget=regex_budget
        )
        self._levels = self.settings.category_levels()
        self._policy = Policy(self._levels, self.model.thresholds, self.settings.learned)
        # what the channel learned beyond its lines (learned.py); a stored head is validated
        learned_head = self.settings.learned_head
        try:
            self._head = None if learned_head is None else Head.from_json(learned_head)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self._lines = self._policy.lines
        self._harm_floor = harm_floor(self.model.thresholds)
        # a framed claim is judged at the loosest level of each category the channel holds
        self._claim_policy = Policy(
            {cat: MAX_LEVEL for cat, level in self._levels.items() if level > 0},
            self.model.thresholds,
        )
        self._severe = severe
        self._versions = Versions(
            model=self.model.version, settings=self.settings.version, rules=severe.version
        )

    @property
    def levels(self) -> dict[Category, int]:
        return dict(self._levels)

    def check(self, text: str, *, role: Role | str | None = None) -> Decision:
        """Decide one message from a sender with ``role`` (None: an ordinary viewer)."""
        return self.check_batch([text], roles=[role])[0]

    def check_batch(
        self, texts: Sequence[str], *, roles: Sequence[Role | str | None] | None = None
    ) -> list[Decision]:
        """Decide many messages at once (much faster per message than ``check``)."""
        if roles is not None and len(roles) != len(texts):
            raise InputError(f"got {len(texts)} texts but {len(roles)} roles")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"message {i}: text must be a string, got {type(text).__name__}")
        norms = [normalise(text) for text in texts]
        matches = [self._matcher.match(norm) for norm in norms]
        # permitted terms, the channel's emotes and the bundled chat vocabulary: not scored
        emotes = self.settings.emotes
        views = [
            model_view(norm, match.permitted_spans, emotes)
            for norm, match in zip(norms, matches, strict=True)
        ]
        rows = score_rows(self.model, [view.text for view in views])
        exempt = [
            self.settings.is_exempt(roles[i]) if roles is not None else False
            for i in range(len(texts))
        ]
        findings = [
            [] if exempt[i] else self._policy.find(cats, harm)
            for i, (harm, cats) in enumerate(rows)
        ]
        # severe-harm rules (held at the channel's level for their category, like the model)
        rule_found = [
            [] if exempt[i] else self._severe.find(norm.text, variant=unelongated(norm))
            for i, norm in enumerate(norms)
        ]
        # counter-speech, quoting and negation: a framed claim is judged on its own
        # (framing.py); only a message something would hold needs its frame
        frames = [
            find_frame(norm.text) if findings[i] or rule_found[i] else None
            for i, norm in enumerate(norms)
        ]
        framed = [i for i, frame in enumerate(frames) if frame is not None and findings[i]]
        if framed:
            claims = self._claim_categories(
                [norms[i].text for i in framed], [frames[i] for i in framed]
            )
            for i, claimed in zip(framed, claims, strict=True):
                findings[i] = [f for f in findings[i] if f.category not in claimed]
        rule_holds = [
            held_rule_findings(_unframed(rule_found[i], frames[i]), self._levels)
            for i in range(len(norms))
        ]
        # the channel's learned head: a hold its lines missed, on a message nothing else
        # decided (no blocked term, no severe-harm rule, no framed claim)
        head = self._head
        if head is not None:
            for i, (harm, cats) in enumerate(rows):
                if exempt[i] or matches[i].blocked or rule_holds[i] or findings[i] or frames[i]:
                    continue
                verdict = head.judge(cats, harm, self._lines, ())
                if verdict is not None:
                    cat = verdict.category
                    findings[i] = [
                        CategoryFinding(
                            cat,
                            self._policy.level(cat),
                            cats[cat],
                            self._lines[cat][0],
                            learned=verdict.explanation,
                        )
                    ]
        # one batched explanation for every message held for a category
        to_explain = [i for i, found in enumerate(findings) if found]
        explained = {
            i: {col: [views[i].to_normalised(s, e) for s, e in found] for col, found in got.items()}
            for i, got in zip(
                to_explain,
                trigger_spans_batch(
                    self.model,
                    [views[i].text for i in to_explain],
                    [[f.category for f in findings[i]] for i in to_explain],
                ),
                strict=True,
            )
        }
        # identity talk: an identity finding is held only when the line is still harmful with
        # its group names replaced by "they" (identity_talk.py); rules hold on their own
        unruled = {
            i: [
                f
                for f in findings[i]
                if f.category in IDENTITY_CATEGORIES
                and f.category not in {hold.category for hold in rule_holds[i]}
            ]
            for i in to_explain
        }
        talk = [i for i, found in unruled.items() if found]
        if talk:
            masked = score_rows(self.model, [without_groups(views[i].text) for i in talk])
            floor = self._harm_floor
            for i, (masked_harm, _cats) in zip(talk, masked, strict=True):
                if masked_harm < floor:
                    dropped = {f.category for f in unruled[i]}
                    findings[i] = [f for f in findings[i] if f.category not in dropped]
        # ... and a hold of the lines it releases: only for non-severe categories (learned.py)
        released: dict[int, str] = {}
        if head is not None:
            for i, (harm, cats) in enumerate(rows):
                found = findings[i]
                if not found or matches[i].blocked or rule_holds[i] or found[0].learned:
                    continue
                verdict = head.judge(cats, harm, self._lines, [f.category for f in found])
                if verdict is not None:
                    findings[i] = []
                    released[i] = verdict.explanation
        decisions = []
        for i, (norm, match, (harm, cats)) in enumerate(zip(norms, matches, rows, strict=True)):
            spans = explained.get(i, {})

            def explain(
                category: Category, spans: dict[str, list[tuple[int, int]]] = spans
            ) -> list[tuple[int, int]]:
                return spans.get(category, [])

            decisions.append(
                decide(
                    norm,
                    harm=harm,
                    categories=cats,
                    blocked=match.blocked,
                    findings=findings[i],
                    exempt=exempt[i],
                    explain=explain,
                    versions=self._versions,
                    rules=rule_holds[i],
                    released=released.get(i),
                )
            )
        return decisions

    def _claim_categories(
        self, texts: Sequence[str], frames: Sequence[Frame | None]
    ) -> list[set[Category]]:
        """The categories each framed claim, scored on its own, is harmful in (held at level 4
        or by a severe rule): those the frame accounts for (a negated or condemned attack), so
        the whole line is not held for them. A claim that is harmless on its own ("i don't think
        women should stream": the claim "women should stream") excuses nothing."""
        claims = []
        for text, frame in zip(texts, frames, strict=True):
            assert frame is not None
            claims.append(normalise(text[frame.claim_start : frame.claim_end]))
        views = [model_view(claim, (), self.settings.emotes) for claim in claims]
        rows = score_rows(self.model, [view.text for view in views])
        out: list[set[Category]] = []
        for (harm, cats), claim in zip(rows, claims, strict=True):
            held: set[Category] = {f.category for f in self._claim_policy.find(cats, harm)}
            held |= {f.category for f in self._severe.find(claim.text, variant=unelongated(claim))}
            out.append(held)
        return out


def _unframed(found: list[RuleFinding], frame: Frame | None) -> list[RuleFinding]:
    """Rule findings outside the claim a frame negates, reports or condemns."""
    if frame is None:
        return found
    return [f for f in found if not all(framed_span(frame, s, e) for s, e in f.spans)]
