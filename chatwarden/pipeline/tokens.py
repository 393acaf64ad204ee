"""Per-token stages: leetspeak decoded, starred-out letters filled in (``masks``), 3+ repeats
squeezed (to one letter when that makes a dictionary word and two do not), URLs and @mentions
left alone.

Once spaced-out letters are rejoined, nothing here looks across a space, so each
space-separated token is normalised on its own and the result is cached: chat repeats the
same few thousand tokens all day, and a dict lookup is far cheaper than a regex pass.
"""

from __future__ import annotations

import re

from chatwarden.pipeline.leet import TRIGGER_RE, decode_word
from chatwarden.pipeline.masks import MASK_RE, fill_masks
from chatwarden.pipeline.spacing import Starts, delete
from chatwarden.pipeline.words import english_words, word_counts

_TLDS = "com|net|org|tv|gg|io|co|me|ly|be|uk|de|ru|fr|info|xyz|app|dev|link|live|ch"
PROTECT_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    rf"|(?<![\w.@-])(?:[^\W_][\w-]*\.)+(?:{_TLDS})(?![\w-])(?:/\S*)?"
    r"|(?<![^ (\[{\"'<])@\w{4,}(?![\w@$!|+])"  # @mention; "@ss" is too short to be a username,
    # and "@fr1c@n$" holds what no username does
)
"""URLs, bare domains and @mentions: kept exactly as written (after lowercasing)."""

_LEET_WORD_RE = re.compile(r"(?:[^\W_]|[$@!|+])+")
REPEAT_RE = re.compile(r"([^\d ])\1{2,}")
"""Three or more of one character; digits are never squeezed ("1000" stays)."""

Post = tuple[str, tuple[int, ...]] | None
"""A token's normalised text and each char's index in the token; None when unchanged."""

_CACHE: dict[str, Post] = {}
_CACHE_MAX = 100_000
_MISS: Post = ("", ())


def _overlaps(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < e and s < b for s, e in spans)


def _protected(token: str) -> list[tuple[int, int]]:
    if "." in token or "@" in token or "/" in token:
        return [m.span() for m in PROTECT_RE.finditer(token)]
    return []


def _decode_leet(token: str, protected: list[tuple[int, int]]) -> str:
    chars = list(token)
    for m in _LEET_WORD_RE.finditer(token):
        a, b = m.span()
        if TRIGGER_RE.search(m.group()) and not _overlaps(a, b, protected):
            chars[a:b] = decode_word(m.group())
    return "".join(chars)


_CORE_RE = re.compile(r"^[^a-z]*([a-z]+)[^a-z]*$")


def _core(token: str) -> str:
    """The letters of a token between leading and trailing punctuation ("" if not one word)."""
    m = _CORE_RE.match(token)
    return m.group(1) if m else ""


#: A held-down letter is read as one when that word is this many times commoner than the
#: word with two ("theeee" -> "the", not "thee"; "beeee" -> "be"), though both are words.
_SINGLE_RATIO = 50


def _prefer_single(double: str, single: str) -> bool:
    """Whether a squeezed word reads better with one letter than with two: one makes a word
    (of the dictionary, or seen five times or more in the training text: ``word_counts``) and
    two do not ("stuuupid" -> "stupid", "fuuucks" -> "fucks", but "gooood" -> "good"), or both
    are words and the training text uses the one-letter word far more (``_SINGLE_RATIO``)."""
    words = english_words()
    counts = word_counts()[0]
    if single not in words and (len(single) < 2 or single not in counts):
        return False  # one letter alone is a word only as the dictionary says ("a", "i", "u")
    if double not in words and double not in counts:
        return True
    return counts.get(single, 0) >= _SINGLE_RATIO * max(counts.get(double, 0), 1)


def _post(token: str) -> Post:
    leet = TRIGGER_RE.search(token) is not None
    if not leet and "*" not in token and not REPEAT_RE.search(token):
        return None
    protected = _protected(token)
    text = _decode_leet(token, protected) if leet else token
    if "*" in text and not protected and MASK_RE.search(text):
        text = fill_masks(text)  # before squeezing: "f***" must keep its three stars
    runs = [m for m in REPEAT_RE.finditer(text) if not _overlaps(m.start(), m.end(), protected)]
    cuts = [(m.start() + 2, m.end()) for m in runs]
    if runs and any(m.group(1).isalpha() for m in runs):
        # "stuuupid" -> "stupid", "gooood" -> "good": one letter or two (``_prefer_single``)
        single = [(m.start() + (1 if m.group(1).isalpha() else 2), m.end()) for m in runs]
        if _prefer_single(
            _core(delete(text, range(len(text)), cuts)[0]),
            _core(delete(text, range(len(text)), single)[0]),
        ):
            cuts = single
    if cuts:
        text, idx = delete(text, range(len(text)), cuts)
        return text, tuple(idx)
    if text == token:
        return None
    return text, tuple(range(len(text)))


def post(token: str) -> Post:
    """Leetspeak and repeats for one space-free ``token`` (cached)."""
    hit = _CACHE.get(token, _MISS)
    if hit is not _MISS:
        return hit
    out = _post(token)
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[token] = out
    return out


def post_text(s: str, starts: Starts) -> tuple[str, Starts]:
    """Apply ``post`` to every token of space-collapsed ``s``, keeping ``starts`` in step."""
    if TRIGGER_RE.search(s) is None and "*" not in s and REPEAT_RE.search(s) is None:
        return s, starts
    return post_tokens(s.split(" "), starts)


def post_tokens(tokens: list[str], starts: Starts) -> tuple[str, list[int]]:
    """``post_text`` on text already split at its single spaces."""
    parts: list[str] = []
    out: list[int] = []
    at = starts.__getitem__
    off = 0
    for token in tokens:
        done = post(token)
        end = off + len(token)
        if done is None:
            parts.append(token)
            out.extend(starts[off:end])
        else:
            parts.append(done[0])
            out.extend(map(at, map(off.__add__, done[1])))
        if end < len(starts):
            out.append(at(end))  # the space after the token
        off = end + 1
    return " ".join(parts), out
