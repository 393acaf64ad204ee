"""(2) Normalise a message against evasion, keeping a map back to the original characters.

STUB: replaced by the full implementation (NFKC, confusables, leetspeak, spacing, repeats).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Normalised:
    """A normalised message with a map from each normalised character to the original.

    ``starts[i]``/``ends[i]`` give the half-open range of code points in ``original`` that
    produced ``text[i]``.
    """

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open range of ``text`` to the range of ``original`` it came from."""
        if start >= end or not self.text:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def normalise(text: str) -> Normalised:
    out = text.lower()
    n = len(out)
    return Normalised(text, out, tuple(range(n)), tuple(range(1, n + 1)))
