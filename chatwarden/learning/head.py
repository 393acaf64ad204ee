"""A channel's learned head: a small logistic model over the engine's own outputs.

The level shifts (``shifts.py``) move one line per category; a channel whose moderators act on
messages the base model scores almost alike (bullying's lines at levels 1-3 all lie near 0.99)
needs more than that. The head is a per-channel logistic model that predicts, for one scored
message, the chance that this channel's moderators would act on it. Its inputs are what the
engine already computed for the message, nothing else (so it costs a dot product per message and
is learned from the stored outcomes alone): the owner's margin ``m`` (how far the message is past,
or short of, the channel's nearest line, in logits; see ``margin``), the harm score and the
eight category scores as logits (a category the owner turned off is left out, so the head
cannot hold for it). Message text features were left out on purpose: the outcomes a channel
stores are scores, not text, and the engine's scores already read the words.

    P(acted on) = sigmoid(logit(T) + m + w . x),  T = WRONG_HOLD_COST / (1 + WRONG_HOLD_COST)

With ``w = 0`` the head holds exactly what the owner's lines hold (``P >= T`` iff ``m >= 0``),
and the weights are L2-regularised towards 0 (``PRIOR``): without evidence, no change. The
decision rule is the shifts' cost: hold when at least one in ``1 + 1/WRONG_HOLD_COST`` such
messages would be a violation (``P >= T``).

Bounds (issue 14):

- the head does nothing before ``MIN_OUTCOMES`` outcomes with ``MIN_ACTED`` acted on, and a
  single verdict needs ``MIN_EVIDENCE`` labelled messages in its category's score band that
  agree with it (moderators acted on at least ``T`` of them for a hold, fewer for a release);
  that band is the explanation a moderator reads ("held: moderators acted on 42 of 50 messages
  like this (bullying 0.95-0.99)");
- it may *add* a hold only for a category the owner holds (level > 0): a category turned off,
  swearing at levels 1-3 of the presets included, stays off. A streamer who turned swearing off
  does not expect AutoMod to start holding swears because their moderators time some out; one
  who wants that sets swearing to 1 or more, and the head then learns how far to go;
- it may *release* a model hold only when every category that held it is non-severe
  (``sex_based_terms``, ``bullying``, ``swearing``): identity-based attacks, threats and
  self-harm (``SEVERE``) the owner holds stay held, so the head never goes below the owner's
  floor for them; a hold by the severe-harm rules (``pipeline/severe.py``) or a blocked term is
  never touched (the engine does not ask the head about them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chatwarden.categories import CATEGORIES, SEVERE, Category
from chatwarden.learning.shifts import _LABELS, WRONG_HOLD_COST, Outcome
from chatwarden.pipeline.policy import UNGATED, harm_floor, threshold_for

#: the head's stored format; a stored head of another format is not applied
FORMAT = 1
#: hold when at least this share of such messages would be acted on
TARGET = WRONG_HOLD_COST / (1 + WRONG_HOLD_COST)
#: L2 strength pulling every weight towards 0 (no change), in outcomes' worth of evidence
PRIOR = 10.0
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
        labelled, acted = self.bands[cat][_band(score)]
        if labelled < MIN_EVIDENCE or (acted >= TARGET * labelled) != (not held):
            return None  # too little evidence, or the band does not bear it out
        where = f"{_LABELS[cat]} {_band_label(_band(score))}"
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
    return str(_LABELS.get(name, name))  # type: ignore[call-overload]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return max(min(math.log(p / (1 - p)), _CLIP), -_CLIP)


def margin(categories: Mapping[Category, float], harm: float, lines: Lines) -> float:
    """How far past the nearest line the owner holds a message is, in logits (>= 0: the
    owner's lines hold it). A gated category needs its harm gate too."""
    best = -_FAR
    for cat, (limit, gate) in lines.items():
        m = _logit(categories.get(cat, 0.0)) - _logit(limit)
        if gate > 0:
            m = min(m, _logit(harm) - _logit(gate))
        best = max(best, m)
    return max(min(best, _FAR), -_FAR)


def features(categories: Mapping[Category, float], harm: float, lines: Lines) -> np.ndarray:
    """``FEATURES`` for one message (a category off: 0)."""
    x = np.zeros(len(FEATURES))
    x[0] = 1.0
    x[1] = margin(categories, harm, lines)
    x[2] = _logit(harm)
    for i, cat in enumerate(CATEGORIES):
        if cat in lines:
            x[3 + i] = _logit(categories.get(cat, 0.0))
    return x


def _band(score: float) -> int:
    i = 0
    for k, edge in enumerate(BANDS):
        if score >= edge:
            i = k
    return i


def _band_label(i: int) -> str:
    if i == len(BANDS) - 1:
        return f"{BANDS[i]:g}+"
    return f"{BANDS[i]:g}-{BANDS[i + 1]:g}"


def learn_head(outcomes: Sequence[Outcome], lines: Lines, *, iterations: int = 25) -> Head:
    """The head for ``outcomes`` at the channel's current lines (levels and shifts): Newton's
    method on the L2-regularised log loss, offset by the owner's lines."""
    n = len(outcomes)
    acted = sum(1 for o in outcomes if o.label)
    counts = {cat: [[0, 0] for _ in BANDS] for cat in CATEGORIES}
    for o in outcomes:
        for cat in CATEGORIES:
            row = counts[cat][_band(o.categories.get(cat, 0.0))]
            row[0] += 1
            row[1] += o.label
    bands = {cat: tuple((a, b) for a, b in rows) for cat, rows in counts.items()}
    w = np.zeros(len(FEATURES))
    if n >= MIN_OUTCOMES and acted >= MIN_ACTED:
        x = np.array([features(o.categories, o.harm, lines) for o in outcomes])
        y = np.array([float(o.label) for o in outcomes])
        offset = math.log(TARGET / (1 - TARGET)) + x[:, 1]
        eye = np.eye(len(FEATURES))
        for _ in range(iterations):
            p = 1 / (1 + np.exp(-np.clip(offset + x @ w, -50, 50)))
            grad = x.T @ (p - y) + PRIOR * w
            hess = (x * (p * (1 - p))[:, None]).T @ x + PRIOR * eye
            step = np.linalg.solve(hess, grad)
            w = w - step
            if float(np.max(np.abs(step))) < 1e-6:
                break
        w = np.clip(w, -100, 100)
    return Head(tuple(float(v) for v in w), bands, n, acted)


def channel_lines(
    levels: Mapping[Category, int],
    thresholds: Mapping[str, tuple[float, ...]],
    learned: Mapping[Category, float] | None = None,
) -> dict[Category, tuple[float, float]]:
    """A channel's ``Lines``: each category it holds, at its level plus its learned shift."""
    shift = learned or {}
    gate = harm_floor(thresholds)
    return {
        cat: (
            threshold_for(thresholds, cat, levels[cat] + shift.get(cat, 0.0)),
            0.0 if cat in UNGATED else gate,
        )
        for cat in CATEGORIES
        if levels.get(cat, 0) > 0
    }
