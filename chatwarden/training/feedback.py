"""Moderators' labels as training rows: read ``chatwarden export labels`` files, hold a fixed
share back for evaluation, turn the rest into ``Example``s, and measure models on the held-back.

A label says what the moderators did, not always why: a denied hold confirms the category the
engine held it for (its top category score), so that category is labelled 1; any other label 1
(a delete, warn, timeout or ban) is harmful with its categories unknown, as the annotated
sources are (``datasets.make_labels``; the lexicon still fills swearing). Label 0 (an allowed
hold) is harmless. Labels an approved unban request reversed are skipped.

The held-back rows are chosen by a hash of the text's deduplication key (``datasets.text_key``),
not by position or a random draw: the same text is held back in every file and every run, so
a model is never trained on a row it is compared on, and two builds from the same files agree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from chatwarden.categories import CATEGORIES
from chatwarden.errors import InputError
from chatwarden.model import Model
from chatwarden.pipeline import AutoMod
from chatwarden.settings import AutoModSettings
from chatwarden.training.datasets import Example, Lexicon, make_labels, text_key
from chatwarden.training.evaluate import decide_all
from chatwarden.training.metrics import roc_auc

#: share of feedback rows (by text) held back for evaluation, never trained on
HELD_BACK: Final = 0.2
#: the label source whose decision names the category the moderators confirmed
CONFIRMING_SOURCE: Final = "review.deny"
SOURCE: Final = "feedback"


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    """One moderator label from an export file."""

    text: str
    label: int
    source: str
    categories: dict[str, float] = field(default_factory=dict)

    def confirmed_category(self) -> str | None:
        """The category a denied hold confirms: its top category score, if it has one."""
        if self.label != 1 or self.source != CONFIRMING_SOURCE:
            return None
        scored = [(s, c) for c, s in self.categories.items() if c in CATEGORIES and s > 0]
        return max(scored, key=lambda sc: (sc[0], sc[1]))[1] if scored else None


@dataclass(frozen=True, slots=True)
class Feedback:
    """Feedback rows split into those trained on and those held back."""

    train: tuple[FeedbackRow, ...]
    heldout: tuple[FeedbackRow, ...]
    weight: float
    files: dict[str, str]  # file name -> SHA-256 (recorded in meta.json)
    skipped_reversed: int = 0

    @property
    def heldout_keys(self) -> frozenset[str]:
        return frozenset(text_key(r.text) for r in self.heldout)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(text_key(r.text) for r in (*self.train, *self.heldout))

    def summary(self) -> dict[str, Any]:
        return {
            "train_rows": len(self.train),
            "heldout_rows": len(self.heldout),
            "held_back_share": HELD_BACK,
            "weight": self.weight,
            "skipped_reversed": self.skipped_reversed,
            "files_sha256": dict(sorted(self.files.items())),
        }


def is_held_back(text: str) -> bool:
    """Whether a feedback row with this text is held back (``HELD_BACK`` of texts)."""
    digest = hashlib.sha256(text_key(text).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < int(HELD_BACK * 10_000)


def _row(raw: object, where: str) -> FeedbackRow | None:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected a JSON object")
    text, label = raw.get("text"), raw.get("label")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: 'text' must be a non-empty string")
    if label not in (0, 1) or isinstance(label, bool):
        raise InputError(f"{where}: 'label' must be 0 or 1, got {label!r}")
    if raw.get("reversed") is True:
        return None
    cats = raw.get("categories") or {}
    if not isinstance(cats, dict):
        raise InputError(f"{where}: 'categories' must be an object of scores")
    scores = {str(k): float(v) for k, v in cats.items() if isinstance(v, (int, float))}
    return FeedbackRow(text, int(label), str(raw.get("source", "")), scores)


def read_feedback(paths: Sequence[Path], weight: float = 1.0) -> Feedback:
    """Read export files (JSON lines, in the order given) and split them.

    Raises:
        InputError: a file is unreadable or a line is not a label (the message names the line).
    """
    if weight <= 0:
        raise InputError(f"the feedback weight must be positive, got {weight}")
    train: list[FeedbackRow] = []
    heldout: list[FeedbackRow] = []
    files: dict[str, str] = {}
    skipped = 0
    for path in paths:
        try:
            data = path.read_bytes()
            lines = data.decode("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read feedback file {path}: {exc}") from exc
        files[path.name] = hashlib.sha256(data).hexdigest()
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            row = _row(raw, f"{path}:{n}")
            if row is None:
                skipped += 1
            else:
                (heldout if is_held_back(row.text) else train).append(row)
    return Feedback(tuple(train), tuple(heldout), weight, files, skipped)


def to_examples(rows: Sequence[FeedbackRow], lexicon: Lexicon, weight: float) -> list[Example]:
    """Training examples for feedback rows (see the module docstring for the labels)."""
    out = []
    for row in rows:
        confirmed = row.confirmed_category()
        known = {confirmed: 1} if confirmed is not None else None
        out.append(
            Example(
                row.text,
                make_labels(lexicon, row.text, row.label, known),
                SOURCE,
                weight=weight,
                group=f"{SOURCE}:{text_key(row.text)}",
            )
        )
    return out


def evaluate_heldout(model: Model, rows: Sequence[FeedbackRow]) -> dict[str, Any]:
    """How ``model`` does on held-back labels, with the default AutoMod settings: ROC AUC of
    the harm score, and how many rows it holds (of the violations and of the rest)."""
    settings = AutoModSettings()
    decisions = decide_all(AutoMod(settings, model=model), [r.text for r in rows])
    labels = [r.label for r in rows]
    held = [d.action.value != "allow" for d in decisions]
    auc = roc_auc(labels, [d.harm for d in decisions])
    return {
        "model_version": model.version,
        "roc_auc": None if auc is None else round(auc, 4),
        "holds": sum(held),
        "holds_of_violations": sum(h for h, y in zip(held, labels, strict=True) if y),
        "holds_of_fine": sum(h for h, y in zip(held, labels, strict=True) if not y),
        "overall_level": settings.overall_level,
    }
