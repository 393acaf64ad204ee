"""Which parts of a chat message are emotes or emoji, not text, for the spam filters.

An emote is a whole word of the message (between whitespace, exactly as written) that is one of
the channel's emote codes, one of the bundled global/third-party codes the AutoMod's vocabulary
stage knows (``chatwarden.pipeline.vocab.EMOTES``: "KEKW", "PogChamp", "D:") or has the shape
of a channel emote ("vkimmWiggle", "moon2SMUG": ``chatwarden.pipeline.vocab.is_emote_shape``).
Chat clients draw these as pictures, so the caps, symbols and repetition filters do not read
them as capitals, symbols or repeated words. Emoji (pictographs, with their joiners, variation
selectors, skin tones and keycaps) are pictures too; braille, box-drawing and block characters,
the stuff of text-art spam, are not emoji and stay symbols, except the characters that draw
nothing (``INVISIBLE_RE``).
"""

from __future__ import annotations

import re
from typing import Final

from chatwarden.pipeline.vocab import EMOTES, is_emote_shape

__all__ = [
    "EMOJI_RE",
    "INVISIBLE_RE",
    "SMILEYS",
    "count_emoji",
    "is_emote",
    "is_picture",
    "may_hold_smiley",
    "text_words",
]

EMOJI_RE: Final = re.compile(
    "["
    "\U0001f000-\U0001faff"  # mahjong, cards, enclosed supplement, flags, pictographs, emoticons
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats (sun, heart, check mark)
    "\u231a\u231b\u2328\u23cf\u23e9-\u23fa"  # watch, hourglass, media buttons
    "\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55"  # arrows, squares, star, circle
    "\u3030\u303d\u3297\u3299"
    "\u200d\u20e3\ufe0e\ufe0f"  # zero-width joiner, keycap, variation selectors
    "\U000e0020-\U000e007f"  # tag characters (subdivision flags)
    "]"
)
"""One emoji code point (or a joiner or modifier that is part of one)."""

INVISIBLE_RE: Final = re.compile("[\u034f\u200b\u200c\u2060\u2800\ufeff\U000e0000]")
"""A character that draws nothing: zero-width characters, the braille blank (padding in text
art and emote lines) and U+E0000, which chat clients append to get past Twitch's
duplicate-message check. Neither symbols nor text."""


SMILEYS: Final = frozenset(
    {
        "<3",
        "R)",
        ":>",
        "<]",
        ":7",
        ":(",
        ":P",
        ";P",
        ":O",
        ":\\",
        ":|",
        ":s",
        ":S",
        ":D",
        "o_O",
        "O_o",
        ">(",
        ":)",
        "B)",
        ";)",
        "#/",
        ":p",
        ";p",
        ":o",
        ":/",
    }
)
"""Twitch's global smiley emotes ("<3", ":)", ";P"): chat clients draw them as pictures. The
AutoMod reads them as punctuation, so they live here, not in the vocabulary's emote list."""

#: every smiley holds one of these characters: text without any of them holds no smiley
_SMILEY_CHARS: Final = frozenset("<>:;#)")


def may_hold_smiley(text: str) -> bool:
    """False when ``text`` surely holds no smiley."""
    return not _SMILEY_CHARS.isdisjoint(text)


def is_emote(token: str, channel: frozenset[str] = frozenset()) -> bool:
    """Whether ``token`` (a whole word, as written) is a channel emote, a bundled emote code, a
    Twitch smiley or has a channel emote's shape."""
    return token in channel or token in EMOTES or token in SMILEYS or is_emote_shape(token)


_NOT_A_PICTURE: Final = re.compile(
    "[\u200d\u20e3\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"
)
"""The parts of an emoji that draw no picture of their own: joiners, keycap, variation
selectors, skin tones, subdivision tags."""


_FLAG_LETTER: Final = re.compile("[\U0001f1e6-\U0001f1ff]")
"""A regional indicator: two of them draw one flag."""


def count_emoji(text: str) -> int:
    """How many emoji pictures ``text`` draws (a skin tone or joiner is part of one, and two
    regional indicators are one flag)."""
    if text.isascii():
        return 0
    flag_letters = len(_FLAG_LETTER.findall(text))
    found = len(EMOJI_RE.findall(text)) - len(_NOT_A_PICTURE.findall(text))
    return found - flag_letters + (flag_letters + 1) // 2


def is_picture(token: str) -> bool:
    """Whether ``token`` is nothing but emoji (and the characters that draw nothing)."""
    return not token.isascii() and not INVISIBLE_RE.sub("", EMOJI_RE.sub("", token))


def text_words(tokens: list[str], channel: frozenset[str] = frozenset()) -> list[str]:
    """The tokens that are not emotes (``tokens`` itself when none is)."""
    words = [t for t in tokens if not is_emote(t, channel)]
    return tokens if len(words) == len(tokens) else words
