"""(5b) A channel's learned head, applied: what its moderators taught it, on top of its lines.

Pure. ``chatwarden.learning.head`` learns a ``Head`` from a channel's outcomes (a small logistic
model over the engine's own outputs for a message: its margin to the channel's nearest line,
the harm and the category scores as logits); the engine (``automod.py``) asks it about every
message its lines, severe-harm rules and blocked terms leave to it: whether to hold one the
lines let through, or to release one the lines held. Its bounds are here, where it is applied:

- it does nothing before ``MIN_OUTCOMES`` outcomes with ``MIN_ACTED`` acted on, and a verdict
  needs ``MIN_EVIDENCE`` labelled messages in its category's score band that bear it out
  (acted on at least ``TARGET`` of the time for a hold, less for a release): the band is the
  explanation a moderator reads;
- it adds a hold only for a category the owner holds (``Lines``: a category off is not in
  them, and its score is not among the head's inputs);
- it releases a hold only when every category the lines held it for is non-severe: never one
  for identity-based attacks, threats or self-harm (``SEVERE``), never one by a severe-harm
  rule or a blocked term (the engine does not ask).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chatwarden.categories import CATEGORIES, SEVERE, Category

#: how a moderator reads each category
LABELS: dict[str, str] = {
    "disability": "disability",
    "sexuality_sex_or_gender": "sexuality, sex or gender",
    "misogyny": "misogyny",
    "race_ethnicity_or_religion": "race, ethnicity or religion",
    "sex_based_terms": "sex-based terms",
    "aggression": "aggression",
    "bullying": "bullying",
    "swearing": "swearing",
}

#: the head's stored format; a stored head of another format is not applied
FORMAT = 1
#: what holding a message the moderators let stand costs, against one violation held (the
#: learned shifts, ``chatwarden.learning.shifts``, weigh holds the same way)
WRONG_HOLD_COST = 1 / 3
#: hold when at least this share of such messages would be acted on
TARGET = WRONG_HOLD_COST / (1 + WRONG_HOLD_COST)
#: fewest outcomes, and fewest of them acted on, before the head does anything
MIN_OUTCOMES = 200
MIN_ACTED = 20
#: fewest labelled messages in a verdict's score band (that agree with it)
MIN_EVIDENCE = 10
#: score bands a verdict's evidence is counted in (the last is 0.99 and above)
BANDS: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99)
#: logits are clipped here (scores of 0 and 1 happen)
_CLIP = 9.0
#: the margin of a message no line the owner holds comes near
_FAR = 6.0
#: feature order: bias, margin, harm, then the categories
FEATURES: tuple[str, ...] = ("bias", "margin", "harm", *CATEGORIES)

#: one enabled category's line: (threshold, harm gate); a category not in it is off
Lines = Mapping[Category, tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The head's call on one message: hold it (``hold``) or release the model's hold."""

    hold: bool
    category: Category  # the category it is attributed to (the band's)
    probability: float
    evidence: int  # labelled messages in the band
    acted: int  # of them, the ones moderators acted on
    explanation: str


@dataclass(frozen=True, slots=True)
class Head:
    """A channel's learned head: weights over ``FEATURES`` and its evidence per score band."""

    weights: tuple[float, ...]
    bands: Mapping[Category, tuple[tuple[int, int], ...]]  # per band: (labelled, acted)
    outcomes: int
    acted: int

    @property
    def active(self) -> bool:
        """Whether it had the evidence to do anything."""
        return self.outcomes >= MIN_OUTCOMES and self.acted >= MIN_ACTED

    def probability(self, categories: Mapping[Category, float], harm: float, lines: Lines) -> float:
        """The chance this channel's moderators act on a message so scored."""
        z = math.log(TARGET / (1 - TARGET)) + margin(categories, harm, lines)
        z += float(np.dot(self.weights, features(categories, harm, lines)))
        return 1 / (1 + math.exp(-max(min(z, 50.0), -50.0)))

    def judge(
        self,
        categories: Mapping[Category, float],
        harm: float,
        lines: Lines,
        held: Sequence[Category],
    ) -> Verdict | None:
        """A hold to add (``held`` empty) or the model's hold (for ``held``) to release; None:
        the owner's lines decide. ``held``: the categories the model held it for."""
        if not self.active:
            return None
        if held:
            if any(cat in SEVERE for cat in held):
                return None
            cat = max(held, key=lambda c: (categories.get(c, 0.0), c))
        else:
            on = [c for c in CATEGORIES if c in lines]
            if not on:
                return None
            cat = max(on, key=lambda c: (categories.get(c, 0.0), c))
        p = self.probability(categories, harm, lines)
        if (p >= TARGET) == bool(held):
            return None  # it agrees with the owner's lines
        score = categories.get(cat, 0.0)
        labelled, acted = self.bands[cat][band(score)]
        if labelled < MIN_EVIDENCE or (acted >= TARGET * labelled) != (not held):
            return None  # too little evidence, or the band does not bear it out
        where = f"{LABELS[cat]} {_band_label(band(score))}"
        if held:
            why = (
                f"allowed: moderators let {labelled - acted} of {labelled} messages like this "
                f"stand ({where})"
            )
        else:
            why = f"held: moderators acted on {acted} of {labelled} messages like this ({where})"
        return Verdict(not held, cat, round(p, 4), labelled, acted, why)

    def to_json(self) -> dict[str, Any]:
        """What ``store/learning.py`` keeps (and ``from_json`` reads back)."""
        return {
            "format": FORMAT,
            "weights": dict(zip(FEATURES, (round(w, 6) for w in self.weights), strict=True)),
            "bands": {cat: [list(b) for b in bands] for cat, bands in self.bands.items()},
            "outcomes": self.outcomes,
            "acted": self.acted,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Head:
        """A stored head, validated; ``ValueError`` says what is wrong with it."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError(f"learned head: format must be {FORMAT}")
        weights = data.get("weights")
        if not isinstance(weights, Mapping) or set(weights) != set(FEATURES):
            raise ValueError(f"learned head: weights must name {', '.join(FEATURES)}")
        values = tuple(weights[name] for name in FEATURES)
        if not all(_finite(w) and abs(w) <= 100 for w in values):
            raise ValueError("learned head: weights must be numbers between -100 and 100")
        bands = data.get("bands")
        if not isinstance(bands, Mapping) or set(bands) != set(CATEGORIES):
            raise ValueError("learned head: bands must name every category")
        out: dict[Category, tuple[tuple[int, int], ...]] = {}
        for cat in CATEGORIES:
            rows = bands[cat]
            if not isinstance(rows, list) or len(rows) != len(BANDS):
                raise ValueError(f"learned head: bands.{cat} must have {len(BANDS)} bands")
            pairs = []
            for row in rows:
                if not (
                    isinstance(row, list)
                    and len(row) == 2
                    and all(_count(v) for v in row)
                    and row[1] <= row[0]
                ):
                    raise ValueError(f"learned head: bands.{cat}: [labelled, acted] counts")
                pairs.append((int(row[0]), int(row[1])))
            out[cat] = tuple(pairs)
        outcomes, acted = data.get("outcomes"), data.get("acted")
        if not (isinstance(outcomes, int) and isinstance(acted, int)) or not (
            _count(outcomes) and _count(acted)
        ):
            raise ValueError("learned head: outcomes and acted must be counts")
        return cls(tuple(float(w) for w in values), out, outcomes, acted)

    def describe(self) -> str:
        """One line for Mod View."""
        if not self.active:
            return (
                f"not yet applied: {self.acted} of {MIN_ACTED} messages acted on and "
                f"{self.outcomes} of {MIN_OUTCOMES} outcomes needed"
            )
        moved = sorted(
            ((w, name) for w, name in zip(self.weights, FEATURES, strict=True) if abs(w) >= 0.1),
            key=lambda t: -abs(t[0]),
        )[:3]
        which = ", ".join(f"{_feature_label(name)} {w:+.1f}" for w, name in moved)
        return f"learned from {self.outcomes} outcomes ({self.acted} acted on)" + (
            f"; strongest changes: {which}" if which else "; no change yet"
        )


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _feature_label(name: str) -> str:
    return LABELS.get(name, name)


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return max(min(math.log(p / (1 - p)), _CLIP), -_CLIP)


def margin(categories: Mapping[Category, float], harm: float, lines: Lines) -> float:
    """How far past the nearest line the owner holds a message is, in logits (>= 0: the
    owner's lines hold it). A gated category needs its harm gate too."""
    best = -_FAR
    for cat, (limit, gate) in lines.items():
        m = logit(categories.get(cat, 0.0)) - logit(limit)
        if gate > 0:
            m = min(m, logit(harm) - logit(gate))
        best = max(best, m)
    return max(min(best, _FAR), -_FAR)


def features(categories: Mapping[Category, float], harm: float, lines: Lines) -> np.ndarray:
    """``FEATURES`` for one message (a category off: 0)."""
    x = np.zeros(len(FEATURES))
    x[0] = 1.0
    x[1] = margin(categories, harm, lines)
    x[2] = logit(harm)
    for i, cat in enumerate(CATEGORIES):
        if cat in lines:
            x[3 + i] = logit(categories.get(cat, 0.0))
    return x


def band(score: float) -> int:
    i = 0
    for k, edge in enumerate(BANDS):
        if score >= edge:
            i = k
    return i


def _band_label(i: int) -> str:
    if i == len(BANDS) - 1:
        return f"{BANDS[i]:g}+"
    return f"{BANDS[i]:g}-{BANDS[i + 1]:g}"
