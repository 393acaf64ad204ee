"""Ban evasion: how much a new chatter looks like an account banned in the channel.

Four signals, each 0-1, against every banned profile:

* ``fingerprint``: a device/network fingerprint hash shared with the banned account;
* ``name``: rapidfuzz similarity of the two names after folding case, digits, separators and
  gamer-tag decorations ("xXToxicKid99Xx" ~ "toxic_kid_ttv");
* ``style``: cosine similarity of their writing habits (uncommon words such as slang,
  emotes, catchphrases and spellings; how lines end; lower case or capitals, both read with
  the channel's emotes left out), each profile centred on the channel's average so that what
  everybody writes does not count;
* ``new_account``: the account was created after the ban (1.0), or is younger than
  ``young_account_s`` (0.45).

They combine as a noisy-or, ``1 - prod(1 - w_i * s_i)``, so one strong signal gives
``possible`` and two agreeing signals give ``likely``, except that name similarity and
account age alone (no shared fingerprint, no writing-style likeness) never go beyond
``possible``, and neither does a match whose author has written enough to show a style
clearly unlike the banned account's; the best-matching banned account is reported with every
signal that contributed, in words. ``ChannelDetectors`` reassesses a newcomer on each of
their first messages, so the writing-style evidence accumulates.
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from chatwarden.detect.config import EvasionConfig
from chatwarden.detect.types import BannedProfile, EvasionAssessment, EvasionLevel

STYLE_DIM = 4096
WEIGHTS = {"fingerprint": 0.6, "name": 0.5, "style": 0.5, "new_account": 0.45}
YOUNG = 0.45  # the new_account signal for a young account made before the ban
NAME_FLOOR, NAME_FULL = 0.6, 0.95  # name similarity mapped linearly from floor (0) to full (1)
# a folded name shorter than this ("u300680a189" folds to "ua") identifies nobody: two such
# names are alike by chance, so the name signal is left out
MIN_NAME_CHARS = 4
STYLE_FLOOR, STYLE_FULL = 0.1, 0.35  # centred style cosine mapped the same way
# a centred style cosine this low, over enough text, speaks against the match: unrelated
# chatters score it about half the time, evaders with their own banned account almost never
STYLE_UNLIKE = 0.05
MIN_STYLE_WORDS = 6  # fewer words of text than this: no style signal
ACCOUNT_CACHE = 4096  # candidates whose name/fingerprint comparisons are kept

_NAME_JUNK = re.compile(r"[\d_\-.]+")
_EMOTICON_ENDS = (":)", ":D", "xD", "<3", ":(")
# very common words say nothing about who is writing
STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from get got go had has
    have he her him his how i i'm if in is it it's its just like me my no not now of oh ok on
    or our out she so than that the their them then there they this to too up us was we were
    what when where which who why will with would yeah yes you your""".split()
)


_PREFIXES = ("ttv", "the", "real", "its", "iam")
_SUFFIXES = ("ttv", "tv", "yt", "alt", "real", "og", "official")


@lru_cache(maxsize=65536)  # pure; names repeat (every message of a wave member)
def fold_name(name: str) -> str:
    """A name folded for comparison: lower case; digits, separators and the usual gamer-tag
    decorations ("xX...Xx", "ttv", "real", "alt") removed."""
    folded = _NAME_JUNK.sub("", name.casefold()) or name.casefold()
    if len(folded) > 6 and folded.startswith("xx") and folded.endswith("xx"):
        folded = folded[2:-2]
    elif len(folded) > 4 and folded.startswith("x") and folded.endswith("x"):
        folded = folded[1:-1]
    for prefix in _PREFIXES:
        if folded.startswith(prefix) and len(folded) - len(prefix) >= 4:
            folded = folded[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= 4:
            folded = folded[: -len(suffix)]
            break
    return folded


def _ending(text: str) -> str:
    """How a line ends: an emoticon, a run of ! ? . or nothing."""
    text = text.rstrip()
    for emoticon in _EMOTICON_ENDS:
        if text.endswith(emoticon):
            return emoticon
    n = len(text) - len(text.rstrip("!?."))
    return text[-n:] if n else ""


def style_features(texts: Iterable[str], emotes: frozenset[str] = frozenset()) -> list[str]:
    """Habits rather than topics: uncommon words (slang, emotes, catchphrases, spellings),
    how lines end, and whether they are written in lower case, capitals or mixed.

    The channel's ``emotes`` are habits of their own (which ones a person uses) but say
    nothing about case or punctuation, so a line's ending and case are read with its emotes
    left out: "gg!! pepeLaugh" ends in "!!" and is written in lower case.
    """
    feats: list[str] = []
    for text in texts:
        feats.extend(_line_features(text, emotes))
    return feats


@lru_cache(maxsize=16384)  # pure; a newcomer's lines are re-read at every reassessment
def _line_features(text: str, emotes: frozenset[str]) -> tuple[str, ...]:
    feats: list[str] = []
    tokens = text.split()
    plain = []
    for token in tokens:
        if token in emotes:
            feats.append(token)
            continue
        plain.append(token)
        word = token.strip(".,!?\"'()").lower()
        if word and word not in STOPWORDS:
            feats.append(word)
    body = " ".join(plain) if len(plain) != len(tokens) else text
    feats.append("$end:" + _ending(body))
    letters = body.lower() != body.upper()
    feats.append(
        "$case:none"
        if not letters
        else "$case:lower"
        if body == body.lower()
        else "$case:upper"
        if body == body.upper()
        else "$case:mixed"
    )
    return tuple(feats)


_FEATURE_SLOTS: dict[str, int] = {}  # style feature -> its slot (CRC-32 mod STYLE_DIM)


def _slot(feature: str) -> int:
    slot = _FEATURE_SLOTS.get(feature)
    if slot is None:
        slot = zlib.crc32(feature.encode("utf-8", "surrogatepass")) % STYLE_DIM
        if len(_FEATURE_SLOTS) > 100_000:
            _FEATURE_SLOTS.clear()
        _FEATURE_SLOTS[feature] = slot
    return slot


def style_sparse(
    texts: Iterable[str], emotes: frozenset[str] = frozenset()
) -> tuple[NDArray[np.intp], NDArray[np.float32]] | None:
    """``style_vector`` as its non-zero slots and their values (None for too little text):
    a few dozen numbers instead of ``STYLE_DIM``, which is all a comparison needs."""
    feats = style_features(texts, emotes)
    if sum(1 for f in feats if f[0] != "$") < MIN_STYLE_WORDS:
        return None
    counts: dict[int, int] = {}
    for f in feats:
        slot = _slot(f)
        counts[slot] = counts.get(slot, 0) + 1
    idx = np.fromiter(counts, dtype=np.intp, count=len(counts))
    vals = np.sqrt(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    vals /= np.float32(np.sqrt(float(vals @ vals)))
    return idx, vals


def style_vector(
    texts: Iterable[str], emotes: frozenset[str] = frozenset()
) -> NDArray[np.float32] | None:
    """A hashed, square-rooted count vector of ``style_features``, of unit length (None for
    too little text). Compared centred on the channel's background (``BannedIndex``)."""
    sparse = style_sparse(texts, emotes)
    if sparse is None:
        return None
    vec = np.zeros(STYLE_DIM, dtype=np.float32)
    vec[sparse[0]] = sparse[1]
    return vec


def background_vector(
    profiles: Iterable[Iterable[str]], emotes: frozenset[str] = frozenset()
) -> NDArray[np.float32] | None:
    """The mean style vector of many chatters: what everyone in the channel writes.

    Subtracting it before comparing leaves what is particular to a person (a centred cosine).
    """
    vectors = [v for v in (style_vector(t, emotes) for t in profiles) if v is not None]
    if len(vectors) < 10:
        return None
    mean: NDArray[np.float32] = np.stack(vectors).mean(axis=0).astype(np.float32)
    return mean


def _centre(
    vec: NDArray[np.float32], background: NDArray[np.float32] | None
) -> NDArray[np.float32]:
    if background is not None:
        vec = vec - background
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else vec


@dataclass(frozen=True, slots=True)
class _Account:
    """A candidate's account-level signals against every banned profile (see
    ``BannedIndex._account_signals``)."""

    key: tuple[int, str, frozenset[str]]
    created: datetime | None
    fp: NDArray[np.float32]
    names: NDArray[np.float32]  # raw name similarity 0-1
    name_s: NDArray[np.float32]  # the name signal
    after: NDArray[np.bool_]  # account created after the ban
    rest: NDArray[np.float32]  # (1 - w_fp fp)(1 - w_name name_s): the noisy-or's other terms
    pointed: NDArray[np.bool_]  # fingerprint or name point at the profile


@dataclass(frozen=True, slots=True)
class Candidate:
    """What is known about the chatter being assessed."""

    user_id: int
    username: str
    account_created_at: datetime | None
    fingerprints: frozenset[str]
    texts: tuple[str, ...]
    at: datetime


class BannedIndex:
    """The channel's banned profiles, prepared for fast comparison (bounded, newest kept)."""

    def __init__(
        self,
        profiles: Iterable[BannedProfile] = (),
        *,
        max_banned: int = 1000,
        emotes: frozenset[str] = frozenset(),
    ) -> None:
        self.max_banned = max_banned
        self.emotes = emotes  # the channel's emotes (see ``style_features``)
        self.background: NDArray[np.float32] | None = None
        self.last_reachable = True  # see ``assess``
        self.last_capped = False  # the last assessment was held at "possible" (name and age only)
        self._profiles: dict[int, BannedProfile] = {}
        self._dirty = True
        self._names: list[str] = []
        self._order: list[BannedProfile] = []
        self._styles: NDArray[np.float32] = np.zeros((0, STYLE_DIM), dtype=np.float32)
        self._has_style: NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._styles_bg: NDArray[np.float32] | None = None
        self._bg_norm2 = 0.0
        self._banned_ts: NDArray[np.float64] = np.zeros(0, dtype=np.float64)
        self._by_fp: dict[str, list[int]] = {}
        self._version = 0  # bumped by every rebuild: cached comparisons older than it are stale
        # per candidate: the name and fingerprint comparisons against every banned profile,
        # which only change when the candidate's name/fingerprints or the profiles do
        self._account_cache: OrderedDict[int, _Account] = OrderedDict()
        for p in profiles:
            self.add(p)

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, user_id: int) -> bool:
        return user_id in self._profiles

    def add(self, profile: BannedProfile) -> None:
        self._profiles.pop(profile.user_id, None)
        self._profiles[profile.user_id] = profile
        while len(self._profiles) > self.max_banned:
            oldest = min(self._profiles.values(), key=lambda p: p.banned_at)
            del self._profiles[oldest.user_id]
        self._dirty = True

    def set_background(self, background: NDArray[np.float32] | None) -> None:
        """The channel's mean style vector (``background_vector``); None: compare uncentred."""
        self.background = background
        self._dirty = True

    def set_emotes(self, emotes: frozenset[str]) -> None:
        """The channel's emote set changed: style vectors are rebuilt with it."""
        if emotes != self.emotes:
            self.emotes = emotes
            self._dirty = True

    def remove(self, user_id: int) -> None:
        if self._profiles.pop(user_id, None) is not None:
            self._dirty = True

    def profiles(self) -> list[BannedProfile]:
        return list(self._profiles.values())

    def _build(self) -> None:
        self._order = list(self._profiles.values())
        self._names = [fold_name(p.username) for p in self._order]
        self._named = np.array([len(n) >= MIN_NAME_CHARS for n in self._names], dtype=bool)
        self._banned_ts = np.array([p.banned_at.timestamp() for p in self._order], dtype=np.float64)
        raw = [style_vector(p.texts, self.emotes) for p in self._order]
        vectors = [_centre(v, self.background) if v is not None else None for v in raw]
        self._has_style = np.array([v is not None for v in vectors], dtype=bool)
        self._styles = (
            np.stack([v if v is not None else np.zeros(STYLE_DIM, np.float32) for v in vectors])
            if vectors
            else np.zeros((0, STYLE_DIM), dtype=np.float32)
        )
        bg = self.background
        # centred cosine with a sparse candidate v (unit length): S (v - bg) / |v - bg|, where
        # S bg and |bg|^2 are the same for every candidate
        self._styles_bg = self._styles @ bg if bg is not None else None
        self._bg_norm2 = float(bg @ bg) if bg is not None else 0.0
        self._by_fp = {}
        for i, p in enumerate(self._order):
            for fp in set(p.fingerprints):
                self._by_fp.setdefault(fp, []).append(i)
        self._dirty = False
        self._version += 1
        self._account_cache.clear()

    def _account_signals(self, candidate: Candidate) -> _Account:
        """What about the candidate's account points at each profile: fingerprint matches,
        name similarities, accounts made after the ban; cached per candidate until the
        profiles, or the candidate's name, fingerprints or creation time change."""
        cache = self._account_cache
        key = (self._version, candidate.username, candidate.fingerprints)
        created = candidate.account_created_at
        hit = cache.get(candidate.user_id)
        if hit is not None and hit.key == key and hit.created == created:
            cache.move_to_end(candidate.user_id)
            return hit
        n = len(self._order)
        fp = np.zeros(n, dtype=np.float32)
        for f in candidate.fingerprints:
            for i in self._by_fp.get(f, ()):
                fp[i] = 1.0
        own = fold_name(candidate.username)
        names: NDArray[np.float32] = process.cdist(
            [own], self._names, scorer=fuzz.ratio, workers=1
        )[0].astype(np.float32) / np.float32(100.0)
        if len(own) < MIN_NAME_CHARS:
            names[:] = 0.0
        else:
            names[~self._named] = 0.0
        name_s = np.clip((names - NAME_FLOOR) / (NAME_FULL - NAME_FLOOR), 0.0, 1.0)
        after = (
            self._banned_ts < created.timestamp()
            if created is not None
            else np.zeros(n, dtype=bool)
        )
        w = WEIGHTS
        account = _Account(
            key=key,
            created=created,
            fp=fp,
            names=names,
            name_s=name_s,
            after=after,
            rest=(1.0 - w["fingerprint"] * fp) * (1.0 - w["name"] * name_s),
            pointed=np.maximum(fp, name_s) > 0,
        )
        cache[candidate.user_id] = account
        while len(cache) > ACCOUNT_CACHE:
            cache.popitem(last=False)
        return account

    def _style(self, candidate: Candidate, n: int) -> tuple[NDArray[np.float32], bool]:
        """Centred style cosines against every profile, and whether the candidate wrote
        enough to have a style at all."""
        sparse = style_sparse(candidate.texts, self.emotes)
        cos = np.zeros(n, dtype=np.float32)
        if sparse is None:
            return cos, False
        idx, vals = sparse
        dots = self._styles[:, idx] @ vals
        bg = self.background
        if bg is not None and self._styles_bg is not None:
            norm2 = 1.0 - 2.0 * float(vals @ bg[idx]) + self._bg_norm2
            if norm2 > 1e-12:
                cos = ((dots - self._styles_bg) / np.float32(np.sqrt(norm2))).astype(np.float32)
        else:
            cos = dots.astype(np.float32)
        cos *= self._has_style
        return cos, True

    def assess(self, candidate: Candidate, config: EvasionConfig) -> EvasionAssessment:
        """Score ``candidate`` against every banned profile and keep the best match."""
        if self._dirty:
            self._build()
        n = len(self._order)
        if n == 0:
            return EvasionAssessment(
                candidate.user_id, "unlikely", 0.0, None, None, ("no banned accounts to compare",)
            )
        acc = self._account_signals(candidate)
        fp, names, name_s = acc.fp, acc.names, acc.name_s
        cos, wrote = self._style(candidate, n)
        style_s = np.clip((cos - STYLE_FLOOR) / (STYLE_FULL - STYLE_FLOOR), 0.0, 1.0)
        w = WEIGHTS
        created = candidate.account_created_at
        young = created is None or (
            (candidate.at - created).total_seconds() < config.young_account_s
        )
        new = np.where(acc.after, np.float32(1.0), np.float32(YOUNG if young else 0.0))
        without_style = acc.rest * (1.0 - w["new_account"] * new)
        score = 1.0 - without_style * (1.0 - w["style"] * style_s)
        # worth assessing again as more text comes in only if the account-level signals
        # (fingerprint, name, new account) with a perfect style match could reach "likely"
        bound = 1.0 - without_style * (1.0 - w["style"])
        self.last_reachable = bool(np.any(bound >= config.likely_score))
        # a young account alone is nobody in particular: require some likeness to the account
        score = np.where(acc.pointed | (style_s > 0), score, 0.0)
        best = int(np.argmax(score))
        value = float(score[best])
        level: EvasionLevel = (
            "likely"
            if value >= config.likely_score
            else "possible"
            if value >= config.possible_score
            else "unlikely"
        )
        # a look-alike name (with a young account) is circumstantial: strangers pick similar
        # names ("target1", "target2"); "likely" needs a shared fingerprint or writing style
        capped = level == "likely" and not fp[best] and not style_s[best]
        # enough text in a style clearly unlike the banned account's (true evaders almost
        # never score this low; unrelated chatters do half the time) speaks against it
        contradicted = (
            level == "likely"
            and not capped
            and wrote
            and bool(self._has_style[best])
            and cos[best] < STYLE_UNLIKE
        )
        if capped or contradicted:
            level = "possible"
        self.last_capped = capped
        p = self._order[best]
        reasons: list[str] = []
        if fp[best]:
            reasons.append(f"shares a device or network fingerprint with banned {p.username}")
        if name_s[best] > 0:
            reasons.append(f"name {names[best] * 100:.0f}% similar to banned {p.username}")
        if style_s[best] > 0:
            reasons.append(f"writing style {cos[best] * 100:.0f}% similar to banned {p.username}")
        if new[best] == 1.0 and created is not None:
            hours = (created - p.banned_at).total_seconds() / 3600
            reasons.append(f"account created {hours:.1f} h after {p.username} was banned")
        elif new[best] > 0:
            if created is None:
                reasons.append("account age unknown")
            else:
                days = (candidate.at - created).total_seconds() / 86400
                reasons.append(f"account is {days:.1f} days old")
        if capped:
            reasons.append("no shared fingerprint or writing style: at most possible")
        if contradicted:
            reasons.append(
                f"writing style unlike banned {p.username}'s ({cos[best] * 100:.0f}%): "
                "at most possible"
            )
        if value == 0.0:
            reasons = ["no resemblance to any banned account"]
        signals = {
            "fingerprint": float(fp[best]),
            "name": float(names[best]),
            "style": float(cos[best]),
            "new_account": float(new[best]),
        }
        return EvasionAssessment(
            user_id=candidate.user_id,
            level=level,
            score=value,
            matched_user_id=p.user_id if value > 0 else None,
            matched_username=p.username if value > 0 else None,
            reasons=tuple(reasons),
            signals=signals,
        )


def assess_evasion(
    *,
    user_id: int,
    username: str,
    at: datetime,
    banned: Sequence[BannedProfile] | BannedIndex,
    config: EvasionConfig | None = None,
    account_created_at: datetime | None = None,
    fingerprints: Iterable[str] = (),
    texts: Iterable[str] = (),
    background: NDArray[np.float32] | None = None,
) -> EvasionAssessment:
    """Score one chatter against the channel's banned accounts (pure; see the module doc)."""
    config = config if config is not None else EvasionConfig()
    if isinstance(banned, BannedIndex):
        index = banned
    else:
        index = BannedIndex(banned)
        index.set_background(background)
    return index.assess(
        Candidate(
            user_id=user_id,
            username=username,
            account_created_at=account_created_at,
            fingerprints=frozenset(fingerprints),
            texts=tuple(texts),
            at=at,
        ),
        config,
    )
