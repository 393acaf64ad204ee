"""Pure metric helpers for evaluation: ROC AUC and precision/recall/F1 at a threshold.

numpy only: ``chatwarden eval`` of the bundled model runs without the ``[train]`` extra
(scikit-learn and scipy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PRF", "prf", "prf_at", "rate", "roc_auc"]


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 of binary predictions; ``None`` where undefined (0/0)."""

    precision: float | None
    recall: float | None
    f1: float | None
    tp: int
    fp: int
    fn: int

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "precision": _r(self.precision),
            "recall": _r(self.recall),
            "f1": _r(self.f1),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """ROC AUC of ``scores`` against 0/1 ``labels``; ``None`` when only one class is present."""
    if len(labels) != len(scores):
        raise ValueError(f"got {len(labels)} labels but {len(scores)} scores")
    y = np.asarray(labels, dtype=np.int64)
    if y.size == 0 or y.min() == y.max():
        return None
    s = np.asarray(scores, dtype=np.float64)
    # Mann-Whitney U: the rank sum of the positives, tied scores sharing their average rank
    # (the same value as the area under the ROC curve with ties drawn as diagonal steps).
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
    ends = np.r_[starts[1:], s.size]
    avg_rank = (starts + ends + 1) / 2.0  # 1-based ranks start+1 .. end, averaged
    ranks = np.empty(s.size, dtype=np.float64)
    ranks[order] = np.repeat(avg_rank, ends - starts)
    pos = int(y.sum())
    neg = y.size - pos
    u = float(ranks[y == 1].sum()) - pos * (pos + 1) / 2.0
    return u / (pos * neg)


def prf(labels: Sequence[int], predicted: Sequence[bool]) -> PRF:
    """Precision, recall and F1 of boolean predictions against 0/1 labels."""
    if len(labels) != len(predicted):
        raise ValueError(f"got {len(labels)} labels but {len(predicted)} predictions")
    tp = fp = fn = 0
    for label, pred in zip(labels, predicted, strict=True):
        if pred and label:
            tp += 1
        elif pred:
            fp += 1
        elif label:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, tp, fp, fn)


def prf_at(labels: Sequence[int], scores: Sequence[float], threshold: float) -> PRF:
    """``prf`` of ``score >= threshold`` (the same comparison the policy uses)."""
    return prf(labels, [s >= threshold for s in scores])


def rate(flags: Sequence[bool]) -> float | None:
    """Share of true flags; ``None`` for an empty sequence."""
    return sum(bool(f) for f in flags) / len(flags) if flags else None


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
