"""(4) Classify: per-category probabilities from the model for normalised texts.

Permitted terms clear only the span they cover, so those characters are cut out before the
model sees the text; so are the channel's emote codes and the bundled live-chat vocabulary
(``pipeline.vocab``: emotes, emote shapes, slang, innocent words). They are cut, not blanked:
the model's n-grams are averaged over the line, so a line padded with emotes (or with blanks)
would otherwise dilute the words around them. ``ModelView.at`` maps the cut text back.
Explanations name the words that carry a column's score, never function words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, NamedTuple

import numpy as np

from chatwarden.categories import Category
from chatwarden.model import COLUMNS, Model
from chatwarden.pipeline.normalise import Normalised, normalise
from chatwarden.pipeline.repeats import repeat_spans
from chatwarden.pipeline.vocab import vocab_spans

Spans = Sequence[tuple[int, int]]

STOP_WORDS: Final = frozenset(
    """a an the this that these those is are was were be been being am i me my mine you your
    yours u ur r he him his she her hers it its we us our ours they them their theirs to of in
    on at for with by from as into onto about and or but so if then than do does did done has
    have had having will would shall should can could may might must just very too also there
    here what which who whom whose when where why how s re m ll ve d im youre its thats theres
    o oh ok okay""".split()
)
"""Function words: never named as the words behind a score, whatever their weight."""

MIN_SHARE: Final = 0.25
"""A named word carries at least this share of the top word's contribution to the column."""

_WORD_RE: Final = re.compile(r"[^\W_]+")


def mask_spans(text: str, spans: Spans) -> str:
    """Blank out ``spans`` of ``text`` (keeping length, so offsets stay valid)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


class ModelView(NamedTuple):
    """What the model reads of a normalised text: ``text``, and for each of its characters the
    offset in the normalised text it came from (``at``; None when nothing was cut)."""

    text: str
    at: tuple[int, ...] | None = None

    def to_normalised(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty range of ``text`` to the normalised text."""
        if self.at is None:
            return start, end
        return self.at[start], self.at[end - 1] + 1


def cut_spans(text: str, spans: Spans) -> ModelView:
    """``text`` without ``spans``; the pieces left are joined by single spaces."""
    if not spans:
        return ModelView(text)
    pieces: list[str] = []
    at: list[int] = []
    pos = 0
    n = len(text)
    for start, end in [*sorted(spans), (n, n)]:
        if start > pos:
            lo, hi = pos, start
            while lo < hi and text[lo] == " ":
                lo += 1
            while hi > lo and text[hi - 1] == " ":
                hi -= 1
            if lo < hi:
                if pieces:
                    pieces.append(" ")
                    at.append(lo - 1)
                pieces.append(text[lo:hi])
                at.extend(range(lo, hi))
        pos = max(pos, end)
    return ModelView("".join(pieces), tuple(at))


def model_view(
    norm: Normalised, spans: Spans = (), emotes: frozenset[str] = frozenset()
) -> ModelView:
    """What the model scores: ``norm.text`` without ``spans`` (permitted terms), the channel's
    ``emotes``, the bundled live-chat vocabulary (``vocab_spans``) and the back-to-back copies
    of a repeated phrase after its first (``repeats.repeat_spans``)."""
    hidden = vocab_spans(norm, emotes)
    hidden.extend(repeat_spans(norm.text))
    if spans:
        hidden.extend(spans)
    return cut_spans(norm.text, hidden) if hidden else ModelView(norm.text)


def model_input(norm: Normalised, spans: Spans = (), emotes: frozenset[str] = frozenset()) -> str:
    """``model_view(...).text``: the text the model scores."""
    return model_view(norm, spans, emotes).text


def model_text(text: str) -> str:
    """``model_input(normalise(text))``: what the model reads of a raw line with no channel
    settings (train on the same, so that training and serving read the same text)."""
    return model_input(normalise(text))


def is_function_word(word: str) -> bool:
    """Whether a word of normalised text is only function words ("you", "are", "you're")."""
    if word in STOP_WORDS:
        return True
    if word.isalnum():
        return False
    return all(p in STOP_WORDS for p in _WORD_RE.findall(word))


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
    """Per text, per column (``columns[i]``, default all), the (at most ``limit``) word spans
    that pushed the column up the most.

    Function words (``STOP_WORDS``) are never named, nor a word with less than ``MIN_SHARE`` of
    the top named word's contribution: "you are a worthless idiot" names "worthless idiot".
    Uses ``Model.word_contributions``: one feature extraction for all the texts a batch has to
    explain.
    """
    out: list[dict[str, list[tuple[int, int]]]] = []
    for i, (words, totals) in enumerate(model.word_contributions(texts)):
        wanted = COLUMNS if columns is None else columns[i]
        text = texts[i]
        content = [k for k, (s, e) in enumerate(words) if not is_function_word(text[s:e])]
        per_col: dict[str, list[tuple[int, int]]] = {}
        for col in wanted:
            j = COLUMNS.index(col)
            ranked = sorted(
                ((words[k][0], words[k][1], float(totals[k, j])) for k in content),
                key=lambda item: (-item[2], item[0]),
            )
            floor = MIN_SHARE * ranked[0][2] if ranked else 0.0
            per_col[col] = [(s, e) for s, e, w in ranked[:limit] if w > 0 and w >= floor]
        out.append(per_col)
    return out
