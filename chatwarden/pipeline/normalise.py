"""(2) Normalise a message against evasion, keeping a map back to the original characters.

Stages, in order (each sees the previous one's output):

1. per character (``fold``): invisible and bidi characters dropped, NFKC, casefold, accents
   and zalgo stripped, look-alike letters folded to ASCII;
2. whitespace collapsed to single spaces and stripped;
3. letters spaced or dotted apart rejoined ("f u c k", "f.u.c.k" -> "fuck"); a spaced run
   that splits into dictionary words keeps those breaks ("y o u a r e d u m b" ->
   "you are dumb", ``spacing`` and ``words``);
4. leetspeak decoded inside words (``leet``), and starred-out letters filled in when the word
   can only be one slur or swear word ("c*nt", "n*gg*r"; ``masks``);
5. runs of 3+ identical characters squeezed to 2 ("zorbbbb" -> "zorbb"), or to 1 when that
   makes a dictionary word and 2 do not ("stuuuupid" -> "stupid", but "gooood" -> "good");
   digits kept.

URLs and @mentions are left alone by 4 and 5. Every stage only drops characters or replaces
them one for one (folding may expand one code point to several), so the offset map is a list
of origin code points (``starts``), and each output character also covers whatever was
dropped after it (``ends``). The result is idempotent: ``normalise(n.text).text == n.text``.

Pure ASCII printable text, most of chat, skips the per-character work: it is split at
spaces and each token's verdict (clean, or how it changes, and whether a spaced-out run could
cross its edges) is cached, so a typical line costs a split and a few dict lookups.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chatwarden.pipeline.fold import CONTEXT_MARK, MARK_EATERS, fold_char, table
from chatwarden.pipeline.spacing import JOIN_RE, Starts, collapse_spaces, edges, join_spaced
from chatwarden.pipeline.tokens import post, post_text, post_tokens


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
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, 0), n)
        if start >= end:
            pos = self.starts[start] if start < n else (self.ends[-1] if n else 0)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


# ---- stage 1: per character --------------------------------------------------------------


def _fold(text: str) -> tuple[str, list[int], int, bool]:
    """Fold every code point; returns text, starts, tail (end of the last char), expanded."""
    fold = table()
    parts: list[str] = []
    starts: list[int] = []
    tail = 0
    expanded = False
    prev = ""
    for i, ch in enumerate(text):
        out = fold.get(ch)
        if out is None:
            out = fold_char(ch)
        if out is CONTEXT_MARK:
            out = "" if prev in MARK_EATERS else ch
        if out:
            parts.append(out)
            if len(out) == 1:
                starts.append(i)
            else:
                starts.extend([i] * len(out))
                expanded = True
            prev = out[-1]
            tail = i + 1
        elif starts:
            tail = i + 1  # a dropped mark or zero-width char belongs to the char before it
    return "".join(parts), starts, tail, expanded


# ---- offsets ---------------------------------------------------------------------------------

_IDENTITY: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}


def _identity(n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    hit = _IDENTITY.get(n)
    if hit is None:
        hit = (tuple(range(n)), tuple(range(1, n + 1)))
        if n <= 512:
            _IDENTITY[n] = hit
    return hit


def _ends(starts: Sequence[int], tail: int, expanded: bool) -> tuple[int, ...]:
    """Each char reaches to the next char from a later code point, the last one to ``tail``."""
    if not starts:
        return ()
    if not expanded:
        return (*starts[1:], tail)
    ends = [0] * len(starts)
    nxt = tail
    for i in range(len(starts) - 1, -1, -1):
        ends[i] = nxt
        if i and starts[i - 1] != starts[i]:
            nxt = starts[i]
    return tuple(ends)


# ---- public API -------------------------------------------------------------------------------


_CODES: dict[str, str] = {}
_CODES_MAX = 100_000


def _code(token: str) -> str:
    """One letter for a token: "J" may hold a spaced-out word; else its edges (``spacing.edges``)
    as c (neither) l (left) r (right) b (both), upper case when ``post`` changes it."""
    if JOIN_RE.search(token):
        code = "J"
    else:
        left, right = edges(token)
        code = "clrb"[left + 2 * right]
        if post(token) is not None:
            code = code.upper()
    if len(_CODES) >= _CODES_MAX:
        _CODES.clear()
    _CODES[token] = code
    return code


def _ascii(text: str) -> Normalised | None:
    """Printable-ASCII fast path; None when a spaced-out word may cross tokens."""
    s = text.lower()
    tokens = s.split(" ")
    if "" in tokens:
        return None
    codes = list(map(_CODES.get, tokens))
    if None in codes:
        codes = [_CODES.get(t) or _code(t) for t in tokens]
    code = "".join(codes)  # type: ignore[arg-type]  # no None left
    if "J" in code:
        return None
    low = code.lower()
    if "rl" in low or "rb" in low or "bl" in low or "bb" in low:
        return None
    if code.islower():
        first, ends = _identity(len(s))
        return Normalised(text, s, first, ends)
    out, starts = post_tokens(tokens, range(len(s)))
    return Normalised(text, out, tuple(starts), (*starts[1:], len(s)))


def normalise(text: str) -> Normalised:
    """Normalise ``text`` against evasion; see the module docstring for the stages."""
    if text.isascii() and text.isprintable():
        fast = _ascii(text)
        if fast is not None:
            return fast
    starts: Starts
    if text.isascii() and text.isprintable():
        s, starts, tail, expanded = text.lower(), range(len(text)), len(text), False
    else:
        s, starts, tail, expanded = _fold(text)
    s, starts, tail = collapse_spaces(s, starts, tail)
    s, starts = join_spaced(s, starts)
    s, starts = post_text(s, starts)
    if isinstance(starts, range):
        first, ends = _identity(len(s))
        return Normalised(text, s, first, ends)
    return Normalised(text, s, tuple(starts), _ends(starts, tail, expanded))


def normalise_text(text: str) -> str:
    """Just the normalised text: ``normalise(text).text``."""
    return normalise(text).text


_RUNS_RE = re.compile(r"(.)\1+", re.DOTALL)
_DOUBLE_RE = re.compile(r"(.)\1", re.DOTALL)
_SAME_NEXT_RE = re.compile(r"(.)(?=\1)", re.DOTALL)  # a character the next one repeats


def _first(m: re.Match[str]) -> str:
    return m[1]


def skeleton(word: str) -> str:
    """Collapse every run of one repeated character to one: "stuupid" -> "stupid".

    The term matcher compares skeletons, so "stuupid" (left by the squeeze) still hits
    "stupid" while "ass" and "as" stay apart where the term list wants them apart.
    """
    return _RUNS_RE.sub(_first, word) if _DOUBLE_RE.search(word) else word


def unelongated(norm: Normalised) -> tuple[str, tuple[int, ...]] | None:
    """``norm.text`` with each letter pair the squeeze left of a longer run cut to one letter
    ("aree" from "areeee" -> "are", "kidss" -> "kids"), and for each of its characters the
    index in ``norm.text``; None when nothing was elongated.

    The squeeze keeps two letters because English doubles letters ("good", "see"), so rules
    that spell words exactly try this reading too: a run of three or more letters in the
    original is an elongation, and the word usually has one of that letter.
    """
    text = norm.text
    starts, ends = norm.starts, norm.ends
    cuts: set[int] = set()
    for m in _SAME_NEXT_RE.finditer(text):  # only letters equal to the one before can go
        i = m.end()
        if text[i].isalpha() and ends[i] - starts[i - 1] >= 3 and i - 1 not in cuts:
            cuts.add(i)
    if not cuts:
        return None
    keep = [i for i in range(len(text)) if i not in cuts]
    return "".join(text[i] for i in keep), tuple(keep)
