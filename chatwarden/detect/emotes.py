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

__all__ = ["EMOJI_RE", "INVISIBLE_RE", "is_emote", "text_words"]

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


def is_emote(token: str, channel: frozenset[str] = frozenset()) -> bool:
    """Whether ``token`` (a whole word, as written) is a channel emote, a bundled emote code or
    has a channel emote's shape."""
    return token in channel or token in EMOTES or is_emote_shape(token)


def text_words(tokens: list[str], channel: frozenset[str] = frozenset()) -> list[str]:
    """The tokens that are not emotes (``tokens`` itself when none is)."""
    words = [t for t in tokens if not is_emote(t, channel)]
    return tokens if len(words) == len(tokens) else words
