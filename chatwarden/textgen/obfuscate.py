"""Seeded evasion tricks that chatters use to slip abuse past a filter.

Each trick is a pure function of ``(text, rng)``: the same text and the same
``random.Random(seed)`` state always give the same output. A trick picks words of the line the
way a chatter would (each word with probability 0.5, and always the longest one) and rewrites
only those, so the result looks like real evasion rather than uniform noise.

Used for training augmentation (``chatwarden.training``) and for measuring robustness
(``chatwarden eval``, ``bench/quality.py``)::

    rng = random.Random(7)
    obfuscate("you are so stupid", "leetspeak", rng)  # e.g. "you are so 5tup1d"
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from typing import Final

__all__ = [
    "TRICKS",
    "WORD_TRICKS",
    "accents",
    "dotted",
    "elongation",
    "fullwidth",
    "homoglyphs",
    "leetspeak",
    "mixed",
    "mixed_case",
    "obfuscate",
    "spaced",
    "zero_width",
]

Trick = Callable[[str, random.Random], str]
WordTrick = Callable[[str, random.Random], str]

_WORD_RE: Final = re.compile(r"[^\W\d_]+")
_WORD_P: Final = 0.5

_LEET: Final[dict[str, tuple[str, ...]]] = {
    "a": ("4", "@"),
    "e": ("3",),
    "i": ("1", "!"),
    "o": ("0",),
    "s": ("5", "$"),
    "t": ("7",),
}

# Cyrillic and Greek letters that render like Latin ones in most chat fonts.
_HOMOGLYPHS: Final[dict[str, tuple[str, ...]]] = {
    "a": ("\u0430", "\u03b1"),  # а α
    "c": ("\u0441", "\u03f2"),  # с ϲ
    "e": ("\u0435",),  # е
    "h": ("\u04bb",),  # һ
    "i": ("\u0456", "\u03b9"),  # і ι
    "j": ("\u0458",),  # ј
    "k": ("\u03ba",),  # κ
    "o": ("\u043e", "\u03bf"),  # о ο
    "p": ("\u0440", "\u03c1"),  # р ρ
    "s": ("\u0455",),  # ѕ
    "u": ("\u03c5",),  # υ
    "v": ("\u03bd",),  # ν
    "x": ("\u0445", "\u03c7"),  # х χ
    "y": ("\u0443",),  # у
}

_ZERO_WIDTH: Final = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")

# grave, acute, circumflex, tilde, diaeresis, cedilla, dot above
_COMBINING: Final = ("\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u0327", "\u0307")

_VOWELS: Final = frozenset("aeiouy")


def _substitute(word: str, rng: random.Random, table: dict[str, tuple[str, ...]]) -> str:
    """Replace letters found in ``table`` (each with p=0.6, at least one)."""
    spots = [i for i, ch in enumerate(word) if ch.lower() in table]
    if not spots:
        return word
    chosen = {i for i in spots if rng.random() < 0.6}
    if not chosen:
        chosen = {rng.choice(spots)}
    return "".join(
        rng.choice(table[ch.lower()]) if i in chosen else ch for i, ch in enumerate(word)
    )


def _leet_word(word: str, rng: random.Random) -> str:
    return _substitute(word, rng, _LEET)


def _homoglyph_word(word: str, rng: random.Random) -> str:
    return _substitute(word, rng, _HOMOGLYPHS)


def _spaced_word(word: str, rng: random.Random) -> str:
    return " ".join(word)


def _dotted_word(word: str, rng: random.Random) -> str:
    return rng.choice((".", ".", "-", "*", "_")).join(word) if len(word) > 1 else word


def _fullwidth_word(word: str, rng: random.Random) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in word)


def _zero_width_word(word: str, rng: random.Random) -> str:
    if len(word) < 2:
        return word
    gaps = rng.sample(range(1, len(word)), k=min(len(word) - 1, rng.randint(1, 2)))
    out = []
    for i, ch in enumerate(word):
        if i in gaps:
            out.append(rng.choice(_ZERO_WIDTH))
        out.append(ch)
    return "".join(out)


def _elongate_word(word: str, rng: random.Random) -> str:
    if not word:
        return word
    vowels = [i for i, ch in enumerate(word) if ch.lower() in _VOWELS]
    i = rng.choice(vowels) if vowels else len(word) - 1
    return word[: i + 1] + word[i] * rng.randint(2, 5) + word[i + 1 :]


def _mixed_case_word(word: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(word) if ch.isascii() and ch.isalpha()]
    if not letters:
        return word
    flipped = {i for i in letters if rng.random() < 0.5}
    if not flipped:
        flipped = {rng.choice(letters)}
    return "".join(ch.swapcase() if i in flipped else ch for i, ch in enumerate(word))


def _accent_word(word: str, rng: random.Random) -> str:
    spots = [i for i, ch in enumerate(word) if ch.isalpha()]
    if not spots:
        return word
    chosen = {i for i in spots if rng.random() < 0.5} or {rng.choice(spots)}
    out = "".join(ch + rng.choice(_COMBINING) if i in chosen else ch for i, ch in enumerate(word))
    # Half the time precomposed (ù), half the time bare combining marks (u + U+0300).
    return unicodedata.normalize("NFC", out) if rng.random() < 0.5 else out


#: Word-level rewrites, in the order ``mixed`` composes them (spacing last, so the others
#: still see whole words).
WORD_TRICKS: Final[dict[str, WordTrick]] = {
    "elongation": _elongate_word,
    "leetspeak": _leet_word,
    "homoglyphs": _homoglyph_word,
    "accents": _accent_word,
    "mixed_case": _mixed_case_word,
    "fullwidth": _fullwidth_word,
    "zero_width": _zero_width_word,
    "spaced": _spaced_word,
    "dotted": _dotted_word,
}


def _apply_words(text: str, rng: random.Random, word_fn: WordTrick) -> str:
    """Rewrite some words of ``text`` with ``word_fn``: each with p=0.5, always the longest."""
    matches = list(_WORD_RE.finditer(text))
    candidates = [m for m in matches if len(m.group()) >= 2] or matches
    if not candidates:
        return text
    longest = max(range(len(candidates)), key=lambda k: len(candidates[k].group()))
    picked = {k for k in range(len(candidates)) if k == longest or rng.random() < _WORD_P}
    new = {k: word_fn(candidates[k].group(), rng) for k in sorted(picked)}
    if all(new[k] == candidates[k].group() for k in new):
        # The trick left the picked words alone (leetspeak on "fuck"): try the others, longest
        # first, until one changes.
        order = sorted(range(len(candidates)), key=lambda k: -len(candidates[k].group()))
        for k in order:
            if k in picked:
                continue
            rewritten = word_fn(candidates[k].group(), rng)
            if rewritten != candidates[k].group():
                new[k] = rewritten
                break
    out: list[str] = []
    pos = 0
    for k, m in enumerate(candidates):
        if k in new:
            out.append(text[pos : m.start()])
            out.append(new[k])
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def leetspeak(text: str, rng: random.Random) -> str:
    """a→4/@, e→3, i→1/!, o→0, s→5/$, t→7 in some words: ``"stupid"`` → ``"5tup1d"``."""
    return _apply_words(text, rng, _leet_word)


def spaced(text: str, rng: random.Random) -> str:
    """Letters spaced apart: ``"fuck"`` → ``"f u c k"``."""
    return _apply_words(text, rng, _spaced_word)


def dotted(text: str, rng: random.Random) -> str:
    """Letters joined by dots (or ``-``, ``*``, ``_``): ``"fuck"`` → ``"f.u.c.k"``."""
    return _apply_words(text, rng, _dotted_word)


def homoglyphs(text: str, rng: random.Random) -> str:
    """Cyrillic and Greek look-alikes: ``"scam"`` → ``"ѕсаm"``."""
    return _apply_words(text, rng, _homoglyph_word)


def fullwidth(text: str, rng: random.Random) -> str:
    """Fullwidth forms: ``"fuck"`` → ``"ｆｕｃｋ"``."""
    return _apply_words(text, rng, _fullwidth_word)


def zero_width(text: str, rng: random.Random) -> str:
    """Invisible zero-width characters inside words: ``"fu\\u200bck"``."""
    return _apply_words(text, rng, _zero_width_word)


def elongation(text: str, rng: random.Random) -> str:
    """A repeated letter: ``"stupid"`` → ``"stuuuupid"``."""
    return _apply_words(text, rng, _elongate_word)


def mixed_case(text: str, rng: random.Random) -> str:
    """Random upper and lower case: ``"stupid"`` → ``"StUpId"``."""
    return _apply_words(text, rng, _mixed_case_word)


def accents(text: str, rng: random.Random) -> str:
    """Accents and combining marks: ``"fuck"`` → ``"fùçk"``."""
    return _apply_words(text, rng, _accent_word)


def mixed(text: str, rng: random.Random) -> str:
    """Two or three of the other tricks on the same words: ``"stupid"`` → ``"$ t u u u p ! d"``."""
    names = list(WORD_TRICKS)
    chosen = set(rng.sample(names, k=rng.randint(2, 3)))
    if {"spaced", "dotted"} <= chosen:
        chosen.discard(rng.choice(("spaced", "dotted")))
    fns = [WORD_TRICKS[n] for n in names if n in chosen]  # canonical order, spacing last

    def word_fn(word: str, rng: random.Random) -> str:
        for fn in fns:
            word = fn(word, rng)
        return word

    return _apply_words(text, rng, word_fn)


#: Every trick by name; ``mixed`` combines two or three of the others.
TRICKS: Final[dict[str, Trick]] = {
    "leetspeak": leetspeak,
    "spaced": spaced,
    "dotted": dotted,
    "homoglyphs": homoglyphs,
    "fullwidth": fullwidth,
    "zero_width": zero_width,
    "elongation": elongation,
    "mixed_case": mixed_case,
    "accents": accents,
    "mixed": mixed,
}


def obfuscate(text: str, trick: str, rng: random.Random) -> str:
    """Apply the trick named ``trick`` to ``text``; raises ``KeyError`` naming the known tricks."""
    try:
        fn = TRICKS[trick]
    except KeyError:
        raise KeyError(f"unknown trick {trick!r}; expected one of {', '.join(TRICKS)}") from None
    return fn(text, rng)
