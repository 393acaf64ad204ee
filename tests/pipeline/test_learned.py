"""A channel's learned head applied: its verdicts, its bounds, and the engine applying it."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from chatwarden import AutoMod, AutoModSettings
from chatwarden.categories import CATEGORIES, preset
from chatwarden.decision import Action
from chatwarden.errors import ConfigError
from chatwarden.learning import Outcome
from chatwarden.learning.head import channel_lines, learn_head
from chatwarden.pipeline.learned import BANDS, FEATURES, Head, margin
from chatwarden.settings import TermSpec

THRESHOLDS: dict[str, tuple[float, ...]] = {
    "harm": (0.96, 0.92, 0.84, 0.66),
    **{cat: (0.9, 0.8, 0.6, 0.4) for cat in CATEGORIES},
}
LEVEL2 = {**preset(2), "bullying": 2}  # bullying held from 0.8; swearing off


def strict_bullying() -> list[Outcome]:
    """Moderators act on bullying scored 0.6-0.8, which the owner's line (0.8) lets through."""
    quiet = [Outcome({"bullying": 0.02, "swearing": 0.01}, 0.05, 0) for _ in range(300)]
    return quiet + [Outcome({"bullying": 0.61 + (i % 19) * 0.01}, 0.9, 1) for i in range(40)]


def test_margin_is_past_the_nearest_line_and_needs_the_harm_gate() -> None:
    lines = channel_lines(LEVEL2, THRESHOLDS)
    assert margin({"bullying": 0.8}, 0.9, lines) == pytest.approx(0.0, abs=1e-9)
    assert margin({"bullying": 0.9}, 0.9, lines) > 0
    assert margin({"bullying": 0.9}, 0.1, lines) < 0  # below the harm gate
    assert margin({}, 0.9, {}) == -6.0  # nothing held


def test_a_verdict_the_band_does_not_bear_out_is_not_made() -> None:
    lines = channel_lines(LEVEL2, THRESHOLDS)
    head = learn_head(strict_bullying(), lines)
    # the band the message falls in has too few labelled messages
    thin = Head(head.weights, {**head.bands, "bullying": ((0, 0),) * 8}, 340, 40)
    assert thin.judge({"bullying": 0.7}, 0.9, lines, []) is None
    # the band says moderators let such messages stand: no hold, whatever the weights say
    calm = Head(head.weights, {**head.bands, "bullying": ((50, 1),) * 8}, 340, 40)
    assert calm.judge({"bullying": 0.7}, 0.9, lines, []) is None
    # a channel that holds nothing: nothing to attribute a hold to
    assert head.judge({"bullying": 0.7}, 0.9, {}, []) is None


def test_a_head_round_trips_through_json_and_bad_ones_are_refused() -> None:
    head = learn_head(strict_bullying(), channel_lines(LEVEL2, THRESHOLDS))
    data = head.to_json()
    again = Head.from_json(data)
    assert again.bands == head.bands and again.outcomes == 340 and again.acted == 40
    assert again.weights == pytest.approx(head.weights, abs=1e-6)

    def broken(**change: Any) -> dict[str, Any]:
        return {**data, **change}

    weights = data["weights"]
    for bad, message in (
        ([], "format"),
        (broken(format=2), "format"),
        (broken(weights={"bias": 0.0}), "weights must name"),
        (broken(weights={**weights, "bias": math.nan}), "between -100 and 100"),
        (broken(weights={**weights, "bias": True}), "between -100 and 100"),
        (broken(weights={**weights, "bias": 1e6}), "between -100 and 100"),
        (broken(bands={}), "every category"),
        (broken(bands={**data["bands"], "bullying": [[1, 0]]}), "must have 8 bands"),
        (broken(bands={**data["bands"], "bullying": [[1, 2]] * 8}), "counts"),
        (broken(bands={**data["bands"], "bullying": [[-1, 0]] * 8}), "counts"),
        (broken(outcomes=-1), "outcomes and acted"),
        (broken(acted="3"), "outcomes and acted"),
    ):
        with pytest.raises(ValueError, match=message):
            Head.from_json(bad)  # type: ignore[arg-type]
    assert list(data["weights"]) == list(FEATURES)


def fixed(bias: float, labelled: int, acted: int) -> dict[str, Any]:
    """A stored head that says ``bias`` of every message, every band bearing it out."""
    weights = dict.fromkeys(FEATURES, 0.0) | {"bias": bias}
    bands = {cat: [[labelled, acted]] * len(BANDS) for cat in CATEGORIES}
    return {"format": 1, "weights": weights, "bands": bands, "outcomes": 1000, "acted": 100}


def engine(level: int, head: dict[str, Any] | None, **settings: Any) -> AutoMod:
    base = AutoModSettings.model_validate({"overall_level": level, **settings})
    return AutoMod(base.model_copy(update={"learned_head": head}))


def test_the_engine_adds_the_heads_hold_with_its_explanation() -> None:
    strict = engine(2, fixed(20.0, 50, 40))
    held = strict.check("gg wp")
    assert held.action == Action.HOLD
    (reason,) = held.reasons
    assert reason.kind == "category" and reason.learned is not None
    assert reason.learned.startswith("held: moderators acted on 40 of 50 messages like this (")
    assert reason.to_dict()["learned"] == reason.learned
    assert reason.category in {c for c, lvl in preset(2).items() if lvl > 0}  # never swearing
    # exempt senders and blocked terms are not the head's
    assert strict.check("gg wp", role="moderator").action == Action.ALLOW
    blocking = engine(2, fixed(20.0, 50, 40), terms=[TermSpec(text="gg")])
    assert blocking.check("gg wp").action == Action.BLOCK
    # without a head, the same channel allows it
    assert engine(2, None).check("gg wp").action == Action.ALLOW


def test_the_engine_releases_only_non_severe_holds_of_its_lines() -> None:
    tolerant = engine(4, fixed(-20.0, 50, 1))
    released = tolerant.check("you are trash and ugly")  # bullying, by the model's line
    assert released.action == Action.ALLOW and released.reasons == ()
    # the band is the one the model's bullying score falls in (it moves with a retrained model)
    assert released.learned is not None
    assert re.fullmatch(
        r"allowed: moderators let 49 of 50 messages like this stand \(bullying "
        r"(0|1)(\.\d+)?-(0|1)(\.\d+)?\)",
        released.learned,
    ), released.learned
    assert released.to_dict()["learned"] == released.learned
    assert "learned" not in engine(4, None).check("gg").to_dict()
    assert tolerant.check("gg wp").action == Action.ALLOW  # nothing to add
    # a threat the model holds, and one a severe-harm rule holds, stay held
    assert tolerant.check("your whole family should suffer").action == Action.HOLD
    assert tolerant.check("kill yourself").action == Action.HOLD


def test_a_stored_head_is_validated_versioned_and_never_exported() -> None:
    head = fixed(1.0, 10, 5)
    settings = AutoModSettings.from_mapping({"overall_level": 2, "learned_head": head})
    assert settings.version != AutoModSettings.from_mapping({"overall_level": 2}).version
    assert "learned_head" not in settings.model_dump()
    # the engine that applies it refuses a broken one
    with pytest.raises(ConfigError, match="learned head: format must be 1"):
        engine(2, {"format": 9})


def _head(weights: dict[str, float], outcomes: int, acted: int, top: tuple[int, int]) -> Head:
    """A head with ``weights`` by name (0 elsewhere) and ``top`` as every category's
    (labelled, acted) in the highest score band, none labelled below it."""
    counts = tuple((0, 0) for _ in BANDS[:-1]) + (top,)
    return Head(
        tuple(weights.get(name, 0.0) for name in FEATURES),
        dict.fromkeys(CATEGORIES, counts),
        outcomes,
        acted,
    )


def test_a_head_without_its_evidence_does_nothing_and_says_what_it_waits_for() -> None:
    lines = channel_lines(LEVEL2, THRESHOLDS)
    head = _head({"bias": -20.0}, outcomes=199, acted=5, top=(40, 2))
    assert not head.active
    assert head.judge({"bullying": 0.995}, 0.99, lines, ("bullying",)) is None
    assert head.describe() == (
        "not yet applied: 5 of 20 messages acted on and 199 of 200 outcomes needed"
    )


def test_a_release_in_the_top_band_and_the_one_line_description() -> None:
    lines = channel_lines(LEVEL2, THRESHOLDS)
    head = _head(
        {"bias": -20.0, "margin": 2.0, "harm": -0.5, "bullying": 0.3, "swearing": 0.05},
        outcomes=400,
        acted=40,
        top=(40, 2),
    )
    verdict = head.judge({"bullying": 0.995}, 0.99, lines, ("bullying",))
    assert verdict is not None and not verdict.hold and verdict.category == "bullying"
    assert verdict.explanation == (
        "allowed: moderators let 38 of 40 messages like this stand (bullying 0.99+)"
    )
    assert head.describe() == (
        "learned from 400 outcomes (40 acted on); strongest changes: bias -20.0, margin +2.0, "
        "harm -0.5"
    )
    still = _head({}, outcomes=400, acted=40, top=(40, 2))
    assert still.describe() == "learned from 400 outcomes (40 acted on); no change yet"
