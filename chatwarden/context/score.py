"""Combine a message's own scores with its context signals into a context score.

The combination is the simplest one that stays explainable: each signal is a piece of
evidence with a hand-set weight in nats, added to the log-odds of the message-only score
(a naive-Bayes update: a weight ``w`` multiplies the odds by ``e**w`` when its signal is at
full strength, ``e**(w * value)`` in between). Every weight is stated below with why it is
that size; none was fitted, and none may be tuned on the live-chat devsets (evaluation only,
``../shared/devsets/README.md``).

Two scores come out, because the questions differ:

- ``risk``: will a moderator act on this message, for any reason (spam and flooding included)?
  Every signal counts.
- ``harm`` (and each category): is the message harmful? Only the signals about the sender's
  conduct towards people count (escalation, targeting one user, their record, the crowd chant);
  repeating a line or flooding is spam, not harm.

The score is monotone: raising the message-only score or a raising signal never lowers it,
and only the crowd chant (a negative weight) can lower it. It never lowers what the message
alone says about identity-based attacks, threats or self-harm (``SEVERE`` categories): those
category scores are floored at their message-only value, and so are ``harm`` and ``risk``
as far as those categories account for them; a message AutoMod held for one of them keeps its
full message-only harm. Context can only raise those.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from chatwarden.categories import SEVERE, Category
from chatwarden.context.facts import Context
from chatwarden.context.signals import Signal, signals
from chatwarden.decision import Decision

__all__ = ["WEIGHTS", "ContextScore", "Weight", "combine", "score_decision"]


@dataclass(frozen=True, slots=True)
class Weight:
    """How much a signal at full strength moves the log-odds (nats) of ``risk`` and of
    ``harm``, and why."""

    risk: float
    harm: float
    why: str


#: hand-set, not fitted; e**3 ~ x20, e**2 ~ x7.4, e**1.5 ~ x4.5, e**1 ~ x2.7 on the odds
WEIGHTS: Final[Mapping[str, Weight]] = {
    "repeats_own": Weight(
        3.0,
        0.0,
        "a line sent a fourth time in two minutes is spam whatever it says: Twitch's duplicate "
        "check and every chat bot's repetition filter act on it without reading the words",
    ),
    "burst": Weight(
        2.0,
        0.0,
        "six lines in 30 s is flooding, which channels act on, but fast typists in a hype "
        "moment do it too, so less than a repeated line",
    ),
    "new_account_link": Weight(
        3.0,
        0.0,
        "a day-old account whose first line is a link is how spam bots arrive; Twitch's own "
        "account-age and link settings exist for exactly this",
    ),
    "escalation": Weight(
        2.0,
        2.0,
        "a chatter who just wrote something harmful is far likelier to be acted on for the "
        "next line; moderators judge the pattern, and NormVio's annotators changed their "
        "verdict for about a third of cases once they saw the chatter's earlier lines",
    ),
    "record": Weight(
        1.5,
        1.5,
        "moderators already acted on this chatter here; a repeat offender gets less benefit "
        "of the doubt, but the record is old news next to what is said now",
    ),
    "targets_one_user": Weight(
        1.0,
        1.0,
        "harassment is aimed: the same person addressed again and again; but answering "
        "someone in a conversation is ordinary, so it weighs least of the raising signals",
    ),
    "crowd_chant": Weight(
        -1.5,
        -1.5,
        "an emote wave or copypasta echo of several chatters is how Twitch chat cheers and "
        "jokes; joining one is seldom acted on (never below the floor for severe harm)",
    ),
}

_EPS: Final = 1e-6


def _logit(p: float) -> float:
    p = min(1.0 - _EPS, max(_EPS, p))
    return math.log(p / (1.0 - p))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _shift(p: float, nats: float) -> float:
    """``p`` moved by ``nats`` on the log-odds scale (unchanged when ``nats`` is 0)."""
    return p if nats == 0.0 else _sigmoid(_logit(p) + nats)


@dataclass(frozen=True, slots=True)
class ContextScore:
    """A message scored with its context.

    ``risk`` and ``harm`` are probabilities like the engine's own harm score;
    ``message_harm`` is the message-only harm for comparison; ``explanations`` are the
    sentences a moderator reads, the ones that raised the score first.
    """

    risk: float
    harm: float
    categories: dict[Category, float]
    message_harm: float
    signals: tuple[Signal, ...]
    explanations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "risk": round(self.risk, 4),
            "harm": round(self.harm, 4),
            "categories": {k: round(v, 4) for k, v in self.categories.items()},
            "message_harm": round(self.message_harm, 4),
            "signals": [
                {"name": s.name, "value": round(s.value, 4), "explanation": s.explanation}
                for s in self.signals
            ],
            "explanations": list(self.explanations),
        }


FLOOR_NOTE: Final = (
    "kept at the message's own score: context never lowers identity attacks, threats or self-harm"
)


def combine(
    harm: float,
    categories: Mapping[Category, float],
    found: Sequence[Signal],
    *,
    held_severe: bool = False,
    weights: Mapping[str, Weight] = WEIGHTS,
) -> ContextScore:
    """The context score of a message with message-only ``harm`` and ``categories`` and the
    signals ``found`` (see the module docstring). ``held_severe``: the engine held the message
    for a ``SEVERE`` category, so its full harm is the floor."""
    risk_nats = 0.0
    harm_nats = 0.0
    for s in found:
        w = weights.get(s.name)
        if w is None:
            raise ValueError(f"no weight for signal {s.name!r}")
        risk_nats += w.risk * s.value
        harm_nats += w.harm * s.value
    severe = max((categories.get(c, 0.0) for c in SEVERE), default=0.0)
    floor = harm if held_severe else min(harm, severe)
    raw_harm = _shift(harm, harm_nats)
    raw_risk = _shift(harm, risk_nats)
    new_harm = max(floor, raw_harm)
    new_risk = max(floor, raw_risk)
    new_categories: dict[Category, float] = {}
    for cat, p in categories.items():
        moved = _shift(p, harm_nats)
        new_categories[cat] = max(p, moved) if cat in SEVERE else moved
    # raising signals first, then the lowering ones, each in the order found
    explanations = [s.explanation for s in found if weights[s.name].risk > 0]
    explanations += [s.explanation for s in found if weights[s.name].risk <= 0]
    if floor > 0 and (raw_harm < floor or raw_risk < floor):
        explanations.append(FLOOR_NOTE)
    return ContextScore(
        risk=new_risk,
        harm=new_harm,
        categories=new_categories,
        message_harm=harm,
        signals=tuple(found),
        explanations=tuple(explanations),
    )


def score_decision(decision: Decision, context: Context) -> ContextScore:
    """Score the message behind the engine's ``decision`` with its ``context``."""
    held_severe = any(r.kind == "category" and r.category in SEVERE for r in decision.reasons)
    return combine(
        decision.harm,
        decision.categories,
        signals(decision.text, context),
        held_severe=held_severe,
    )
