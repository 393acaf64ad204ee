"""The near-duplicate index (``detect/similarity.py``): word sets, sketches, the bounded
window and the caches that never change a result."""

from __future__ import annotations

import zlib
from datetime import timedelta

from chatwarden.detect import similarity
from chatwarden.detect.config import SimilarityConfig
from chatwarden.detect.similarity import (
    MEMO_SIZE,
    SimilarityIndex,
    features,
    jaccard,
    sketch,
)
from tests.detect.factory import T0


def test_a_dotted_word_that_is_not_a_link_stays_whole() -> None:
    assert features("try the café.menu now") == frozenset({"try", "the", "café.menu", "now"})
    assert features("see www.shop.xyz/deal") == frozenset({"see", "shop.xyz"})


def test_jaccard_of_word_sets() -> None:
    assert jaccard(frozenset(), frozenset()) == 1.0
    assert jaccard(frozenset({"a", "b"}), frozenset({"b", "c"})) == 1 / 3
    assert jaccard(frozenset({"a"}), frozenset({"b"})) == 0.0


def test_the_word_hash_cache_is_bounded_and_hashes_stay_the_same() -> None:
    words = frozenset(f"word{i}" for i in range(200_005))
    keys = sketch(words)
    crcs = sorted(zlib.crc32(w.encode()) for w in words)
    assert keys == (crcs[0], crcs[1])
    assert len(similarity._HASHES) <= 200_001
    assert sketch(frozenset({"word0", "word1"})) == tuple(
        sorted(zlib.crc32(w.encode()) for w in ("word0", "word1"))
    )


def test_clusters_are_found_by_id_while_live() -> None:
    idx = SimilarityIndex(SimilarityConfig(window_s=60))
    cluster = idx.add("wanna become famous buy followers", 1, T0)
    assert idx.get(cluster.id) is cluster
    idx.expire(T0 + timedelta(seconds=61))
    assert idx.get(cluster.id) is None and len(idx) == 0


def test_clusters_made_later_may_run_out_first() -> None:
    idx = SimilarityIndex(SimilarityConfig(window_s=60))
    a = idx.add("wanna become famous buy followers", 1, T0)
    b = idx.add("wanna become famous buy followers today", 2, T0 + timedelta(seconds=1))
    c = idx.add("become famous buy followers cheap", 3, T0 + timedelta(seconds=2))
    assert a is b is not None and c is a  # one cluster, extended
    d = idx.add("famous streamers buy followers here", 4, T0 + timedelta(seconds=3))
    e = idx.add("famous gamers buy followers there", 5, T0 + timedelta(seconds=4))
    assert len({a.id, d.id, e.id}) == 3
    # the first cluster is extended, the later ones are not: they run out first
    idx.add("wanna become famous buy followers", 6, T0 + timedelta(seconds=40))
    idx.expire(T0 + timedelta(seconds=70))
    assert [c.id for c in idx.clusters()] == [a.id]
    # their keys are gone with them: a new message like them starts a new cluster
    f = idx.add("famous streamers buy followers here", 7, T0 + timedelta(seconds=71))
    assert f.id not in (a.id, d.id, e.id) and f.users == {7: 1}


def test_a_link_cluster_that_ran_out_is_not_joined() -> None:
    idx = SimilarityIndex(SimilarityConfig(window_s=100))
    idx.add("hello there chat", 9, T0)  # the next batch of expiry is due at 105 s
    link = ("bigviews.xyz",)
    first = idx.add("cheap viewers here", 1, T0 + timedelta(seconds=1), link_domains=link)
    # past the window, before that batch: the cluster is still held but not joined
    second = idx.add("grow your channel fast", 2, T0 + timedelta(seconds=102), link_domains=link)
    assert len(idx) == 3
    assert second is not first and second.users == {2: 1}
    # and the domain now points at the new one
    third = idx.add("totally different words", 3, T0 + timedelta(seconds=103), link_domains=link)
    assert third is second and third.users == {2: 1, 3: 1}


def test_the_link_domain_table_is_bounded() -> None:
    idx = SimilarityIndex(SimilarityConfig(max_messages=10))
    for i in range(60):
        idx.add(
            f"offer{i} deal{i} promo{i}",
            i,
            T0 + timedelta(seconds=i * 0.1),
            link_domains=(f"shop{i}.xyz",),
        )
    assert len(idx) <= 10 + 1  # one over the bound until the next message
    assert len(idx._by_domain) <= 4 * 10
    latest = idx.add(
        "a different text", 99, T0 + timedelta(seconds=7), link_domains=("shop59.xyz",)
    )
    assert latest.users == {59: 1, 99: 1}


def test_the_text_memo_is_bounded_and_a_text_seen_before_still_joins_its_cluster() -> None:
    idx = SimilarityIndex(SimilarityConfig(max_messages=MEMO_SIZE + 100, window_s=3600))
    first = idx.add("message number zero about the game", 0, T0)
    for i in range(1, MEMO_SIZE + 2):
        idx.add(f"message number {i} qq{i}", i, T0 + timedelta(seconds=i * 0.1))
    assert len(idx._memo) <= MEMO_SIZE
    again = idx.add("message number zero about the game", 1, T0 + timedelta(seconds=500))
    assert again is first and again.users == {0: 1, 1: 1}
