"""A phrase repeated back to back is read once by the model.

Live chat repeats: "WIGGLE WIGGLE WIGGLE ...", "PagMan ROPE PagMan ROPE ...", a copypasta
pasted three times to fill the line. The copies add no meaning, but a bag-of-n-grams model
counts each one, so a harmless phrase pasted ten times scores like a harmful one (and in
another category). ``repeat_spans`` finds the copies after the first of any phrase of up to
``MAX_PHRASE`` words repeated back to back; the model view cuts them like emotes
(``classify.model_view``), so explanations still point at the first copy. Blocked terms and
the severe-harm rules still read the whole message.
"""

from __future__ import annotations

import re
from typing import Final

MAX_PHRASE: Final = 4
_WORD = re.compile(r"\S+")


def repeat_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` holding the second and later back-to-back copies of a
    phrase (the longest stretch of copies wins at each place)."""
    split = text.split()
    if len(set(split)) == len(split):
        return []  # no word twice (or fewer than two): no repeat, most messages end here
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    tokens = [w[2] for w in words]
    n = len(tokens)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < n - 1:
        best_k, best_p = 1, 0
        for p in range(1, MAX_PHRASE + 1):
            if i + 2 * p > n:
                break
            first = tokens[i : i + p]
            k = 1
            while i + (k + 1) * p <= n and tokens[i + k * p : i + (k + 1) * p] == first:
                k += 1
            if k >= 2 and k * p > best_k * best_p:
                best_k, best_p = k, p
        if best_p:
            spans.append((words[i + best_p][0], words[i + best_k * best_p - 1][1]))
            i += best_k * best_p
        else:
            i += 1
    return spans
