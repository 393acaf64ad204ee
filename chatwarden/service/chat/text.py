"""What a chat message's text must be: something a reader can see, without bidi overrides.

Blank-looking messages are a spam and evasion trick: U+3164 HANGUL FILLER (and its
relatives U+115F, U+1160, U+FFA0), U+2800 BRAILLE PATTERN BLANK, tag characters
(U+E0000-E007F), zero-width characters, bidi controls, variation selectors and combining
marks with nothing to sit on all render as nothing, yet pass a plain "is it empty?" check.
``visible_text`` refuses a message that is empty once they are removed.

Bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) make text display in an
order other than the one it is stored in (``"gg \\u202eevil"`` shows reversed), so a moderator
reads something other than what AutoMod checked: they are removed from every accepted message.
"""

from __future__ import annotations

import re
import unicodedata

from chatwarden.errors import InputError

#: bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI)
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

#: code points that render as nothing but are letters or symbols to Unicode
_BLANK_GRAPHICS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Default_Ignorable_Code_Point ranges not already caught by their category
_IGNORABLE_RANGES = ((0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))
#: categories that show nothing on their own: format controls (zero-width, bidi, tags, soft
#: hyphen), combining marks without a base (variation selectors included) and separators
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Mn", "Me", "Zs", "Zl", "Zp"})


def is_invisible(ch: str) -> bool:
    """Whether ``ch`` on its own shows nothing to a reader."""
    if ch in _BLANK_GRAPHICS or ch.isspace():
        return True
    cp = ord(ch)
    if any(lo <= cp <= hi for lo, hi in _IGNORABLE_RANGES):
        return True
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def strip_bidi_controls(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def visible_text(text: str) -> str:
    """``text`` without bidi controls; ``InputError`` when nothing visible is left."""
    text = strip_bidi_controls(text)
    if not any(not is_invisible(ch) for ch in text):
        raise InputError(
            "message has no visible characters: it is empty once invisible characters "
            "(spaces, U+3164 HANGUL FILLER and other fillers, zero-width and bidi controls, "
            "tag characters, variation selectors) are removed"
        )
    return text
