"""Learning a channel's level shifts from its moderators' decisions (pure, no engine)."""

from __future__ import annotations

import pytest

from chatwarden.categories import CATEGORIES, Category, preset
from chatwarden.learning import MAX_SHIFT, Outcome, default_floors, learn_shifts
from chatwarden.learning.shifts import MIN_EVIDENCE
from chatwarden.pipeline.policy import threshold_for

# the shape of the bundled model's thresholds: per category, levels 1-4, falling
THRESHOLDS: dict[str, tuple[float, ...]] = {
    "harm": (0.96, 0.92, 0.84, 0.66),
    **{cat: (0.9, 0.8, 0.6, 0.4) for cat in CATEGORIES},
}
LEVEL2 = {**preset(2), "bullying": 2}  # bullying held from 0.8


def outcome(category: Category, score: float, label: int, harm: float = 0.9) -> Outcome:
    return Outcome({category: score}, harm, label)


def test_threshold_for_whole_levels_is_the_models_and_fractions_lie_between() -> None:
    assert threshold_for(THRESHOLDS, "bullying", 2) == 0.8
    assert threshold_for(THRESHOLDS, "bullying", 2.5) == pytest.approx(0.7)
    assert threshold_for(THRESHOLDS, "bullying", 0.5) == pytest.approx(0.95)  # 1.0 .. 0.9
    assert threshold_for(THRESHOLDS, "bullying", 0) == float("inf")
    assert threshold_for(THRESHOLDS, "bullying", 4.2) == 0.4


def test_a_channel_whose_moderators_let_swearing_stand_learns_to_hold_less() -> None:
    levels = {**LEVEL2, "bullying": 2}
    # 30 held bullying messages (score 0.8-0.9), every one allowed
    outcomes = [outcome("bullying", 0.81 + i * 0.003, 0) for i in range(30)]
    learned = learn_shifts(outcomes, levels, THRESHOLDS)
    (shift,) = learned.shifts
    assert shift.category == "bullying" and -MAX_SHIFT <= shift.shift < 0
    assert shift.evidence == 30 and shift.violations == 0
    assert shift.explanation == (
        "held less often for bullying: moderators let 30 of 30 such messages stand"
    )
    assert learned.as_levels() == {"bullying": shift.shift}


def test_a_strict_channel_learns_to_hold_more() -> None:
    # moderators acted on most of the messages just below the line
    outcomes = [outcome("bullying", 0.61 + i * 0.006, 1 if i % 4 else 0) for i in range(30)]
    (shift,) = learn_shifts(outcomes, LEVEL2, THRESHOLDS).shifts
    assert shift.shift > 0 and "held more often for bullying" in shift.explanation
    assert "moderators acted on" in shift.explanation


def test_too_little_evidence_moves_nothing() -> None:
    few = [outcome("bullying", 0.85, 0) for _ in range(MIN_EVIDENCE - 1)]
    assert learn_shifts(few, LEVEL2, THRESHOLDS).shifts == ()
    enough = [outcome("bullying", 0.85, 0) for _ in range(MIN_EVIDENCE)]
    assert learn_shifts(enough, LEVEL2, THRESHOLDS).shifts != ()


def test_more_evidence_moves_further() -> None:
    small = learn_shifts([outcome("bullying", 0.85, 0)] * 12, LEVEL2, THRESHOLDS).shifts[0]
    large = learn_shifts([outcome("bullying", 0.85, 0)] * 200, LEVEL2, THRESHOLDS).shifts[0]
    assert large.shift < small.shift < 0


def test_severe_categories_never_go_below_level_1_and_off_stays_off() -> None:
    levels = {**LEVEL2, "misogyny": 2, "swearing": 0}
    outcomes = [outcome("misogyny", 0.5 + i * 0.004, 0) for i in range(100)]
    outcomes += [outcome("swearing", 0.99, 1, harm=0.0) for _ in range(100)]
    learned = learn_shifts(outcomes, levels, THRESHOLDS)
    by_cat = {s.category: s for s in learned.shifts}
    assert "swearing" not in by_cat  # the owner turned it off: learning never turns it on
    assert levels["misogyny"] + by_cat["misogyny"].shift >= 1.0
    assert default_floors(levels)["misogyny"] == 1.0
    # an owner's floor of 2 pins it
    pinned = learn_shifts(outcomes, levels, THRESHOLDS, floors={"misogyny": 2.0})
    assert "misogyny" not in {s.category for s in pinned.shifts}


def test_messages_under_the_harm_gate_are_not_evidence_for_gated_categories() -> None:
    outcomes = [outcome("bullying", 0.85, 0, harm=0.1) for _ in range(50)]
    assert learn_shifts(outcomes, LEVEL2, THRESHOLDS).shifts == ()


def test_mixed_decisions_that_favour_the_owners_line_move_nothing() -> None:
    # held messages mostly violations: the owner's line is already right
    outcomes = [outcome("bullying", 0.85, 1 if i % 3 else 0) for i in range(60)]
    assert learn_shifts(outcomes, LEVEL2, THRESHOLDS).shifts == ()
