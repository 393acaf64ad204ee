"""Chat-style augmentation, applied to harmful and harmless lines alike so style predicts nothing.

Tweets and comments are long, punctuated and capitalised; chat lines are short, bare and full of
emotes, elongations and evasion tricks. ``restyle`` turns a training line into a chat-style
variant with a seeded ``random.Random``: crop to a few words, drop punctuation, add an emote or a
filler word, elongate a word, or apply one of ``chatwarden.textgen.obfuscate``'s tricks (the
normaliser then undoes most of it, so the model learns from what survives normalisation).
"""

from __future__ import annotations

import random
import re
from typing import Final

from chatwarden.textgen.chat import EMOTES
from chatwarden.textgen.obfuscate import TRICKS, obfuscate

_PUNCT: Final = re.compile(r"[^\w\s']")
FILLERS: Final = ("lol", "lmao", "bro", "xd", "fr", "ngl", "tbh", "smh", "lul", "haha", "omg")
OBFUSCATE_P: Final = 0.35
ELONGATE_P: Final = 0.3


def crop(text: str, rng: random.Random, max_words: int = 8, keep: str = "") -> str:
    """A random run of at most ``max_words`` words; with ``keep``, one that contains that word."""
    words = text.split()
    if len(words) <= max_words:
        return text
    size = rng.randint(2, max_words)
    first, last = 0, len(words) - size
    if keep:
        at = [i for i, w in enumerate(words) if keep in w.lower()]
        if not at:
            return text
        pick = rng.choice(at)
        first, last = max(0, pick - size + 1), min(pick, len(words) - size)
    start = rng.randint(first, last)
    return " ".join(words[start : start + size])


def restyle(text: str, rng: random.Random, *, crop_to: str | None = "") -> str:
    """A chat-style variant of ``text``.

    ``crop_to``: ``""`` crops anywhere (fine for harmless lines: any part of them is harmless),
    a word crops to a run containing it (a harmful line keeps its harmful word), ``None`` never
    crops.
    """
    out = text
    if crop_to is not None and rng.random() < 0.5:
        out = crop(out, rng, keep=crop_to)
    if rng.random() < 0.6:
        out = " ".join(_PUNCT.sub(" ", out).split()) or out
    roll = rng.random()
    if roll < 0.2:
        out = f"{out} {rng.choice(EMOTES)}"
    elif roll < 0.3:
        out = f"{rng.choice(EMOTES)} {out}"
    elif roll < 0.45:
        out = f"{out} {rng.choice(FILLERS)}"
    if rng.random() < ELONGATE_P:
        words = out.split()
        i = rng.randrange(len(words)) if words else 0
        if words and words[i][-1:].isalpha():
            words[i] = words[i] + words[i][-1] * rng.randint(2, 5)
            out = " ".join(words)
    if rng.random() < OBFUSCATE_P:
        out = obfuscate(out, rng.choice(sorted(TRICKS)), rng)
    if rng.random() < 0.3:
        out = out.upper()
    return out
