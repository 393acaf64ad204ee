"""Near-duplicate messages across users: bottom-k MinHash over normalised word sets.

A message becomes a set of word features: the engine's evasion-resistant normalised text
(leet, homoglyphs, zero-width and spacing undone), lower case, punctuation stripped, each word
once, so "PogChamp PogChamp" and "POGCHAMP" are the same message. The set is hashed word by
word with a stable hash; its ``bands`` smallest hashes (a bottom-k MinHash sketch: two sets
share their minimum with probability equal to their Jaccard similarity) index the message.
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

from chatwarden.detect.config import SimilarityConfig

_BANDS = 2

_HASH_CACHE: dict[str, int] = {}
# words so common in chat that sharing one says nothing (not used as index keys)
COMMON = frozenset(
    """a an and are as at be but can do for go gg i i'm im in is it it's its just like lol
    lmao me my no not of oh ok on or so that the this to too u ur was we what why with yes
    you your""".split()
)


def _hash(word: str) -> int:
    value = _HASH_CACHE.get(word)
    if value is None:
        value = zlib.crc32(word.encode("utf-8", "surrogatepass"))
        if len(_HASH_CACHE) > 200_000:
            _HASH_CACHE.clear()
        _HASH_CACHE[word] = value
    return value


_URLISH = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)")


def _word(token: str) -> str:
    if "." in token:
        m = _URLISH.match(token)
        if m is not None:
            return m.group(1)  # a link stands for its host: paths and tracking tags vary
    return token


_EDGE = "!\"#$%&'()*+,;<=>?[\\]^`{|}~.:-/"


def features(normalised: str) -> frozenset[str]:
    """The word set of a normalised message (lower case, punctuation stripped from word
    edges, deduplicated; a link is reduced to its host name)."""
    low = normalised.lower()
    words = frozenset([t.strip(_EDGE) for t in low.split()])
    if "." in low:
        words = frozenset([w if "." not in w else _word(w) for w in words])
    return words - _BLANK if "" in words else words


_BLANK = frozenset([""])


def sketch(words: frozenset[str]) -> tuple[int, ...]:
    """The ``bands`` smallest word hashes (a bottom-k MinHash sketch)."""
    return tuple(sorted(map(_hash, words))[:_BANDS])


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
    ) -> None:
        self.id = id
        self.words = words
        self.sample = sample
        self.keys = keys
        self.first_at = first_at
        self.last_at = last_at
        self.count = 0
        self.users: dict[int, int] = {}
        self.message_ids: list[int] = []
        self.extra: object = None


MAX_MESSAGE_IDS = 200
MAX_CANDIDATES = 6  # clusters compared per sketch value (the most recent ones)
MEMO_SIZE = 4096  # normalised texts whose word set and sketch are remembered


class SimilarityIndex:
    """A sliding window of near-duplicate clusters (one per channel)."""

    def __init__(self, config: SimilarityConfig | None = None) -> None:
        self.config = config if config is not None else SimilarityConfig()
        self._clusters: OrderedDict[int, Cluster] = OrderedDict()  # least recently extended first
        self._index: dict[int, list[int]] = {}
        self._exact: dict[frozenset[str], int] = {}
        self._by_domain: dict[str, int] = {}
        self._next_id = 1
        self._memo: dict[str, tuple[frozenset[str], tuple[int, ...]]] = {}
        self._config_seen: SimilarityConfig | None = None
        self._window = timedelta(seconds=self.config.window_s)

    def __len__(self) -> int:
        return len(self._clusters)

    def clusters(self) -> Iterator[Cluster]:
        return iter(self._clusters.values())

    def get(self, cluster_id: int) -> Cluster | None:
        return self._clusters.get(cluster_id)

    def _drop(self, cluster: Cluster) -> None:
        del self._clusters[cluster.id]
        for key in cluster.keys:
            ids = self._index.get(key)
            if ids is not None:
                if cluster.id in ids:
                    ids.remove(cluster.id)
                if not ids:
                    del self._index[key]
        if self._exact.get(cluster.words) == cluster.id:
            del self._exact[cluster.words]

    def expire(self, now: datetime) -> None:
        """Drop the clusters not extended within the window (and any beyond the bound)."""
        clusters = self._clusters
        horizon = now - timedelta(seconds=self.config.window_s)
        limit = self.config.max_messages
        while clusters:
            oldest = next(iter(clusters.values()))
            if oldest.last_at >= horizon and len(clusters) <= limit:
                break
            self._drop(oldest)

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
        if clusters:
            oldest = next(iter(clusters.values()))
            if at - oldest.last_at > self._window or len(clusters) > config.max_messages:
                self.expire(at)
        # the same text often comes again (emote waves, copypasta, bots): its word set and
        # sketch are remembered for a while
        memo = self._memo.get(normalised)
        if memo is None:
            words = features(normalised)
            keyed = (words - COMMON) or words
            memo_keys = tuple(sorted([_hash(w) for w in keyed])[:_BANDS])
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[normalised] = (words, memo_keys)
        else:
            words, memo_keys = memo
        best = clusters.get(self._exact.get(words, 0))
        keys: tuple[int, ...] = ()
        if best is None:
            for domain in link_domains:
                best = clusters.get(self._by_domain.get(domain, 0))
                if best is not None:
                    break
        # short messages only match exactly (above); longer ones also approximately
        if best is None and len(normalised) >= config.min_chars:
            # very common words would make every message a candidate of every other
            keys = memo_keys
            need = config.min_jaccard
            best_sim = need
            n = len(words)
            index = self._index
            for key in keys:
                ids = index.get(key)
                if not ids:
                    continue
                for cid in ids[-MAX_CANDIDATES:]:
                    cluster = clusters[cid]
                    other = cluster.words
                    inter = len(other & words)
                    sim = inter / (n + len(other) - inter)
                    if sim >= best_sim and (best is None or sim > best_sim):
                        best, best_sim = cluster, sim
        if best is None:
            best = Cluster(self._next_id, words, (sample or normalised)[:200], keys, at, at)
            self._next_id += 1
            self._clusters[best.id] = best
            for key in keys:
                self._index.setdefault(key, []).append(best.id)
            self._exact[words] = best.id
        else:
            self._clusters.move_to_end(best.id)
            best.last_at = at
        if link_domains:
            for domain in link_domains:
                self._by_domain[domain] = best.id
            if len(self._by_domain) > 4 * config.max_messages:
                self._by_domain = {d: c for d, c in self._by_domain.items() if c in clusters}
        best.count += 1
        best.users[user_id] = best.users.get(user_id, 0) + 1
        if message_id is not None and len(best.message_ids) < MAX_MESSAGE_IDS:
            best.message_ids.append(message_id)
        return best
