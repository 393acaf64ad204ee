"""Leetspeak inside one word: "n00b" -> "noob", "$h1t" -> "shit", "h@te" -> "hate".

Only words that also hold a letter are decoded, and only digit runs that read as letters:
numbers ("2020", "100"), counts with units ("10k", "3rd", "60fps"), match-ups ("1v1"),
game and console names ("ps5", "cs2") and digit emotes ("4Head") stay as written, because
the classifier and moderators read them as numbers, unless the word decodes to an English
word ("no7" is "not", "wh0" "who", "b07" "bot", "gu355" "guess", and a leading "!" is an
"i" there: "!ts" is "its"; ``words.is_word``). A symbol inside a word may be held down
("thi!!s" -> "thiis", squeezed later to "this").
Decoding is one character for one, so offsets do not move.
"""

from __future__ import annotations

import re

from chatwarden.pipeline.words import is_word

LEET_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g"}
"""Digits that stand for letters; 2, 6 and 8 mostly mean themselves ("gr8", "2k", "h264")."""

_SPELL = str.maketrans(LEET_DIGITS)

_SYMBOLS_ANYWHERE = {"$": "s", "@": "a"}
_SYMBOLS_INSIDE = {"!": "i", "|": "l", "+": "t"}  # "sh!t", "he||o", "shi+" ends in + though

TRIGGER_RE = re.compile(r"[0-9$@!|+]")
"""A message without any of these has no leetspeak to decode."""

WORD_RE = re.compile(r"(?:[^\W_]|[$@!|+])+")
"""A word for leetspeak purposes: letters, digits and the symbols that stand for letters."""

_LETTER_RE = re.compile(r"[^\W\d_]")
_DIGIT_RUN_RE = re.compile(r"[0-9]+")
_UNITS = (
    r"k|m|b|x|p|s|h|d|y|g|st|nd|rd|th|am|pm|hr|hrs|min|mins|ms|sec|secs|fps|hz|khz|ghz|gb|mb"
    r"|tb|kb|hp|dmg|km|kg|lb|lbs|yo|yr|yrs|ish|v|vs|ping|iq|lp|mmr|elo|cs|kd|kda|dps"
)
_COUNT_RE = re.compile(
    rf"\$?[0-9]+(?:{_UNITS})"  # 10k, 3rd, 60fps, $5k
    r"|[0-9]+(?:v|vs|x)[0-9]+"  # 1v1, 2x2
)
_NAME_RE = re.compile(r"[^\W\d_]{1,3}[0-9]")  # ps5, cs2, mp3, f1, b4 (but "no7" is "not")
KEEP_WORDS = frozenset(
    {"4head", "5head", "3head", "4weird", "4house", "4shrug", "4dank", "7tv", "1head"}
)
"""Well-known emotes and names with digits in them, kept whole."""


def _decode_digits(run: str, at_edge: bool) -> str | None:
    """Letters for one digit run, or None when the run reads as a number."""
    if any(d not in LEET_DIGITS for d in run):
        return None
    if len(set(run)) > 1 and (at_edge or len(run) > 2):
        return None  # "top10", "noob123": a number glued on, not spelling
    return "".join(LEET_DIGITS[d] for d in run)


def decode_word(word: str) -> str:
    """Decode leetspeak in one lowercase ``word`` (as matched by ``WORD_RE``); same length."""
    if word.isalpha() or not _LETTER_RE.search(word):
        return word
    if word in KEEP_WORDS or _COUNT_RE.fullmatch(word):
        return word
    chars = list(word)
    n = len(word)
    name = _NAME_RE.fullmatch(word) is not None
    kept = name  # digits left as they are, unless the word spells a word
    for m in _DIGIT_RUN_RE.finditer(word):
        a, b = m.span()
        letters = _decode_digits(m.group(), a == 0 or b == n)
        if letters is not None:
            chars[a:b] = letters
        else:
            kept = True
    alnum = [i for i, c in enumerate(word) if c.isalnum() or c in _SYMBOLS_ANYWHERE]
    lo, hi = (alnum[0], alnum[-1]) if alnum else (n, -1)
    for i, c in enumerate(word):
        if c in _SYMBOLS_ANYWHERE:
            chars[i] = _SYMBOLS_ANYWHERE[c]
        elif c in _SYMBOLS_INSIDE and lo < i < hi:
            a, b = i, i + 1  # the run of this one symbol ("sh!t", "thi!!s", "he||o")
            while word[a - 1] == c:
                a -= 1
            while word[b] == c:
                b += 1
            if word[a - 1] not in _SYMBOLS_INSIDE and word[b] not in _SYMBOLS_INSIDE:
                chars[i] = _SYMBOLS_INSIDE[c]
    out = "".join(chars)
    if kept or out[0] == "!":
        spelled = ("i" + out[1:] if out[0] == "!" else out).translate(_SPELL)
        if is_word(spelled):
            return spelled  # "no7" -> "not", "!d!07" -> "idiot", "!ts" -> "its"
    return word if name else out
