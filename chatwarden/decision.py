"""What the engine decides about one message, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from chatwarden.categories import Category

ReasonKind = Literal["category", "blocked_term", "blocked_pattern"]


class Action(StrEnum):
    """The outcome for one message."""

    ALLOW = "allow"
    HOLD = "hold"  # held for moderator review; the sender is told
    BLOCK = "block"  # a blocked term or pattern; the sender is told

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Action.ALLOW: 0, Action.HOLD: 1, Action.BLOCK: 2}


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of code points in the original message text."""

    start: int
    end: int

    def to_list(self) -> list[int]:
        return [self.start, self.end]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a message was not simply allowed.

    ``category`` reasons carry the level the channel set, the model score and the threshold
    that level uses, and the words that triggered it; term reasons carry the term or pattern.
    """

    kind: ReasonKind
    spans: tuple[Span, ...]
    words: tuple[str, ...] = ()
    category: Category | None = None
    level: int | None = None
    score: float | None = None
    threshold: float | None = None
    term: str | None = None
    term_private: bool = False
    term_scope: str | None = None
    rule: str | None = None  # a severe-harm rule (``pipeline/severe.py``) held it: its ids
    learned: str | None = None  # the channel's learned head held it: what a moderator reads

    def to_dict(self, *, reveal_private: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "category":
            out.update(
                category=self.category,
                level=self.level,
                score=_round(self.score),
                threshold=_round(self.threshold),
            )
            if self.rule is not None:
                out["rule"] = self.rule
            if self.learned is not None:
                out["learned"] = self.learned
        else:
            hidden = self.term_private and not reveal_private
            out.update(
                term=None if hidden else self.term,
                private=self.term_private,
                scope=self.term_scope,
            )
        out["words"] = list(self.words)
        out["spans"] = [s.to_list() for s in self.spans]
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's verdict on one message: reproducible from text, settings and model version."""

    action: Action
    text: str
    normalised: str
    harm: float
    categories: dict[Category, float]
    reasons: tuple[Reason, ...]
    model_version: str
    settings_version: str
    exempt: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    rules_version: str = ""  # the severe-harm rules that were applied (``pipeline/severe.py``)
    learned: str | None = None  # the channel's learned head released its lines' hold: why

    def to_dict(self, *, reveal_private: bool = True) -> dict[str, Any]:
        return {
            "harm": _round(self.harm),
            "categories": {k: _round(v) for k, v in self.categories.items()},
            "action": self.action.value,
            "reasons": [r.to_dict(reveal_private=reveal_private) for r in self.reasons],
            "normalised": self.normalised,
            "exempt": self.exempt,
            "model_version": self.model_version,
            # a hash over every setting, private terms included: hidden with them
            "settings_version": self.settings_version if reveal_private else None,
            "rules_version": self.rules_version,
        } | ({} if self.learned is None else {"learned": self.learned})


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
