"""English words, for the normaliser's two guesses that need a dictionary.

Spaced-out letters lose their word breaks ("y o u a r e d u m b" -> "youaredumb"), and an
elongated letter may be single or double in the word ("stuuupid", "gooood"). Both are settled
with the whole words of the bundled embeddings' WordPiece vocabulary
(``model/bundled/embeddings/vocab.txt``: about 21,000 lowercase words of three letters or more,
plus common two-letter words, "a", "i" and "u"), and the splits are priced by how often the
training text uses each word (``vocab/wordfreq.txt``, ``word_counts``). Read once, at first use;
without the vocabulary the set is empty and the normaliser keeps its dictionary-free behaviour.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Final

from chatwarden.model.embeddings import DEFAULT_DIR

__all__ = [
    "VOCAB_FILE",
    "WORDFREQ_FILE",
    "english_words",
    "is_word",
    "segment",
    "whole_words",
    "word_counts",
]

VOCAB_FILE: Final = DEFAULT_DIR / "vocab.txt"
_SINGLE_LETTER_WORDS: Final = frozenset({"a", "i", "u"})
#: Two-letter words a split may use: the vocabulary's other two-letter entries are mostly
#: abbreviations ("rd", "ny", "ta") that would cut words apart ("re|ta|rd").
_SHORT_WORDS: Final = frozenset(
    "am an as at be by do go he hi if in is it me my no of oh ok on or so to up us we ya yo ur "
    "im fr rn".split()
)
_MAX_WORD: Final = 24
WORDFREQ_FILE: Final = Path(__file__).resolve().parent / "vocab" / "wordfreq.txt"
#: Chat's commonest words count at least this often in a split's prices.
_CHAT_COUNT: Final = 500
#: The severe rules' words and the whole words ("shemale", "whiteboard") count at least this
#: often, so a run holding one keeps it whole rather than cut into common words ("she|male").
_KEY_COUNT: Final = 100
#: A plural or a held-down letter costs a little more than the word itself; a piece outside
#: the dictionary costs ``_UNKNOWN_BASE`` plus this much per letter.
_PLURAL_PRICE: Final = 1.0
_ELONGATED_PRICE: Final = 1.0
_UNKNOWN_BASE: Final = 4.0
_UNKNOWN_PRICE: Final = 3.0
_TRIPLE_RE: Final = re.compile(r"(.)\1{2,}")
#: Contractions as chat types them, and chat's commonest abbreviations.
_CONTRACTIONS: Final = frozenset(
    "dont cant wont didnt doesnt isnt arent wasnt werent hasnt havent hadnt shouldnt wouldnt "
    "couldnt mustnt aint youre theyre thats whats wheres theres hes shes ive youve weve theyve "
    "youll theyll itll stfu gtfo lmao lmfao omg wtf idk idc smh tbh imo irl".split()
)
#: The commonest English and chat words: a split into these is preferred ("you are such an
#: idiot", not "you ares u chan idiot").
_COMMON: Final = frozenset(
    """a i u am an as at be by do go he hi if in is it me my no of oh ok on or so to up us we
    ya yo ur im the and you are was were for not but all any can had her his him its our out
    she they them their there this that these those what when who why how with from have has
    will would could should shall just like get got your yours such some very much more most
    than then too also only even ever never now here where which while about into over under
    again off own same other each few both one two dont cant wont did does done been being
    back down way make made know think want need go going gonna come look see say said tell
    give take put keep let kill die dead hate love fuck shit stupid idiot dumb ugly fat loser
    trash noob bad good best worst man men woman women people guy guys kid kids self yourself
    urself myself himself herself themselves country home house life time day night tonight
    today game play player stream chat mod""".split()
)


#: Live-chat words a book-trained vocabulary lacks or ranks low.
_CHAT_WORDS: Final = frozenset(
    "streamer streamers stream chat chatter chatters mod mods vip twitch emote emotes sub subs "
    "viewer viewers lurk lurker raid clip vod lol".split()
)


_VOCAB_DIR: Final = Path(__file__).resolve().parent / "vocab"


@functools.cache
def whole_words() -> frozenset[str]:
    """Words a spaced-out run is never split out of: the bundled slang and innocent words
    ("blackberries", "whiteboard", "cocktails" hold words the model must not see alone)."""
    out: set[str] = set()
    for name in ("innocent.txt", "slang.txt"):
        try:
            lines = (_VOCAB_DIR / name).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        out.update(w.lower() for line in lines if (w := line.strip()) and not w.startswith("#"))
    return frozenset(out)


_PLAIN_RE: Final = re.compile(r"[a-z]+(?:\\s[+*]?[a-z]+)*")
_WORD_LIST_LINES: Final = ("@macro", "@group", "@single", "slur")


def severe_words() -> set[str]:
    """The words of ``vocab/severe.txt``'s macros, identity groups and slurs ("strangle",
    "hispanics", "tranny"): the WordPiece vocabulary lacks most plurals and slurs, and a
    spaced-out run that holds one must still split around it ("w h a t a t r a n n y" ->
    "what a tranny"). Only plain alternatives are read (no regex beyond a space)."""
    try:
        lines = (_VOCAB_DIR / "severe.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return set()
    out: set[str] = set()
    for line in lines:
        fields = line.split(maxsplit=2 if line.startswith("@") else 3)
        if not fields or fields[0] not in _WORD_LIST_LINES:
            continue
        for alt in re.split(r"\||\(\?:|\)", fields[-1]):
            if _PLAIN_RE.fullmatch(alt.strip()):
                out.update(re.split(r"\\s[+*]?| ", alt.strip()))
    return out


@functools.cache
def english_words() -> frozenset[str]:
    """The dictionary (empty when the vocabulary file is missing): the vocabulary's words,
    common short words, contractions written without the apostrophe, ``severe_words``,
    ``whole_words`` and the bundled emote codes."""
    try:
        lines = VOCAB_FILE.read_text(encoding="utf-8").split()
    except OSError:
        return frozenset()
    extra = [*severe_words(), *whole_words(), *_emote_words(), *_CONTRACTIONS, *_CHAT_WORDS]
    words = {
        w
        for w in [*lines, *extra]
        if len(w) >= 3 and w.isascii() and w.isalpha() and w.islower() and len(set(w)) > 1
    }
    return frozenset(words | _SHORT_WORDS | _SINGLE_LETTER_WORDS)


def _emote_words() -> list[str]:
    """The bundled emote codes, lower-cased ("kekw", "madge"): chat writes them as words."""
    try:
        lines = (_VOCAB_DIR / "emotes.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [w.strip().lower() for w in lines if w.strip() and not w.startswith("#")]


def is_word(word: str) -> bool:
    """Whether ``word`` is in the dictionary or among the commonest chat words ("dont")."""
    return word in english_words() or word in _COMMON


@functools.cache
def word_counts() -> tuple[dict[str, int], int]:
    """``vocab/wordfreq.txt``: how often the training text uses each word, and the total of
    all words counted (empty and 0 without the file)."""
    try:
        lines = WORDFREQ_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}, 0
    counts: dict[str, int] = {}
    total = 0
    for line in lines:
        if line.startswith("# total "):
            total = int(line.split()[-1])
        elif line and not line.startswith("#"):
            word, count = line.split()
            counts[word] = int(count)
    return counts, max(total, sum(counts.values()))


@functools.cache
def _costs() -> dict[str, float]:
    """The price of each word a split may use: minus the log of its share of the training
    text's words (``word_counts``; a unigram model). Words of the dictionary the counts lack
    are priced like a word seen once; chat's contractions, commonest words and live-chat words
    at least like a word seen ``_CHAT_COUNT`` times (book and post text under-counts them).
    Without the counts, the dictionary alone: the commonest words at one price, the others at
    three times that."""
    words = english_words()
    counts, total = word_counts()
    if not words:
        return {}
    if not total:  # the dictionary alone: common words cheaper, then fewer words
        return {w: 1.0 if w in _COMMON else 3.0 for w in words}
    out = dict.fromkeys(words, math.log(total) + 1.0)
    for w, c in counts.items():
        if (len(w) >= 3 and len(set(w)) > 1) or w in words:
            out[w] = math.log(total / c)
    for group, count in (
        (_COMMON | _CHAT_WORDS | _CONTRACTIONS, _CHAT_COUNT),
        (severe_words() | whole_words(), _KEY_COUNT),
    ):
        floor = math.log(total / count)
        for w in group:
            if w in out:
                out[w] = min(out[w], floor)
    return out


def _plural_price(word: str, costs: dict[str, float]) -> float | None:
    """What ``word`` costs as a plural of a priced word ("gamers"), or None."""
    if len(word) >= 5 and word[-1] == "s" and word[-2] != "s":
        base = costs.get(word[:-1])
        if base is not None:
            return base + _PLURAL_PRICE
    return None


def _held_price(piece: str, costs: dict[str, float]) -> float | None:
    """What ``piece``, which holds a letter down (three or more in a row), costs read with that
    letter twice or once as a priced word or its plural ("forrr", "youuu"), or None."""
    prices = [
        p
        for sub in (r"\1\1", r"\1")
        if (p := costs.get(word := _TRIPLE_RE.sub(sub, piece))) is not None
        or (p := _plural_price(word, costs)) is not None
    ]
    return min(prices) + _ELONGATED_PRICE if prices else None


def segment(letters: str) -> list[int] | None:
    """Where ``letters`` (a run of joined letters) splits into dictionary words: the start index
    of every word but the first, or None when it is one word or does not split.

    The cheapest split wins, each word priced by how often the training text uses it
    (``_costs``: "areamistake" -> are|a|mistake, not are|am|is|take); a word may be a plural of a
    dictionary word or have a letter held down ("forrreal" -> forrr|real); two one-letter
    words in a row never split. One piece may be outside the dictionary (a slur, "kys") when
    it has three letters or more and the dictionary words cover at least 60 % of the letters
    ("youareafag" -> you|are|a|fag), so a word is never cut into a dictionary word and a rest
    ("nig|ger", "fag|got")."""
    costs = _costs()
    n = len(letters)
    if not costs or n < 4 or letters in costs or letters in whole_words():
        return None
    # held[k]: how many letters held down (three in a row) start before k
    held = [0] * (n + 1)
    for k in range(n):
        held[k + 1] = held[k] + (k + 2 < n and letters[k] == letters[k + 1] == letters[k + 2])
    # best[i][u]: (cost, pieces) for letters[:i] with u unknown pieces
    best: list[list[tuple[float, int] | None]] = [[None, None] for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0), (0, 0)] for _ in range(n + 1)]
    best[0][0] = (0.0, 0)
    for i in range(1, n + 1):
        for j in range(max(0, i - _MAX_WORD), i):
            if best[j][0] is None and best[j][1] is None:
                continue
            piece = letters[j:i]
            price = costs.get(piece)
            if price is None and letters[i - 1] == "s":
                price = _plural_price(piece, costs)
            if price is None and i - j >= 3 and held[i - 2] > held[j] and len(set(piece)) > 2:
                price = _held_price(piece, costs)
            for u in (0, 1):
                prev = best[j][u]
                if prev is None:
                    continue
                if price is not None:
                    nu, cand = u, (prev[0] + price, prev[1] + 1)
                elif u == 0 and i - j >= 3:
                    nu, cand = 1, (prev[0] + _UNKNOWN_BASE + _UNKNOWN_PRICE * (i - j), prev[1] + 1)
                else:
                    continue
                cur = best[i][nu]
                if cur is None or cand < cur:
                    best[i][nu] = cand
                    back[i][nu] = (j, u)
    whole = best[n][0]
    if whole is not None and whole[1] == 1:
        return None  # one (perhaps elongated or plural) word
    for u in (0, 1):
        end = best[n][u]
        if end is None or end[1] < 2:
            continue
        cuts = []
        i, uu = n, u
        known_letters = 0
        while i > 0:
            j, pu = back[i][uu]
            if pu == uu:
                known_letters += i - j
            i, uu = j, pu
            if i:
                cuts.append(i)
        bounds = [0, *sorted(cuts), n]
        if any(
            b - a == 1 and c - b == 1
            for a, b, c in zip(bounds, bounds[1:], bounds[2:], strict=False)
        ):
            return None  # two one-letter words in a row ("a|a"): letters, not words
        if u == 0 or known_letters >= 0.6 * n:
            return sorted(cuts)
    return None
