"""Starred-out letters filled in: "c*nt" -> "cunt", "n*gg*r" -> "nigger", "f**k" -> "fuck".

Chat masks a word's letters with ``*`` to slip past word filters while every reader still sees
the word. A word here is letters with one or more ``*`` between or after them (never before:
"*sigh*" and "*hugs*" are actions, not masks); each ``*`` stands for one letter. It is filled in
only from the words people mask, the slurs of ``vocab/severe.txt`` and the swear words of
``vocab/masked.txt``, and only when every word that fits is a spelling of the same word (the
words of one slur line or one ``masked.txt`` line); "s**t" (shit or slut) stays as written. At
least two letters must show, so "f***" is left alone. One character for one: offsets do not move.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Final

__all__ = ["MASK_RE", "fill_masks"]

MASK_RE: Final = re.compile(r"(?<![a-z*])[a-z]+\*+(?:[a-z]+\*+)*[a-z]*(?![a-z*])")
"""A word with starred letters: letters first, then stars and letters (a trailing star too)."""

_VOCAB: Final = Path(__file__).resolve().parent / "vocab"
_SLUR_WORD: Final = re.compile(r"[a-z]+")


@functools.cache
def _groups() -> dict[int, list[tuple[str, int]]]:
    """Maskable words by length, each with the number of its group (its line)."""
    by_len: dict[int, list[tuple[str, int]]] = {}
    group = 0
    for name, keep in (("severe.txt", _slur_line), ("masked.txt", _plain_line)):
        try:
            lines = (_VOCAB / name).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            words = keep(line)
            if not words:
                continue
            group += 1
            for word in words:
                by_len.setdefault(len(word), []).append((word, group))
    return by_len


def _slur_line(line: str) -> list[str]:
    """The one-word forms of a ``slur`` line of severe.txt (its last field, ``|``-separated)."""
    fields = line.split(maxsplit=3)
    if len(fields) < 4 or fields[0] != "slur":
        return []
    return [w for w in fields[3].split("|") if _SLUR_WORD.fullmatch(w)]


def _plain_line(line: str) -> list[str]:
    line = line.strip()
    if not line or line.startswith("#"):
        return []
    return [w for w in line.split() if _SLUR_WORD.fullmatch(w)]


def fill(word: str) -> str | None:
    """The word a starred ``word`` (as ``MASK_RE`` matches it) spells, or None."""
    if len(word) - word.count("*") < 2:
        return None
    known = [(i, c) for i, c in enumerate(word) if c != "*"]
    found: str | None = None
    group = 0
    for candidate, g in _groups().get(len(word), ()):
        if all(candidate[i] == c for i, c in known):
            if found is None:
                found, group = candidate, g
            elif g != group:
                return None  # two different words fit
    return found


def fill_masks(token: str) -> str:
    """``token`` with every starred word that spells one maskable word filled in."""
    if "*" not in token:
        return token
    return MASK_RE.sub(lambda m: fill(m.group()) or m.group(), token)
