"""Live-chat vocabulary the model does not score: emotes, emote shapes, slang, innocent words.

Four bundled, versioned word lists (read once, at import) say which words of a message are
hidden from the model, like the channel's own emote codes and permitted terms (blocked terms
still see every word):

* ``emotes.txt``: Twitch global and popular BTTV/FFZ/7TV emote codes ("KEKW", "PogChamp"),
  case-sensitive whole words of the original message, as chat clients render them;
* channel-emote shapes ("vkimmWiggle", "daphCheer", "moon2SMUG": a lowercase prefix of 3 to 10
  letters, a capitalised name, optional digits), unless the word holds a root of ``guard.txt``
  ("killYourself" is camelCase abuse, not an emote);
* ``slang.txt``: chat slang that is harmless on its own ("sus", "based", "pog", "W"), whole
  words of the normalised message;
* ``innocent.txt``: ordinary words that merely contain an identity word, a slur or a swear word
  ("whiteboard", "blackout", "scunthorpe", "therapist"), whole words of the normalised message.

``VOCAB_VERSION`` changes whenever any list does. Each file's header says how to update it.
"""

from __future__ import annotations

import hashlib
import pathlib
import re
from bisect import bisect_left
from collections.abc import Iterable
from typing import Final

from chatwarden.pipeline.normalise import Normalised

__all__ = [
    "EMOTES",
    "GUARD",
    "INNOCENT",
    "SLANG",
    "VOCAB_DIR",
    "VOCAB_VERSION",
    "is_emote_shape",
    "vocab_spans",
]

VOCAB_DIR: Final = pathlib.Path(__file__).parent
_FILES: Final = ("emotes.txt", "guard.txt", "innocent.txt", "slang.txt")


def _read(name: str) -> tuple[str, ...]:
    lines = (VOCAB_DIR / name).read_text(encoding="utf-8").splitlines()
    return tuple(s for line in lines if (s := line.strip()) and not s.startswith("#"))


def _version(lists: Iterable[tuple[str, tuple[str, ...]]]) -> str:
    h = hashlib.sha256()
    for name, entries in lists:
        h.update(f"{name}\n{chr(10).join(sorted(set(entries)))}\n".encode())
    return f"vocab-{h.hexdigest()[:12]}"


_LISTS: Final = {name: _read(name) for name in _FILES}

EMOTES: Final = frozenset(_LISTS["emotes.txt"])
"""Bundled emote codes, case-sensitive."""
SLANG: Final = frozenset(_LISTS["slang.txt"])
"""Chat slang, lowercase normalised words."""
INNOCENT: Final = frozenset(_LISTS["innocent.txt"])
"""Ordinary words holding an identity word or a swear word, lowercase normalised words."""
GUARD: Final = _LISTS["guard.txt"]
"""Roots that keep an emote-shaped word visible to the model."""
VOCAB_VERSION: Final = _version(sorted(_LISTS.items()))
"""A hash of every list: part of what a decision depends on."""

_MASKED_WORDS: Final = SLANG | INNOCENT
_SHAPE = r"[a-z]{3,10}[0-9]{0,2}[A-Z][A-Za-z]{0,24}[0-9]{0,3}"
_SHAPE_RE: Final = re.compile(_SHAPE)
_SHAPE_SEARCH_RE: Final = re.compile(rf"(?<!\S){_SHAPE}(?!\S)")
_GUARD_RE: Final = re.compile("|".join(map(re.escape, sorted(GUARD, key=len, reverse=True))))
_WORD_RE: Final = re.compile(r"[^\W_]+")
_TOKEN_RE: Final = re.compile(r"\S+")
_ASCII_WORDS: Final = bytes(b if b >= 128 or chr(b).isalnum() else 32 for b in range(256))
"""ASCII text translated with this and split gives its ``_WORD_RE`` words, as bytes."""
_MASKED_BYTES: Final = frozenset(w.encode() for w in _MASKED_WORDS)


def is_emote_shape(word: str, normalised: str = "") -> bool:
    """Whether ``word`` looks like a channel emote ("vkimmWiggle") and holds no guard root,
    in itself or in its ``normalised`` form ("k1llYou" reads "killyou")."""
    if _SHAPE_RE.fullmatch(word) is None:
        return False
    return _GUARD_RE.search(word.lower()) is None and _GUARD_RE.search(normalised) is None


def _to_text(norm: Normalised, begin: int, end: int) -> tuple[int, int]:
    """The range of ``norm.text`` made from original code points ``begin..end``."""
    return bisect_left(norm.starts, begin), bisect_left(norm.starts, end)


def vocab_spans(
    norm: Normalised, channel_emotes: frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    """The ranges of ``norm.text`` the model does not see: the channel's own emote codes, the
    bundled emote codes, emote-shaped words, slang and innocent words (see the module doc).

    Emote codes and shapes are whole words of ``norm.original`` between whitespace, exactly as
    written ("KEKW" is the emote, "kekw" and "KEKW!" are text); slang and innocent words are
    whole words (runs of letters and digits) of the normalised text, in any case or spelling.
    Ranges may overlap.
    """
    spans: list[tuple[int, int]] = []
    original = norm.original
    # every bundled code and every shape holds an upper-case letter: all-lower-case chat (most
    # of it) skips the look-up unless the channel has codes of its own
    if channel_emotes or not original.islower():
        tokens = original.split()
        if (
            not EMOTES.isdisjoint(tokens)
            or (channel_emotes and not channel_emotes.isdisjoint(tokens))
            or _SHAPE_SEARCH_RE.search(original) is not None
        ):
            for m in _TOKEN_RE.finditer(original):
                token = m.group()
                lo, hi = _to_text(norm, m.start(), m.end())
                if lo < hi and (
                    token in EMOTES
                    or token in channel_emotes
                    or is_emote_shape(token, norm.text[lo:hi])
                ):
                    spans.append((lo, hi))
    text = norm.text
    if (
        _MASKED_BYTES.isdisjoint(text.encode().translate(_ASCII_WORDS).split())
        if text.isascii()
        else _MASKED_WORDS.isdisjoint(_WORD_RE.findall(text))
    ):
        return spans
    spans.extend(m.span() for m in _WORD_RE.finditer(text) if m.group() in _MASKED_WORDS)
    return spans
