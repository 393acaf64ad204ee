"""(4) Classify: per-category probabilities from the model for normalised texts.

Permitted terms clear only the span they cover, so those characters are masked out before the
model sees the text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chatwarden.categories import Category
from chatwarden.model import COLUMNS, Model

Spans = Sequence[tuple[int, int]]


def mask_spans(text: str, spans: Spans) -> str:
    """Blank out ``spans`` of ``text`` (keeping length, so offsets stay valid)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def score_rows(model: Model, texts: Sequence[str]) -> list[tuple[float, dict[Category, float]]]:
    """``(harm, {category: probability})`` for each normalised text."""
    if not texts:
        return []
    probs = np.asarray(model.predict(texts), dtype=np.float64)
    rows = probs.tolist()
    cols = COLUMNS[1:]
    return [(row[0], dict(zip(cols, row[1:], strict=True))) for row in rows]  # type: ignore[misc]


def trigger_spans(model: Model, text: str, column: str, *, limit: int = 3) -> list[tuple[int, int]]:
    """The word spans (normalised coordinates) that pushed ``column`` up the most."""
    contribs = model.contributions(text, column)
    return [(s, e) for s, e, w in contribs[:limit] if w > 0]
