"""(5) Policy: which category scores cross the threshold of the level the channel chose.

Pure: scores, levels and the model's per-level thresholds in, findings out.

The harm head says *whether* a line is harmful, the category heads say *which kind* it is: a
category finding needs both its own score and the harm score to reach the thresholds of the
category's level. That keeps neutral identity mentions ("im gay"), counter-speech and reclaimed
terms, which mention a category without harming anyone, out of the queue. Swearing is the
exception: it is about the words, not about harm (level 4 holds profanity that hurts nobody).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chatwarden.categories import CATEGORIES, Category


@dataclass(frozen=True, slots=True)
class CategoryFinding:
    """A category whose score reached the threshold of the channel's level for it."""

    category: Category
    level: int
    score: float
    threshold: float


def threshold_for(thresholds: Mapping[str, tuple[float, ...]], category: str, level: int) -> float:
    """The score a category must reach at ``level`` (1-4); level 0 never holds."""
    if level <= 0:
        return float("inf")
    return thresholds[category][min(level, 4) - 1]


#: Categories held on their own score alone, without the harm gate.
UNGATED: frozenset[Category] = frozenset({"swearing"})


class Policy:
    """A channel's levels and the model's per-level thresholds, bound once.

    The engine asks it about every message, so the limits are looked up up front.
    """

    def __init__(
        self, levels: Mapping[Category, int], thresholds: Mapping[str, tuple[float, ...]]
    ) -> None:
        self._rules = [
            (
                cat,
                levels[cat],
                threshold_for(thresholds, cat, levels[cat]),
                0.0 if cat in UNGATED else threshold_for(thresholds, "harm", levels[cat]),
            )
            for cat in CATEGORIES
            if levels.get(cat, 0) > 0
        ]

    def find(self, scores: Mapping[Category, float], harm: float) -> list[CategoryFinding]:
        """Categories to hold for, highest score first."""
        found = [
            CategoryFinding(cat, level, scores[cat], limit)
            for cat, level, limit, gate in self._rules
            if scores[cat] >= limit and harm >= gate
        ]
        if len(found) > 1:
            found.sort(key=lambda f: (-f.score, f.category))
        return found


def find_categories(
    scores: Mapping[Category, float],
    levels: Mapping[Category, int],
    thresholds: Mapping[str, tuple[float, ...]],
    *,
    harm: float,
) -> list[CategoryFinding]:
    """Categories to hold for, highest score first (``Policy`` for one message)."""
    return Policy(levels, thresholds).find(scores, harm)
