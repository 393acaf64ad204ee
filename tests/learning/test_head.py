"""A channel's learned head: a logistic model over the engine's outputs, in bounds (pure)."""

from __future__ import annotations

import pytest

from chatwarden.categories import CATEGORIES, Category, preset
from chatwarden.learning import Outcome
from chatwarden.learning.head import channel_lines, learn_head
from chatwarden.pipeline.learned import MIN_ACTED, MIN_OUTCOMES, TARGET, Head

THRESHOLDS: dict[str, tuple[float, ...]] = {
    "harm": (0.96, 0.92, 0.84, 0.66),
    **{cat: (0.9, 0.8, 0.6, 0.4) for cat in CATEGORIES},
}
LEVEL2 = {**preset(2), "bullying": 2}  # bullying held from 0.8; swearing off


def scored(cat: Category, score: float, label: int, harm: float = 0.9) -> Outcome:
    return Outcome({cat: score}, harm, label)


def quiet(n: int) -> list[Outcome]:
    """Ordinary chat nobody acted on."""
    return [Outcome({"bullying": 0.02, "swearing": 0.01}, 0.05, 0) for _ in range(n)]


def strict_bullying() -> list[Outcome]:
    """Moderators act on bullying scored 0.6-0.8, which the owner's line (0.8) lets through."""
    return quiet(300) + [scored("bullying", 0.61 + (i % 19) * 0.01, 1) for i in range(40)]


def test_channel_lines_hold_only_what_the_owner_holds_at_the_learned_level() -> None:
    lines = channel_lines(LEVEL2, THRESHOLDS, {"bullying": -0.5})
    assert "swearing" not in lines  # off at level 2
    assert lines["bullying"] == (pytest.approx(0.85), 0.66)  # level 1.5, harm-gated
    assert channel_lines({**LEVEL2, "swearing": 1}, THRESHOLDS)["swearing"] == (0.9, 0.0)


def test_without_evidence_the_head_changes_nothing() -> None:
    lines = channel_lines(LEVEL2, THRESHOLDS)
    head = learn_head(quiet(MIN_OUTCOMES - 1), lines)
    assert not head.active and set(head.weights) == {0.0}
    assert head.judge({"bullying": 0.7}, 0.9, lines, []) is None
    # weights at 0: the head's line is the owner's
    assert head.probability({"bullying": 0.81}, 0.9, lines) >= TARGET
    assert head.probability({"bullying": 0.79}, 0.9, lines) < TARGET
    assert "not yet applied" in head.describe()
    # enough outcomes but too few acted on: still nothing
    assert not learn_head(quiet(MIN_OUTCOMES) + strict_bullying()[-(MIN_ACTED - 1) :], lines).active


def test_a_strict_channel_learns_to_hold_what_its_moderators_act_on() -> None:
    lines = channel_lines(LEVEL2, THRESHOLDS)
    head = learn_head(strict_bullying(), lines)
    assert head.active
    verdict = head.judge({"bullying": 0.7}, 0.9, lines, [])
    assert verdict is not None and verdict.hold and verdict.category == "bullying"
    assert verdict.probability >= TARGET
    assert verdict.explanation == (
        "held: moderators acted on 40 of 40 messages like this (bullying 0.6-0.8)"
    )
    # ordinary chat stays allowed, and the owner's own holds are not the head's to confirm
    assert head.judge({"bullying": 0.02}, 0.05, lines, []) is None
    assert head.judge({"bullying": 0.9}, 0.9, lines, ["bullying"]) is None
    assert "learned from 340 outcomes (40 acted on)" in head.describe()
    # the outcomes separate perfectly, yet the weights stay sane (the prior and the line search)
    assert max(abs(w) for w in head.weights) < 5
    assert head.probability({"bullying": 0.02}, 0.05, lines) < 0.01
    # one Newton step already moves towards the same head
    first = learn_head(strict_bullying(), lines, iterations=1)
    assert first.judge({"bullying": 0.7}, 0.9, lines, []) is not None
    # the top band reads "0.99+"
    top = Head(head.weights, {**head.bands, "bullying": ((50, 40),) * 8}, 340, 40)
    verdict = top.judge({"bullying": 0.995}, 0.5, lines, [])
    assert verdict is not None and verdict.explanation.endswith("(bullying 0.99+)")


def test_a_category_the_owner_turned_off_is_never_added() -> None:
    swears = quiet(300) + [scored("swearing", 0.9, 1, harm=0.3) for _ in range(40)]
    off = channel_lines(LEVEL2, THRESHOLDS)  # swearing 0
    head = learn_head(swears, off)
    assert head.active
    assert head.judge({"swearing": 0.9}, 0.3, off, []) is None
    # the owner holds swearing at level 1 (line 0.9): the head learns to hold it lower
    on = channel_lines({**LEVEL2, "swearing": 1}, THRESHOLDS)
    swears = quiet(300) + [scored("swearing", 0.62 + (i % 5) * 0.01, 1, 0.3) for i in range(40)]
    verdict = learn_head(swears, on).judge({"swearing": 0.64}, 0.3, on, [])
    assert verdict is not None and verdict.hold and verdict.category == "swearing"


def tolerant() -> list[Outcome]:
    """Bullying held (0.85-0.95) and allowed every time; threats acted on."""
    return (
        quiet(300)
        + [scored("bullying", 0.85 + (i % 10) * 0.004, 0) for i in range(60)]
        + [scored("aggression", 0.85 + (i % 10) * 0.004, 0) for i in range(60)]
        + [scored("aggression", 0.97, 1) for _ in range(30)]
    )


def test_a_tolerant_channel_releases_non_severe_holds_only() -> None:
    lines = channel_lines(LEVEL2, THRESHOLDS)
    head = learn_head(tolerant(), lines)
    verdict = head.judge({"bullying": 0.87}, 0.9, lines, ["bullying"])
    assert verdict is not None and not verdict.hold
    assert verdict.explanation == (
        "allowed: moderators let 60 of 60 messages like this stand (bullying 0.8-0.9)"
    )
    # identity attacks, threats and self-harm stay held, alone or with another category
    assert head.probability({"aggression": 0.87}, 0.9, lines) < TARGET
    assert head.judge({"aggression": 0.87}, 0.9, lines, ["aggression"]) is None
    both: dict[Category, float] = {"aggression": 0.87, "bullying": 0.87}
    assert head.judge(both, 0.9, lines, ["bullying", "aggression"]) is None
