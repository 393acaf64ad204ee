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


def trigger_spans_batch(
    model: Model,
    texts: Sequence[str],
    columns: Sequence[Sequence[str]] | None = None,
    *,
    limit: int = 3,
) -> list[dict[str, list[tuple[int, int]]]]:
    """Per text, per column (``columns[i]``, default all), the word spans that pushed the column
    up the most.

    Uses ``Model.word_contributions``: one feature extraction for all the texts a batch has to
    explain.
    """
    out: list[dict[str, list[tuple[int, int]]]] = []
    for i, (words, totals) in enumerate(model.word_contributions(texts)):
        wanted = COLUMNS if columns is None else columns[i]
        per_col: dict[str, list[tuple[int, int]]] = {}
        for col in wanted:
            j = COLUMNS.index(col)
            ranked = sorted(
                ((s, e, float(v)) for (s, e), v in zip(words, totals[:, j], strict=True)),
                key=lambda item: (-item[2], item[0]),
            )
            per_col[col] = [(s, e) for s, e, w in ranked[:limit] if w > 0]
        out.append(per_col)
    return out
