"""(5) Policy: which category scores cross the threshold of the level the channel chose.

Pure: scores, levels and the model's per-level thresholds in, findings out.

The harm head says *whether* a line is harmful, the category heads say *which kind* it is, and
a category's served score is already ``P(harm) * P(category | harm)``. Each category has its own
threshold per level, chosen on the training dev split so that its level means the same thing in
every category (``docs/levels.md``): level 1 holds only what is clearly that category, each
higher level a milder form, and bullying at levels 1-3 only severe bullying, never ordinary trash
talk. The harm gate is a floor, the same for every category and level: the harm threshold of
level 4, the loosest line at which the model calls anything harmful. A neutral identity mention
("im gay", "black socialists are famous"), counter-speech or a reclaimed term scores low on harm
and stays out of the queue, while an identity attack or a threat, whose harm score is usually
lower than an insult's, is not held back by a level-dependent harm bar. Swearing is the
exception: it is about the words, not about harm (level 4 holds profanity that hurts nobody).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chatwarden.categories import CATEGORIES, MAX_LEVEL, Category


@dataclass(frozen=True, slots=True)
class CategoryFinding:
    """A category whose score reached the threshold of the channel's level for it."""

    category: Category
    level: int
    score: float
    threshold: float
    learned: str | None = None  # held by the channel's learned head: what a moderator reads


def threshold_for(
    thresholds: Mapping[str, tuple[float, ...]], category: str, level: float
) -> float:
    """The score a category must reach at ``level``; level 0 (or below) never holds.

    Whole levels 1-4 take the model's thresholds. A fractional level (a channel's owner level
    plus what it learned from its moderators, ``chatwarden.learning``) lies on a straight line
    between the two whole levels around it, and below level 1 on the line from 1.0 (a perfect
    score) to level 1's threshold."""
    if level <= 0:
        return float("inf")
    limits = thresholds[category]
    if level >= MAX_LEVEL:
        return limits[MAX_LEVEL - 1]
    whole = int(level)
    if whole == level:
        return limits[whole - 1]
    upper = 1.0 if whole == 0 else limits[whole - 1]
    return upper + (level - whole) * (limits[whole] - upper)


def harm_floor(thresholds: Mapping[str, tuple[float, ...]]) -> float:
    """The harm score every gated category finding needs: harm's level-4 threshold."""
    return thresholds["harm"][MAX_LEVEL - 1]


#: Categories held on their own score alone, without the harm gate.
UNGATED: frozenset[Category] = frozenset({"swearing"})


class Policy:
    """A channel's levels and the model's per-level thresholds, bound once.

    The engine asks it about every message, so the limits are looked up up front.
    """

    def __init__(
        self,
        levels: Mapping[Category, int],
        thresholds: Mapping[str, tuple[float, ...]],
        learned: Mapping[Category, float] | None = None,
    ) -> None:
        """``learned``: a shift per category on top of ``levels`` (a category at level 0
        stays off)."""
        floor = harm_floor(thresholds)
        shift = learned or {}
        self._rules = [
            (
                cat,
                levels[cat],
                threshold_for(thresholds, cat, levels[cat] + shift.get(cat, 0.0)),
                0.0 if cat in UNGATED else floor,
            )
            for cat in CATEGORIES
            if levels.get(cat, 0) > 0
        ]

    @property
    def lines(self) -> dict[Category, tuple[float, float]]:
        """Each category held, with its threshold and harm gate (a learned head's ``Lines``)."""
        return {cat: (limit, gate) for cat, _, limit, gate in self._rules}

    def level(self, category: Category) -> int:
        """The channel's level for ``category`` (0: off)."""
        return next((lvl for cat, lvl, _, _ in self._rules if cat == category), 0)

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
