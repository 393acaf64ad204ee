"""The shortcuts that make the detectors cheap give the same answers as the long way round.

``check_spam`` rules filters out with cheap bounds before calling them, the repetition filter
samples the text before running its regex, the similarity index sketches only messages that
can match approximately and drops clusters that ran out in batches, the wave detector
compares names in one call: each is checked here against the plain computation.
"""

from __future__ import annotations

import random
import re
import zlib
from datetime import timedelta

import pytest

from chatwarden.detect import ChannelDetectors, DetectionConfig, SpamConfig, WaveConfig
from chatwarden.detect.emotes import text_words
from chatwarden.detect.similarity import COMMON, SimilarityIndex, features, sketch
from chatwarden.detect.spam import _FILTERS, _may_have_run, check_spam, filter_config
from chatwarden.settings import Role
from tests.detect.factory import T0, ctx, newcomer

EMOTES = frozenset({"LUL", "PogChamp", "KEKW", "wardenRage"})
PIECES = (
    "hello",
    "HELLO",
    "gg",
    "LUL",
    "PogChamp",
    "KEKW",
    "wardenRage",
    "!!!",
    "$$$$",
    "@mod",
    "@chat",
    "spam.xyz/x",
    "clips.twitch.tv/abc",
    "www.bad.io",
    "e.g.",
    "...",
    "AAAAAAAAAAAAAAAAAAAA",
    "nooooooooooooooooooo",
    "wow",
    "ÄÖÜ",
    "ñandú",
    "ＦＵＬＬ",
    "lol",
    "x",
    "Hi",
    "A",
    "GG",
    "Ok",
    "aB",
    "#",
)


def _random_text(rng: random.Random) -> str:
    n = rng.choice((0, 1, 2, 3, 5, 8, 12, 25, 60))
    words = [rng.choice(PIECES) for _ in range(n)]
    sep = rng.choice((" ", " ", " ", "  ", "\t"))
    return sep.join(words)


def _configs() -> list[SpamConfig]:
    base = SpamConfig(emotes=EMOTES)
    loose = base.model_copy(
        update={
            name: filter_config(base, name).model_copy(update={"min_length": 0})
            for name, _fn in _FILTERS
        }
    )
    tight = base.model_copy(
        update={
            "caps": base.caps.model_copy(update={"threshold": 0.2, "min_length": 3}),
            "symbols": base.symbols.model_copy(update={"threshold": 0.1, "min_length": 2}),
            "repetition": base.repetition.model_copy(
                update={"max_char_run": 3, "max_word_repeats": 2}
            ),
            "emote_flood": base.emote_flood.model_copy(update={"max_emotes": 2}),
            "length": base.length.model_copy(update={"max_length": 30}),
            "mentions": base.mentions.model_copy(update={"max_mentions": 1}),
        }
    )
    some_off = base.model_copy(
        update={
            "caps": base.caps.model_copy(update={"enabled": False}),
            "links": base.links.model_copy(update={"exempt_roles": frozenset({Role.FOLLOWER})}),
        }
    )
    return [base, loose, tight, some_off, SpamConfig()]


def _every_filter(text: str, config: SpamConfig, role: Role, permitted: bool) -> list[str]:
    """The long way round: every enabled, non-exempt filter called on every message."""
    tokens = text.split()
    words = text_words(tokens, config.emotes)
    out = []
    for name, fn in _FILTERS:
        f = filter_config(config, name)
        if not f.enabled or role in f.exempt_roles or len(text) < f.min_length:
            continue
        hit = fn(text, tokens, words, config, permitted, None)
        if hit is not None:
            out.append(f"{hit.code}: {hit.explanation}")
    return out


def _edge_texts() -> list[str]:
    """Texts around the caps and symbols bounds (capitals or symbols just under and over)."""
    out = []
    for k in range(25):
        for m in range(0, 12, 2):
            out += ["A" * k + "b" * m, "A " * k + "b" * m, "#" * k + "b" * m, "# " * k + "b1" * m]
    return out


def test_check_spam_gives_what_calling_every_filter_gives() -> None:
    rng = random.Random(5)
    tripped = 0
    for config in _configs():
        edges = _edge_texts()
        for i in range(1500 + len(edges)):
            text = edges[i - 1500] if i >= 1500 else _random_text(rng)
            role = rng.choice((Role.FOLLOWER, Role.VIEWER, Role.MODERATOR))
            permitted = rng.random() < 0.2
            got = [
                f"{h.code}: {h.explanation}"
                for h in check_spam(ctx(text=text, role=role), config, permitted=permitted)
            ]
            assert got == _every_filter(text, config, role, permitted), (text, config)
            tripped += bool(got)
    assert tripped > 1000  # the texts do trip filters: the comparison is not vacuous


@pytest.mark.parametrize("limit", [2, 3, 4, 7, 15, 16, 20])
def test_the_run_precheck_never_misses_a_run(limit: int) -> None:
    rng = random.Random(limit)
    run = re.compile(r"(.)\1{" + str(limit) + ",}", re.DOTALL)
    found = 0
    for _ in range(4000):
        # runs of random lengths around the limit, at random offsets
        text = "".join(
            rng.choice("ab .") * rng.randint(1, limit + 3) for _ in range(rng.randint(0, 12))
        )
        if run.search(text):
            found += 1
            assert _may_have_run(text, limit), text
    assert found > 200
    # and it rules out most ordinary chat
    assert not _may_have_run("what a clutch that was, did you see it chat", 15)


def test_sketch_is_reproducible_and_leaves_common_words_out() -> None:
    def crc(w: str) -> int:
        return zlib.crc32(w.encode())

    words = features("pog chat stream the lol")
    assert sketch(words) == tuple(sorted(crc(w) for w in ("pog", "chat", "stream"))[:2])
    # one uncommon word: it alone is the key (a common word would match everything)
    assert sketch(features("the pogchamp lol")) == (crc("pogchamp"),)
    # only common words: they are used after all, in the same order
    common = sorted(("lol", "the"), key=crc)
    keys = sketch(features("lol the"))
    assert len(keys) == 2 and all(w in COMMON for w in common)
    assert sketch(features("the lol")) == keys
    assert sketch(frozenset()) == ()


def test_a_cluster_that_ran_out_is_not_joined_before_it_is_dropped() -> None:
    config = DetectionConfig().waves.similarity.model_copy(update={"window_s": 60})
    idx = SimilarityIndex(config)
    first = idx.add("the same long message about the game", 1, T0)
    other = idx.add("something else entirely here today", 2, T0 + timedelta(seconds=30))
    # 61 s after its only message the first cluster has run out, whether or not the batched
    # clean-up has dropped it yet: the same text starts a new cluster
    again = idx.add("the same long message about the game", 3, T0 + timedelta(seconds=61))
    assert again is not first and again.users == {3: 1}
    # a near-duplicate of a live cluster still joins it
    near = idx.add("something else entirely here today lol", 4, T0 + timedelta(seconds=62))
    assert near is other
    idx.expire(T0 + timedelta(seconds=61))
    assert {c.id for c in idx.clusters()} == {other.id, again.id}


def test_look_alike_names_in_a_wave_are_found_in_one_comparison() -> None:
    det = ChannelDetectors(1, DetectionConfig(waves=WaveConfig()))
    names = ["qq_zzkx", "shadowfox77", "xXShadowFoxXx", "mm_pptr"]
    results = [
        det.observe(
            newcomer(
                100 + i,
                "free followers at bigviews example",
                at=i,
                username=name,
                account_created_at=T0 - timedelta(days=400),
                email_verified=True,
            )
        )
        for i, name in enumerate(names)
    ]
    [report] = det.waves(T0 + timedelta(seconds=5))
    # old verified accounts, not following: 1 point each, +0.5 for a look-alike name
    assert set(report.bot_like_user_ids) == {101, 102}
    member = [f for r in results for f in r.findings if f.code == "wave.bot_member"]
    assert not member  # 2 of 4 bot-like: under the 60% share, so crowdspeak


def test_the_link_precheck_never_hides_a_link() -> None:
    from chatwarden.detect.spam import find_domains, may_link

    rng = random.Random(11)
    links = 0
    for _ in range(3000):
        text = _random_text(rng)
        if find_domains(text):
            links += 1
            assert may_link(text)
    assert links > 300
    assert not may_link("that was wild lol... gg.") and may_link("go to www.x.io now")


def test_a_senders_fingerprints_are_merged_across_messages() -> None:
    det = ChannelDetectors(1, DetectionConfig())
    for i, fps in enumerate([("a",), ("a",), ("b", "a"), ("b", "a"), ("c",)]):
        det.observe(ctx(5, f"message {i}", at=i, fingerprints=fps))
    profile = det.banned_profile(5, "user5", T0 + timedelta(seconds=10))
    assert profile.fingerprints == ("a", "b", "c")
