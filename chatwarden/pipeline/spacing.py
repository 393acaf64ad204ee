"""Whitespace and spaced-out letters: "f   u c k" -> "fuck", "f.u.c.k" -> "fuck".

Works on folded text, where every whitespace character is already a plain space, and on a
``starts`` offset map that it keeps in step with every character it drops.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from chatwarden.pipeline.words import is_word, segment

Starts = Sequence[int]
"""Origin code point of each character: a ``range`` while nothing moved, else a list."""

OPENERS = frozenset('([{"<')
"""A spaced-out word may start right after one of these (or a space, or the start)."""

SEPARATORS = frozenset(".-_*~,/\\:;'^=")
"""Characters that may sit between spaced-out letters instead of (or around) spaces."""

PAIR_SEPARATORS = ".-_*~"
"""Separators that join even two single letters ("a-t", "m.e"): not the apostrophe ("I'm"),
the slash ("w/o") or the punctuation of smileys (":D")."""


def delete(s: str, starts: Starts, cuts: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """Drop the sorted, disjoint ``cuts`` ranges from ``s`` and from its ``starts``."""
    parts: list[str] = []
    out: list[int] = []
    pos = 0
    for a, b in cuts:
        parts.append(s[pos:a])
        out.extend(starts[pos:a])
        pos = b
    parts.append(s[pos:])
    out.extend(starts[pos:])
    return "".join(parts), out


_SPACES_RE = re.compile(r" {2,}|^ | $")


def collapse_spaces(s: str, starts: Starts, tail: int) -> tuple[str, Starts, int]:
    """Runs of spaces become one; leading and trailing ones go (and map to nothing)."""
    if not (s.startswith(" ") or s.endswith(" ") or "  " in s):
        return s, starts, tail
    n = len(s)
    cuts = []
    for m in _SPACES_RE.finditer(s):
        a, b = m.span()
        cuts.append((a, b) if a == 0 or b == n else (a + 1, b))
    if cuts[-1][1] == n and cuts[-1][0] > 0:
        tail = starts[cuts[-1][0]]
    s, out = delete(s, starts, cuts)
    return s, out, tail


_SEPS = re.escape("".join(sorted(SEPARATORS)))
_J = r"(?:[^\W_]|[$@]|(?<=[ " + _SEPS + r"])!(?=[ " + _SEPS + r"]))"
"""A letter, digit, or leet symbol that can stand for a letter; "!" only standing alone
between spaces or separators ("f u c k ! n g"; never the "!" that ends "s i c k!")."""
_SINGLE = rf"{_J}(?!{_J})"  # ... standing alone
_SEP_CLASS = f"[{_SEPS}]"
_SPACED = rf"{_J}(?!{_J}|{_SEP_CLASS}+{_J})"  # ... and not the first letter of "t.o.o.k"
_PAIR_SEP_CLASS = "[" + re.escape(PAIR_SEPARATORS) + "]"
JOIN_RE = re.compile(
    r"(?<![^ (\[{\"<])"
    rf"(?:{_SPACED}(?: +{_SPACED})+"  # f u c k; g g
    rf"|{_SINGLE}( *)({_SEP_CLASS})\2{{0,2}}( *){_SINGLE}(?:\1\2{{1,3}}\3{_SINGLE})+"
    rf"(?!\1\2+\3{_J})"
    rf"|{_SINGLE}(?!\*\*)({_PAIR_SEP_CLASS})\4{{0,2}}{_SINGLE}(?!\4*{_J}))"
)
"""Two or more one-character tokens split by spaces ("f u c k", "g g"); three or more split by
one repeated separator (once or up to three times in a row: "f.u.c.k", "f--u--c--k", which is
also what "f-\u200b-u" leaves once the zero-width character is gone), or two split by a
separator of ``PAIR_SEPARATORS`` with no space ("a-t", "m.e"; never "I'm"; two letters around
two or more stars are a starred-out word, "n***a", for ``masks``). The spaces before
and after the separator are the same all along a run ("f . u . c . k", "f .u .c .k"; never
"m.i.d. a.n.d"). A run ends where a separator is followed by a space ("d.i.e. at"); a separator
followed at once by a letter or digit carries it on, so "e.g.this" is left alone."""


_LOOKUP: Final = str.maketrans("013457@$!", "oieastasi")


def _spells_word(seg: str) -> bool:
    """Whether a run with fewer than two letters spells a word of three letters or more once
    its digits and symbols are read as letters ("$-h-0-0-7" is "shoot", "g.3.7" "get"; "1 2 3"
    and "7-0-0" are no words)."""
    chars = "".join(c for c in seg if c != " " and c not in SEPARATORS)
    letters = chars.translate(_LOOKUP)
    return not chars.isdigit() and len(letters) >= 3 and letters.isalpha() and is_word(letters)


def join_spaced(s: str, starts: Starts) -> tuple[str, Starts]:
    """Rejoin spaced-out letters; a run needs two letters, or to spell a word with its digits
    read as letters (``_spells_word``), so "1 2 3" stays a count.

    A separated run takes its separator along when it also ends the word ("f.u.c.k." ->
    "fuck", "w.i.l.l_" -> "will"). A run of letters split by single spaces may hold several
    words ("y o u a r e d u m b"): when it splits into dictionary words (``words.segment``),
    the spaces between those words stay ("you are dumb"); a run that is one word, or no words
    ("k y s"), is joined whole."""
    cuts: list[tuple[int, int]] = []
    for m in JOIN_RE.finditer(s):
        seg = m.group()
        if sum(c.isalpha() for c in seg) < 2 and not _spells_word(seg):
            continue
        gaps: list[tuple[int, int]] = []
        gap = -1
        for i, c in enumerate(seg, m.start()):
            if c == " " or c in SEPARATORS:
                if gap < 0:
                    gap = i
            elif gap >= 0:
                gaps.append((gap, i))
                gap = -1
        keep: set[int] = set()
        if all(b - a == 1 and s[a] == " " for a, b in gaps):
            letters = "".join(c for c in seg if c != " ").translate(_LOOKUP)
            keep = set(segment(letters) or ())  # a word starts after gap k - 1
        cuts.extend(g for k, g in enumerate(gaps, start=1) if k not in keep)
        sep = m.group(2) or m.group(4)
        if sep:  # "f.u.c.k." -> "fuck": the run's separator after its last letter goes too
            end = after = m.end()
            while after < len(s) and s[after] == sep:
                after += 1
            if after > end and (after == len(s) or s[after] == " "):
                cuts.append((end, after))
    if not cuts:
        return s, starts
    return delete(s, starts, cuts)


_ASCII_J = frozenset("abcdefghijklmnopqrstuvwxyz0123456789$@")


def _is_j(c: str) -> bool:
    return c in _ASCII_J or (c.isalnum() and c != "_")


def edges(token: str) -> tuple[bool, bool]:
    """Whether a spaced-out run could reach into ``token`` from the left / leave it rightwards.

    Conservative (a true answer only means "maybe"). A run crossing a space needs the token
    before it to end in a live single letter or separator and the token after it to start
    with one; so when no neighbouring pair of tokens says "maybe", the text has no run
    spanning tokens and each token can be normalised on its own.
    """
    n = len(token)
    if token == "!":
        return True, True  # a lone "!" can be a spaced-out "i" ("f u c k ! n g")
    if n >= 2 and all(map(_is_j, (token[0], token[1], token[-2], token[-1]))):
        return False, False  # an ordinary word: no single letter at either edge
    first = token[0]
    left = first in SEPARATORS or (_is_j(first) and (n == 1 or not _is_j(token[1])))
    live = [False] * n  # a single letter that a run starting in or before the token can use
    for i, c in enumerate(token):
        if not _is_j(c) or (i and _is_j(token[i - 1])) or (i + 1 < n and _is_j(token[i + 1])):
            continue
        before = token[i - 1] if i else " "
        live[i] = (
            before == " "
            or before in OPENERS
            or (before in SEPARATORS and (i == 1 or (i >= 2 and live[i - 2])))
        )
    last = token[-1]
    if last in SEPARATORS:
        right = n == 1 or live[n - 2]
    else:
        right = live[n - 1]
    return left, right
