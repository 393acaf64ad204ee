"""The context score: monotone, explainable, and never below the message's own score for
identity attacks, threats or self-harm."""

from __future__ import annotations

import itertools

import pytest

from chatwarden import AutoMod, AutoModSettings
from chatwarden.categories import CATEGORIES, SEVERE, Category
from chatwarden.context.facts import ChatLine, Context, OwnMessage, Record
from chatwarden.context.score import FLOOR_NOTE, WEIGHTS, combine, score_decision
from chatwarden.context.signals import Signal

CHANT = Signal("crowd_chant", 1.0, "echoes 3 other chatters in 60 s (crowd chant)")
REPEAT = Signal("repeats_own", 1.0, "repeats own message (4th time in 50 s)")
WARNED = Signal("record", 1.0, "after 1 warning and 1 timeout in this channel")


def _cats(**scores: float) -> dict[Category, float]:
    """Every category at 0.01 but those given."""
    return {c: scores.get(c, 0.01) for c in CATEGORIES}


def test_without_signals_the_score_is_the_message_only_score() -> None:
    cats = _cats(bullying=0.4)
    s = combine(0.3, cats, [])
    assert s.risk == s.harm == s.message_harm == 0.3
    assert s.categories == cats
    assert s.explanations == ()


def test_spam_signals_raise_risk_but_not_harm() -> None:
    s = combine(0.05, _cats(), [REPEAT])
    assert s.risk > 0.5  # x20 on the odds
    assert s.harm == pytest.approx(0.05)
    assert s.explanations == ("repeats own message (4th time in 50 s)",)


def test_conduct_signals_raise_harm_and_the_categories() -> None:
    s = combine(0.3, _cats(bullying=0.4), [WARNED])
    assert s.harm > 0.6 and s.risk > 0.6
    assert s.categories["bullying"] > 0.7


def test_the_crowd_chant_lowers_an_ordinary_message() -> None:
    s = combine(0.2, _cats(swearing=0.3), [CHANT])
    assert s.risk < 0.2 and s.harm < 0.2
    assert s.categories["swearing"] < 0.3
    assert s.explanations == ("echoes 3 other chatters in 60 s (crowd chant)",)


@pytest.mark.parametrize("category", SEVERE)
def test_the_crowd_chant_never_lowers_severe_harm(category: Category) -> None:
    cats = _cats(**{category: 0.6})
    s = combine(0.7, cats, [CHANT])
    assert s.categories[category] == 0.6  # floored at its message-only score
    assert s.harm == pytest.approx(0.6)  # as far as the severe category accounts for it
    assert s.risk == pytest.approx(0.6)
    assert s.explanations[-1] == FLOOR_NOTE


def test_a_message_held_for_a_severe_category_keeps_its_whole_harm() -> None:
    s = combine(0.9, _cats(aggression=0.5), [CHANT], held_severe=True)
    assert s.harm == 0.9 and s.risk == 0.9
    assert FLOOR_NOTE in s.explanations


@pytest.mark.parametrize("category", CATEGORIES)
def test_no_context_score_drops_below_message_only_for_severe_categories(
    category: Category,
) -> None:
    for value, harm in itertools.product((0.0, 0.3, 1.0), (0.01, 0.5, 0.99)):
        found = [Signal("crowd_chant", value, "echoes"), Signal("burst", 1 - value, "burst")]
        s = combine(harm, _cats(**{category: 0.5}), found)
        if category in SEVERE:
            assert s.categories[category] >= 0.5
            assert s.harm >= min(harm, 0.5) and s.risk >= min(harm, 0.5)


def test_the_score_is_monotone_in_the_message_score_and_each_signal() -> None:
    grid = (0.0, 0.25, 0.5, 0.75, 1.0)
    for name, weight in WEIGHTS.items():
        for harm in (0.01, 0.2, 0.6, 0.95):
            risks = [combine(harm, _cats(), [Signal(name, v, name)]).risk for v in grid]
            pairs = list(itertools.pairwise(risks))
            if weight.risk > 0:
                assert all(a <= b for a, b in pairs), name
            else:
                assert all(a >= b for a, b in pairs), name
    for found in ([REPEAT], [CHANT], [WARNED, CHANT]):
        risks = [combine(h, _cats(), found).risk for h in (0.01, 0.1, 0.4, 0.8, 0.99)]
        assert risks == sorted(risks)


def test_raising_explanations_come_before_lowering_ones() -> None:
    s = combine(0.2, _cats(), [CHANT, WARNED])
    assert s.explanations == (WARNED.explanation, CHANT.explanation)


def test_a_signal_without_a_weight_is_an_error() -> None:
    with pytest.raises(ValueError, match="no weight for signal 'mystery'"):
        combine(0.2, _cats(), [Signal("mystery", 1.0, "?")])


def test_every_weight_states_why() -> None:
    assert all(len(w.why) > 40 for w in WEIGHTS.values())


def test_score_decision_on_the_engine_s_own_decisions() -> None:
    automod = AutoMod(AutoModSettings.model_validate({"overall_level": 2}))
    threat = automod.check("i will find you and kill you")
    chant = Context(
        user="me",
        chat_before=tuple(ChatLine(u, "i will find you and kill you", 5) for u in "abc"),
    )
    s = score_decision(threat, chant)
    assert [x.name for x in s.signals] == ["crowd_chant"]
    assert s.harm == threat.harm and s.risk == threat.harm  # held for aggression: kept
    assert s.categories["aggression"] == threat.categories["aggression"]

    taunt = automod.check("@bob you are so bad at this game")
    pressed = Context(
        user="me",
        history=(
            OwnMessage("@bob you are trash", 40, 0.93),
            OwnMessage("@bob uninstall", 80, 0.4),
        ),
        record=Record(timeouts=1),
    )
    s = score_decision(taunt, pressed)
    assert s.harm > taunt.harm and s.risk > taunt.harm
    assert s.explanations == (
        "3rd message at @bob in 80 s",
        "earlier message (40 s before) scored harm 0.93 (escalation)",
        "after 1 timeout in this channel",
    )
    assert s.to_dict()["explanations"] == list(s.explanations)
