"""Fold one character to the plain lowercase form an evader's look-alike stands for.

Per character (not per string) so that the normaliser always knows which original code point
produced each output character. The table is filled lazily and cached: a chat message only
ever pays a dict lookup per character.

Order: drop invisible characters; NFKC (fullwidth, math alphabets, ligatures, circled
letters); casefold; strip accents and zalgo marks; fold Cyrillic/Greek/IPA look-alikes to
ASCII using Unicode's confusables data (shipped by ``confusable_homoglyphs``). The result is
a fixpoint: folding any output character again gives it back, which makes ``normalise``
idempotent.
"""

from __future__ import annotations

import json
import string
import unicodedata
from functools import cache
from importlib.resources import files

CONTEXT_MARK = "\x00mark"
"""Returned for a script-specific combining mark (Thai vowel, Devanagari sign...).

Such a mark is dropped after a Latin letter (zalgo made from other scripts) but kept in its
own script, where removing it would change the word.
"""

# Default_Ignorable_Code_Point plus the usual invisible spacers evaders insert.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x200B, 0x200F),  # zero-width space/joiners, LRM/RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical format controls
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement
)

# Combining marks that carry no meaning of their own in any script: accents and zalgo noise.
_GENERIC_MARK_RANGES = (
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)

MARK_EATERS = frozenset(string.ascii_lowercase + string.digits + "$@!|+")
"""After one of these a script-specific mark is noise and dropped (leet symbols included,
as they turn into letters later)."""

_EXTRA_SPACES = frozenset("\u2800")  # braille blank: looks like a space, is not isspace()

# Letters with no decomposition that still read as plain Latin in chat.
_LATIN_EXTRAS = {
    "ø": "o",
    "ı": "i",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "ŧ": "t",
    "ƀ": "b",
    "ɨ": "i",
    "ʉ": "u",
    "æ": "ae",
    "œ": "oe",
    "ĸ": "k",
    "ſ": "s",
    **dict(
        zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True)
    ),  # small caps
}

# Letters whose compatibility form reads as another letter: the lunate sigma is drawn "c", but
# NFKC makes it "ς" and casefolding "σ", which reads "o".
_AS_DRAWN = {"\u03f2": "c", "\u03f9": "c"}  # ϲ Ϲ

# Look-alikes the confusables data lists under two ASCII targets; the reading chat means.
_AMBIGUOUS = {"σ": "o", "ɩ": "i", "ι": "i", "і": "i", "ӏ": "i", "ƽ": "s", "υ": "u", "ν": "v"}


def _in_ranges(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _is_generic_mark(ch: str) -> bool:
    return _in_ranges(ord(ch), _GENERIC_MARK_RANGES)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")


def _base(ch: str) -> str:
    """NFKC, casefold, then drop generic marks: the script-independent part of folding."""
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch).casefold())
    s = "".join(c for c in s if not _is_generic_mark(c))
    return unicodedata.normalize("NFC", s)


def _enclosed_letters() -> dict[str, str]:
    """Regional indicators and negative squared/circled letters (no NFKC decomposition)."""
    out: dict[str, str] = {}
    for first in (0x1F1E6, 0x1F170, 0x1F150):
        for i, letter in enumerate(string.ascii_lowercase):
            out[chr(first + i)] = letter
    return out


@cache
def lookalikes() -> dict[str, str]:
    """Map of folded non-ASCII characters to the ASCII letter or digit they imitate.

    Built once from ``confusables.json``: every single character listed as confusable with
    an ASCII letter or digit. A letter wins over a digit ("о" is "o", not "0"), so words stay
    words; leetspeak handles real digits later.
    """
    raw = files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    data: dict[str, list[dict[str, str]]] = json.loads(raw)
    found: dict[str, set[str]] = {}
    for key in string.ascii_letters + string.digits:
        for entry in data.get(key, ()):
            glyph = entry["c"]
            if len(glyph) != 1:
                continue
            src = _base(glyph)
            if len(src) == 1 and not src.isascii():
                found.setdefault(src, set()).add(key.lower())
    out: dict[str, str] = {}
    for src, targets in found.items():
        letters = sorted(t for t in targets if t.isalpha())
        out[src] = _AMBIGUOUS.get(src) or (letters or sorted(targets))[0]
    out.update(_enclosed_letters())
    out.update(_LATIN_EXTRAS)
    return out


def _fold_once(ch: str) -> str:
    drawn = _AS_DRAWN.get(ch)
    if drawn is not None:
        return drawn
    cp = ord(ch)
    if 0xD800 <= cp <= 0xDFFF or _in_ranges(cp, _IGNORABLE_RANGES):
        return ""  # lone surrogates too: they cannot be encoded downstream
    cat = unicodedata.category(ch)
    if ch.isspace() or ch in _EXTRA_SPACES:
        return " "
    if cat in ("Cc", "Cf"):
        return ""
    if cat in ("Mn", "Me"):
        return "" if _is_generic_mark(ch) else CONTEXT_MARK
    table = lookalikes()
    out: list[str] = []
    for c in _base(ch):
        if c.isspace():
            out.append(" ")
        elif _is_mark(c) and out and out[-1] in MARK_EATERS:
            continue
        else:
            out.append(table.get(c, c))
    return "".join(out)


_TABLE: dict[str, str] = {}


def fold_char(ch: str) -> str:
    """Fold one code point; ``""`` drops it, ``CONTEXT_MARK`` defers to the previous letter."""
    hit = _TABLE.get(ch)
    if hit is not None:
        return hit
    out = _fold_once(ch)
    for _ in range(4):  # reach a fixpoint; NFKC after casefold rarely needs a second round
        if out == CONTEXT_MARK or len(out) == 0:
            break
        again = "".join(
            c if _is_mark(c) and not _is_generic_mark(c) else _fold_once(c) for c in out
        )
        if again == out:
            break
        out = again
    _TABLE[ch] = out
    return out


def table() -> dict[str, str]:
    """The live fold cache (read-only use), for the normaliser's hot loop."""
    return _TABLE


def _prefill() -> None:
    for i in range(128):
        fold_char(chr(i))


_prefill()
