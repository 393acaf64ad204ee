"""Per-message text measures used by the health metrics (pure functions, no I/O)."""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Collection


def normalise(text: str) -> str:
    """What repetition compares: NFKC, case-folded, runs of whitespace collapsed to one space
    (the same fingerprint unique-chat mode uses)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def char_entropy(text: str) -> float:
    """Shannon entropy, in bits per character, of the characters of ``normalise(text)``.

    ``H = -sum(p(c) * log2 p(c))`` over the distinct characters ``c`` (spaces included), with
    ``p(c)`` the share of the text's characters that are ``c``. An empty text and a text of one
    repeated character have 0 bits; ``"ab"`` has 1 bit; ``"aab"`` has 0.918 bits.
    """
    return entropy_of_normalised(normalise(text))


def entropy_of_normalised(norm: str) -> float:
    """``char_entropy`` of a text that is already ``normalise``d."""
    n = len(norm)
    if n <= 1:
        return 0.0
    # H = log2 n - (1/n) * sum(k log2 k) over the character counts k
    h = math.log2(n) - sum(k * math.log2(k) for k in Counter(norm).values() if k > 1) / n
    return max(0.0, h)


def is_emote_only(text: str, emotes: Collection[str]) -> bool:
    """True when every whitespace-separated token is one of the channel's ``emotes``
    (case-sensitive, as Twitch emote codes are). False for an empty text or emote set."""
    tokens = text.split()
    return bool(tokens) and bool(emotes) and all(token in emotes for token in tokens)
