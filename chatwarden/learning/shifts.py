"""A channel's learned level shifts: how far its moderators' decisions move each category.

Twitch's levels are the same for every channel, but channels are not: one tolerates banter and
swearing, another acts on every insult. The owner picks a level per category; this module
learns, from what the channel's moderators did, a *shift* of that level (a fraction of a level,
at most ``MAX_SHIFT`` either way) that the engine applies on top (``pipeline.policy.threshold_for``
takes fractional levels).

The data are outcomes: messages the engine scored, each labelled by the moderators (a denied
hold or a manual action: 1; an allowed hold: 0) or by their silence (a delivered message nobody
acted on: 0). For each category the learner tries the levels in its bounds, a quarter level
apart, and keeps the one with the most violations held less ``WRONG_HOLD_COST`` per message
held that the moderators let stand: a hold is worth making when at least one in
``1 + 1/WRONG_HOLD_COST`` held messages is a violation (a moderator clears a wrong hold in
seconds; a missed violation is seen by the whole chat). The move is shrunk towards the owner's
level by the evidence behind it (``n / (n + SHRINK)``), and made only with ``MIN_EVIDENCE``
messages between the two lines, so a handful of decisions moves nothing.

Bounds: never more than ``MAX_SHIFT`` from the owner's level; a category the owner turned off
stays off (learning never turns a category on); never below the owner's floor, which is level 1
for identity-based attacks, threats and self-harm (``SEVERE``) unless the owner sets it higher,
so learning never stops holding the most severe of them; the severe-harm rules
(``pipeline/severe.py``) and blocked terms are not learned at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chatwarden.categories import CATEGORIES, MAX_LEVEL, SEVERE, Category
from chatwarden.pipeline.learned import LABELS as _LABELS
from chatwarden.pipeline.learned import WRONG_HOLD_COST
from chatwarden.pipeline.policy import UNGATED, harm_floor, threshold_for

#: the furthest a learned shift moves a category from the owner's level, in levels
MAX_SHIFT = 1.0
#: levels are tried this far apart
STEP = 0.25
#: fewest labelled messages between the owner's line and the learned one for any move
MIN_EVIDENCE = 10
#: the move found is scaled by n / (n + SHRINK): more evidence, more of the move
SHRINK = 20.0
#: the lowest level learning may take a category the owner holds (0.5: half way to off)
LOWEST = 0.5


@dataclass(frozen=True, slots=True)
class Outcome:
    """One scored message and what the moderators made of it (1: a violation)."""

    categories: Mapping[Category, float]
    harm: float
    label: int


@dataclass(frozen=True, slots=True)
class Shift:
    """One category's learned shift, with the evidence a moderator reads."""

    category: Category
    level: int  # the owner's
    shift: float  # learned; effective level = level + shift
    evidence: int  # labelled messages between the owner's line and the learned one
    violations: int  # of them, the ones moderators acted on
    explanation: str


@dataclass(frozen=True, slots=True)
class LevelShifts:
    """A channel's learned state: the shift of every category that moved."""

    shifts: tuple[Shift, ...] = ()
    outcomes: int = 0  # how many outcomes it was learned from
    labelled: int = 0  # of them, labelled by a moderator's decision or action
    notes: tuple[str, ...] = field(default=())

    def as_levels(self) -> dict[Category, float]:
        """What ``AutoModSettings.learned`` takes: category -> shift."""
        return {s.category: s.shift for s in self.shifts if s.shift}


def default_floors(levels: Mapping[Category, int]) -> dict[Category, float]:
    """The floors an owner gets without choosing: level 1 for the severe categories they hold
    (learning never stops holding the most severe attacks), ``LOWEST`` for the rest."""
    return {
        cat: (min(float(lvl), 1.0) if cat in SEVERE else min(float(lvl), LOWEST))
        for cat, lvl in levels.items()
    }


def learn_shifts(
    outcomes: Sequence[Outcome],
    levels: Mapping[Category, int],
    thresholds: Mapping[str, tuple[float, ...]],
    *,
    floors: Mapping[Category, float] | None = None,
) -> LevelShifts:
    """The shift of every category the owner holds, learned from ``outcomes``."""
    floors = default_floors(levels) if floors is None else floors
    gate = harm_floor(thresholds)
    shifts = []
    for cat in CATEGORIES:
        level = levels.get(cat, 0)
        if level <= 0:
            continue
        low = max(level - MAX_SHIFT, floors.get(cat, LOWEST), LOWEST)
        high = min(level + MAX_SHIFT, float(MAX_LEVEL))
        found = _learn_one(
            outcomes, cat, level, low, high, thresholds, 0.0 if cat in UNGATED else gate
        )
        if found is not None:
            shifts.append(found)
    labelled = sum(1 for o in outcomes if o.label)
    return LevelShifts(tuple(shifts), outcomes=len(outcomes), labelled=labelled)


def _learn_one(
    outcomes: Sequence[Outcome],
    cat: Category,
    level: int,
    low: float,
    high: float,
    thresholds: Mapping[str, tuple[float, ...]],
    gate: float,
) -> Shift | None:
    """The shift for one category, or None when the evidence does not move it."""
    scored = [(o.categories.get(cat, 0.0), o.label) for o in outcomes if o.harm >= gate]
    owner = threshold_for(thresholds, cat, level)
    best_level, best_utility = float(level), _utility(scored, owner)
    steps = int(round((high - low) / STEP))
    for i in range(steps + 1):
        candidate = low + i * STEP
        utility = _utility(scored, threshold_for(thresholds, cat, candidate))
        closer = abs(candidate - level) < abs(best_level - level)
        if utility > best_utility + 1e-9 or (abs(utility - best_utility) <= 1e-9 and closer):
            best_level, best_utility = candidate, utility
    if best_level == level:
        return None
    learned = threshold_for(thresholds, cat, best_level)
    lo, hi = sorted((owner, learned))
    band = [label for score, label in scored if lo <= score < hi]
    if len(band) < MIN_EVIDENCE:
        return None
    shift = (best_level - level) * len(band) / (len(band) + SHRINK)
    acted = sum(band)
    name = _LABELS[cat]
    if shift < 0:
        why = (
            f"held less often for {name}: moderators let {len(band) - acted} of {len(band)} "
            f"such messages stand"
        )
    else:
        why = (
            f"held more often for {name}: moderators acted on {acted} of {len(band)} messages "
            f"just below the line"
        )
    return Shift(cat, level, round(shift, 3), len(band), acted, why)


def _utility(scored: Sequence[tuple[float, int]], threshold: float) -> float:
    """Violations held less ``WRONG_HOLD_COST`` per held message moderators let stand."""
    right = wrong = 0
    for score, label in scored:
        if score >= threshold:
            if label:
                right += 1
            else:
                wrong += 1
    return right - WRONG_HOLD_COST * wrong
