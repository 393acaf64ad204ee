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

Bounds (issue 14; enforced where the head is applied, ``chatwarden.pipeline.learned``):

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

import numpy as np

from chatwarden.categories import CATEGORIES, Category
from chatwarden.learning.shifts import Outcome
from chatwarden.pipeline.learned import (
    BANDS,
    FEATURES,
    MIN_ACTED,
    MIN_OUTCOMES,
    TARGET,
    Head,
    Lines,
    band,
    features,
)
from chatwarden.pipeline.policy import UNGATED, harm_floor, threshold_for

__all__ = ["PRIOR", "Head", "channel_lines", "learn_head"]

#: L2 strength pulling every weight towards 0 (no change), in outcomes' worth of evidence
PRIOR = 10.0


def learn_head(outcomes: Sequence[Outcome], lines: Lines, *, iterations: int = 25) -> Head:
    """The head for ``outcomes`` at the channel's current lines (levels and shifts): Newton's
    method with a backtracking line search (so it never diverges, separable outcomes
    included) on the L2-regularised log loss, offset by the owner's lines."""
    n = len(outcomes)
    acted = sum(1 for o in outcomes if o.label)
    counts = {cat: [[0, 0] for _ in BANDS] for cat in CATEGORIES}
    for o in outcomes:
        for cat in CATEGORIES:
            row = counts[cat][band(o.categories.get(cat, 0.0))]
            row[0] += 1
            row[1] += o.label
    bands = {cat: tuple((a, b) for a, b in rows) for cat, rows in counts.items()}
    w = np.zeros(len(FEATURES))
    if n >= MIN_OUTCOMES and acted >= MIN_ACTED:
        x = np.array([features(o.categories, o.harm, lines) for o in outcomes])
        y = np.array([float(o.label) for o in outcomes])
        offset = math.log(TARGET / (1 - TARGET)) + x[:, 1]
        eye = np.eye(len(FEATURES))

        def loss(v: np.ndarray) -> float:
            z = offset + x @ v
            return float(np.sum(np.logaddexp(0.0, z) - y * z) + PRIOR / 2 * v @ v)

        current = loss(w)
        for _ in range(iterations):
            p = 1 / (1 + np.exp(-np.clip(offset + x @ w, -50, 50)))
            grad = x.T @ (p - y) + PRIOR * w
            hess = (x * (p * (1 - p))[:, None]).T @ x + PRIOR * eye
            step = np.linalg.solve(hess, grad)
            t = 1.0
            while (tried := loss(w - t * step)) > current - 1e-4 * t * float(grad @ step):
                t /= 2
                if t < 1e-12:  # no step lowers the loss: at its least already
                    tried = current
                    t = 0.0
                    break
            w, current = w - t * step, tried
            if t * float(np.max(np.abs(step))) < 1e-6:
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
