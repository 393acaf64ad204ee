"""Near-duplicate messages across users: bottom-k MinHash over normalised word sets.

A message becomes a set of word features: the engine's evasion-resistant normalised text
(leet, homoglyphs, zero-width and spacing undone), lower case, punctuation stripped, each word
once, so "PogChamp PogChamp" and "POGCHAMP" are the same message. The set is hashed word by
word with a stable hash (CRC-32, remembered per word, so runs are reproducible); its
``bands`` smallest hashes (a bottom-k MinHash sketch: two sets share their minimum with
probability equal to their Jaccard similarity) index the message. Messages shorter than
``min_chars`` only match exactly and are not sketched.
A new message joins the most similar live cluster among those sharing a sketch value when
the exact Jaccard similarity of the word sets reaches ``min_jaccard``; otherwise it starts a
cluster. Clusters not extended within ``window_s`` are dropped, and at most ``max_messages``
clusters are kept (oldest dropped first), so memory is bounded whatever the traffic.
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from itertools import repeat
from typing import Any

from chatwarden.detect.config import SimilarityConfig

_BANDS = 2  # the sketch keeps the two smallest hashes (``sketch`` is written for two)

# words so common in chat that sharing one says nothing (not used as index keys)
COMMON = frozenset(
    """a an and are as at be but can do for go gg i i'm im in is it it's its just like lol
    lmao me my no not of oh ok on or so that the this to too u ur was we what why with yes
    you your""".split()
)


_URLISH = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)")


def _word(token: str) -> str:
    """A word with a dot in it: a link stands for its host (paths and tracking tags vary)."""
    m = _URLISH.match(token)
    return token if m is None else m.group(1)


_EDGE = "!\"#$%&'()*+,;<=>?[\\]^`{|}~.:-/"


def features(normalised: str) -> frozenset[str]:
    """The word set of a normalised message (lower case, punctuation stripped from word
    edges, deduplicated; a link is reduced to its host name)."""
    low = normalised.lower()
    words = frozenset(map(str.strip, low.split(), repeat(_EDGE)))
    if "." in low:
        words = frozenset([w if "." not in w else _word(w) for w in words])
    return words - _BLANK if "" in words else words


_BLANK = frozenset([""])


def sketch(words: frozenset[str]) -> tuple[int, ...]:
    """The two smallest word hashes (a bottom-k MinHash sketch, k = ``_BANDS``), very common chat
    words left out unless the message has nothing else (they would make every message a
    candidate of every other)."""
    known = list(map(_HASHES.get, words))
    hashes: list[int] = (
        [_word_hash(w) for w in words] if None in known else known  # type: ignore[assignment]
    )
    if not hashes:
        return ()
    hashes.sort()
    first = hashes[0]
    if len(hashes) == 1:
        return (first,)
    second = hashes[1]
    # only common words: keep them; otherwise no common word among the keys
    return (first, second) if second < _COMMON_OFFSET or first >= _COMMON_OFFSET else (first,)


# word -> CRC-32 (stable, so runs are reproducible), remembered; common words are put
# after every other word (offset) so that the smallest hashes are those of uncommon words
_HASHES: dict[str, int] = {}
_COMMON_OFFSET = 1 << 32


def _word_hash(word: str) -> int:
    value = _HASHES.get(word)
    if value is None:
        value = zlib.crc32(word.encode("utf-8", "surrogatepass"))
        if word in COMMON:
            value += _COMMON_OFFSET
        if len(_HASHES) > 200_000:
            _HASHES.clear()
        _HASHES[word] = value
    return value


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class Cluster:
    """Live near-duplicates: the first message's words stand for the cluster.

    ``users`` maps user id -> messages in the cluster (insertion order = arrival order);
    ``extra`` is the wave detector's per-cluster state.
    """

    __slots__ = (
        "count",
        "extra",
        "first_at",
        "id",
        "keys",
        "last_at",
        "message_ids",
        "sample",
        "users",
        "words",
    )

    def __init__(
        self,
        id: int,
        words: frozenset[str],
        sample: str,
        keys: tuple[int, ...],
        first_at: datetime,
        last_at: datetime,
        user_id: int | None = None,
        message_id: int | None = None,
    ) -> None:
        """A cluster, empty or (``user_id`` given) holding its first message."""
        self.id = id
        self.words = words
        self.sample = sample
        self.keys = keys
        self.first_at = first_at
        self.last_at = last_at
        self.count = 0 if user_id is None else 1
        self.users: dict[int, int] = {} if user_id is None else {user_id: 1}
        self.message_ids: list[int] = [] if message_id is None else [message_id]
        self.extra: object = None


MAX_MESSAGE_IDS = 200
MAX_CANDIDATES = 6  # clusters compared per sketch value (the most recent ones)
MEMO_SIZE = 4096  # normalised texts whose word set and sketch are remembered


class SimilarityIndex:
    """A sliding window of near-duplicate clusters (one per channel)."""

    def __init__(self, config: SimilarityConfig | None = None) -> None:
        self.config = config if config is not None else SimilarityConfig()
        self._clusters: OrderedDict[int, Cluster] = OrderedDict()  # least recently extended first
        self._index: dict[int, list[Cluster]] = {}  # sketch value -> clusters, oldest first
        self._exact: dict[frozenset[str], Cluster] = {}
        self._by_domain: dict[str, int] = {}
        self._next_id = 1
        # normalised text -> [word set, sketch (None until needed)]
        self._memo: dict[str, list[Any]] = {}
        self._config_seen: SimilarityConfig | None = None
        self._window = timedelta(seconds=self.config.window_s)
        self._check_at: datetime | None = None  # see ``add``
        self._slack = timedelta(seconds=self.config.window_s / 20)

    def __len__(self) -> int:
        return len(self._clusters)

    def clusters(self) -> Iterator[Cluster]:
        return iter(self._clusters.values())

    def get(self, cluster_id: int) -> Cluster | None:
        return self._clusters.get(cluster_id)

    def expire(self, now: datetime) -> None:
        """Drop the clusters not extended within the window (and any beyond the bound)."""
        clusters = self._clusters
        horizon = now - timedelta(seconds=self.config.window_s)
        limit = self.config.max_messages
        index = self._index
        exact = self._exact
        self._check_at = None
        while clusters:
            cid, cluster = clusters.popitem(last=False)  # the least recently extended
            if cluster.last_at >= horizon and len(clusters) < limit:
                clusters[cid] = cluster  # still live: put it back in front
                clusters.move_to_end(cid, last=False)
                break
            for key in cluster.keys:
                members = index[key]  # every key of a live cluster lists it (``add``)
                # clusters mostly run out in the order they were made: usually the first
                if members[0] is cluster:
                    del members[0]
                else:
                    members.remove(cluster)
                if not members:
                    del index[key]
            if exact.get(cluster.words) is cluster:
                del exact[cluster.words]

    def add(
        self,
        normalised: str,
        user_id: int,
        at: datetime,
        message_id: int | None = None,
        *,
        sample: str | None = None,
        link_domains: Sequence[str] = (),
    ) -> Cluster:
        """File one message; return the cluster it joined (or started).

        ``link_domains``: hosts of links in the message that are not on the channel's
        allow-list; messages linking the same such host within the window share a cluster
        whatever their wording (spam bots vary the text, not the destination).
        """
        clusters = self._clusters
        config = self.config
        if config is not self._config_seen:
            self._config_seen = config
            self._window = timedelta(seconds=config.window_s)
            self._slack = timedelta(seconds=config.window_s / 20)
            self._check_at = None
        # clusters that ran out are dropped in batches (at most every window/20 s of message
        # time) rather than on every message; until then ``horizon`` keeps them from being
        # joined, so the result is the same as dropping each one the moment it runs out
        horizon = at - self._window
        check_at = self._check_at
        if check_at is None or at > check_at or len(clusters) > config.max_messages:
            self.expire(at)
            self._check_at = (
                next(iter(clusters.values())).last_at + self._window + self._slack
                if clusters
                else None
            )
        # the same text often comes again (emote waves, copypasta, bots): its word set and
        # sketch are remembered for a while
        memo = self._memo.get(normalised)
        if memo is None:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            memo = self._memo[normalised] = [features(normalised), None]
        words: frozenset[str] = memo[0]
        best = self._exact.get(words)
        if best is not None and best.last_at < horizon:
            best = None
        if best is None and link_domains:
            for domain in link_domains:
                best = clusters.get(self._by_domain.get(domain, 0))
                if best is not None:
                    if best.last_at >= horizon:
                        break
                    best = None
        keys: tuple[int, ...] = ()
        index = self._index
        if best is None and len(normalised) >= config.min_chars:
            # short messages only match exactly (above) and are not sketched
            keys = memo[1]
            if keys is None:
                keys = memo[1] = sketch(words)
            best_sim = config.min_jaccard
            n = len(words)
            for key in keys:
                members = index.get(key)
                if not members:
                    continue
                for cluster in members[-MAX_CANDIDATES:]:
                    if cluster.last_at < horizon:
                        continue  # ran out; dropped at the next batch
                    other = cluster.words
                    inter = len(other & words)
                    sim = inter / (n + len(other) - inter)
                    if sim >= best_sim and (best is None or sim > best_sim):
                        best, best_sim = cluster, sim
        if best is None:
            cid = self._next_id
            self._next_id = cid + 1
            best = clusters[cid] = Cluster(
                cid, words, (sample or normalised)[:200], keys, at, at, user_id, message_id
            )
            for key in keys:
                members = index.get(key)
                if members is None:
                    index[key] = [best]
                else:
                    members.append(best)
            self._exact[words] = best
        else:
            clusters.move_to_end(best.id)
            best.last_at = at
            best.count += 1
            users = best.users
            users[user_id] = users.get(user_id, 0) + 1
            if message_id is not None and len(best.message_ids) < MAX_MESSAGE_IDS:
                best.message_ids.append(message_id)
        if link_domains:
            for domain in link_domains:
                self._by_domain[domain] = best.id
            if len(self._by_domain) > 4 * config.max_messages:
                self._by_domain = {d: c for d, c in self._by_domain.items() if c in clusters}
        return best
