"""Ban-evasion levels on hand-built cases; every flag lists why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chatwarden.detect import (
    ActionKind,
    BannedProfile,
    ChannelDetectors,
    DetectionConfig,
    EvasionAssessment,
    EvasionConfig,
    RaidConfig,
    SpamConfig,
    WaveConfig,
    assess_evasion,
)
from chatwarden.detect.evasion import fold_name
from chatwarden.detect.types import DetectionResult
from tests.detect.factory import T0, newcomer

BAN_AT = T0
TROLL_TEXTS = (
    "ngl this streamer is washed fr",
    "ngl mods r clowns fr",
    "bruh u cant even aim lmaooo",
    "ngl that was trash fr",
)
BANNED = [
    BannedProfile(1, "xXToxicKidXx", BAN_AT, ("fp-troll",), TROLL_TEXTS),
    BannedProfile(2, "quiet_owl", BAN_AT - timedelta(days=3), ("fp-owl",), ("hello", "nice")),
]
LATER = T0 + timedelta(minutes=20)


def assess(**kw: Any) -> EvasionAssessment:
    base: dict[str, Any] = dict(
        user_id=99,
        username="somebody_new",
        at=LATER,
        banned=BANNED,
        account_created_at=T0 - timedelta(days=800),
    )
    base.update(kw)
    return assess_evasion(**base)


def test_fold_name() -> None:
    assert fold_name("xX_Toxic-Kid_99Xx") == fold_name("xXToxicKidXx") == "toxickid"
    assert fold_name("ttv_toxickid") == fold_name("ToxicKid_alt") == "toxickid"
    assert fold_name("max") == "max" and fold_name("xavix") == "avi"


def test_same_fingerprint_and_new_account_is_likely() -> None:
    found = assess(fingerprints=["fp-troll"], account_created_at=T0 + timedelta(minutes=5))
    assert found.level == "likely"
    assert found.matched_user_id == 1
    reasons = " | ".join(found.reasons)
    assert "shares a device or network fingerprint with banned xXToxicKidXx" in reasons
    assert "account created 0.1 h after xXToxicKidXx was banned" in reasons


def test_similar_name_new_account_and_style_is_likely_without_fingerprint() -> None:
    found = assess(
        username="xXT0xicKidXx2",
        account_created_at=T0 + timedelta(minutes=2),
        texts=["ngl this game is trash fr", "ngl u cant aim lmaooo", "mods r clowns fr"],
    )
    assert found.level == "likely"
    assert any("name" in r for r in found.reasons)
    assert any("writing style" in r for r in found.reasons)


def test_one_signal_alone_is_only_possible() -> None:
    # a shared network (a sibling, a café) and an old account: possible, not likely
    shared = assess(fingerprints=["fp-troll"])
    assert shared.level == "possible"
    # a similar name on an old account
    named = assess(username="ToxicKid")
    assert named.level == "possible"


def test_nothing_in_common_is_unlikely_and_says_so() -> None:
    found = assess(username="friendly_panda", texts=["what a great stream", "gg everyone"])
    assert found.level == "unlikely"
    assert found.matched_user_id is None
    assert found.reasons == ("no resemblance to any banned account",)
    # a brand-new account that resembles nobody is not an evader either
    young = assess(username="friendly_panda", account_created_at=LATER - timedelta(minutes=1))
    assert young.level == "unlikely"


def test_no_banned_accounts() -> None:
    found = assess(banned=[])
    assert found.level == "unlikely"


def test_thresholds_are_configurable() -> None:
    strict = EvasionConfig(likely_score=0.99, possible_score=0.98)
    found = assess(
        fingerprints=["fp-troll"], account_created_at=T0 + timedelta(minutes=5), config=strict
    )
    assert found.level == "unlikely"


def test_channel_detectors_flag_a_returning_user_and_let_moderators_clear_them() -> None:
    det = ChannelDetectors(1, DetectionConfig())
    # the troll chats, is banned; the profile keeps what they wrote and their fingerprint
    for i, text in enumerate(TROLL_TEXTS):
        det.observe(newcomer(1, text, at=i, username="xXToxicKidXx", fingerprints=("fp-troll",)))
    profile = det.banned_profile(1, "xXToxicKidXx", T0 + timedelta(seconds=10))
    assert profile.fingerprints == ("fp-troll",)
    assert set(TROLL_TEXTS) <= set(profile.texts)
    det.add_banned(profile)
    back = det.observe(
        newcomer(
            7,
            "ngl im back fr",
            at=600,
            username="xXToxicKid2Xx",
            fingerprints=("fp-troll",),
            account_created_at=T0 + timedelta(seconds=300),
        )
    )
    assert back.evasion is not None and back.evasion.level == "likely"
    [flag] = [f for f in back.findings if f.code == "evasion.likely"]
    assert flag.action.kind is ActionKind.FLAG  # monitored by default (Twitch's default)
    assert flag.evidence["treatment"] == "monitor"
    assert "fingerprint" in flag.explanation
    # later messages stay flagged until a moderator clears the user
    again = det.observe(newcomer(7, "hello?", at=620, first_message_in_channel=False))
    assert "evasion.likely" in again.codes()
    det.clear_evasion(7)
    assert "evasion.likely" not in det.observe(newcomer(7, "hi", at=640)).codes()
    # an unbanned account no longer counts
    det.remove_banned(1)
    other = det.observe(
        newcomer(8, "ngl", at=700, username="xXToxicKid3Xx", fingerprints=("fp-troll",))
    )
    assert other.evasion is None and not other.findings  # nobody left to compare with


def test_possible_is_not_flagged_by_default_and_monitored_when_chosen() -> None:
    def possible(config: DetectionConfig) -> DetectionResult:
        det = ChannelDetectors(1, config, banned=BANNED)
        return det.observe(
            newcomer(
                9,
                "hello all",
                at=60,
                username="ToxicKid",
                account_created_at=T0 - timedelta(days=500),
            )
        )

    out = possible(DetectionConfig())  # Twitch's default: "possible" is not flagged
    assert out.evasion is not None and out.evasion.level == "possible"
    assert not [f for f in out.findings if f.code.startswith("evasion.")]
    out = possible(DetectionConfig(evasion=EvasionConfig(possible_treatment="monitor")))
    [flag] = [f for f in out.findings if f.code.startswith("evasion.")]
    assert flag.code == "evasion.possible" and flag.action.kind is ActionKind.FLAG
    assert flag.evidence["treatment"] == "monitor"


def test_a_channel_may_restrict_likely_evaders() -> None:
    cfg = DetectionConfig(evasion=EvasionConfig(likely_treatment="restrict"))
    det = ChannelDetectors(1, cfg)
    det.add_banned(
        det.banned_profile(1, "xXToxicKidXx", T0, fingerprints=("fp-troll",), texts=TROLL_TEXTS)
    )
    back = det.observe(
        newcomer(
            7,
            "ngl im back fr",
            at=600,
            username="xXToxicKid2Xx",
            fingerprints=("fp-troll",),
            account_created_at=T0 + timedelta(seconds=300),
        )
    )
    [flag] = [f for f in back.findings if f.code == "evasion.likely"]
    assert flag.action.kind is ActionKind.HOLD  # restricted: only moderators see it
    assert flag.evidence["treatment"] == "restrict"


def test_a_look_alike_name_and_a_new_account_alone_are_at_most_possible() -> None:
    # "target1" vs banned "target2": similar names, account made after the ban, nothing else
    found = assess_evasion(
        user_id=9,
        username="target1",
        at=T0 + timedelta(hours=1),
        banned=[BannedProfile(2, "target2", T0, (), ())],
        account_created_at=T0 + timedelta(minutes=5),
    )
    assert found.signals["name"] > 0.8 and found.signals["new_account"] == 1.0
    assert found.level == "possible"
    assert any("at most possible" in r for r in found.reasons)
    # the same with a shared fingerprint is likely
    found = assess_evasion(
        user_id=9,
        username="target1",
        at=T0 + timedelta(hours=1),
        banned=[BannedProfile(2, "target2", T0, ("fp",), ())],
        account_created_at=T0 + timedelta(minutes=5),
        fingerprints=["fp"],
    )
    assert found.level == "likely"


def test_check_evasion_runs_only_the_evasion_check() -> None:
    only = DetectionConfig(
        spam=SpamConfig(
            **{
                name: getattr(SpamConfig(), name).model_copy(update={"enabled": False})
                for name in SpamConfig.model_fields
                if name != "emotes"
            }
        ),
        waves=WaveConfig(enabled=False),
        raid=RaidConfig(enabled=False),
    )
    det = ChannelDetectors(1, only)
    assert det.only_evasion and not ChannelDetectors(1).only_evasion
    det.add_banned(det.banned_profile(1, "xXToxicKidXx", T0, fingerprints=("fp-troll",)))
    back = det.check_evasion(
        newcomer(
            7,
            "HELLO HELLO HELLO HELLO HELLO",
            at=600,
            username="xXToxicKid2Xx",
            fingerprints=("fp-troll",),
            account_created_at=T0 + timedelta(seconds=300),
        )
    )
    assert back.evasion is not None and back.evasion.level == "likely"
    assert back.codes() == ["evasion.likely"]
    assert det.evasion_of(7) == back.evasion
    assert det.sizes()["clusters"] == 0 and det.sizes()["raid_window"] == 0


def test_cached_name_and_fingerprint_comparisons_give_the_same_assessment() -> None:
    from chatwarden.detect.evasion import BannedIndex, Candidate

    cached = BannedIndex(BANNED)
    config = EvasionConfig()
    texts: tuple[str, ...] = ()
    for n, text in enumerate(TROLL_TEXTS[:3]):
        texts = (*texts, text)
        candidate = Candidate(
            7, "xXToxicKid2Xx", T0, frozenset({"fp-troll"}), texts, T0 + timedelta(minutes=n)
        )
        assert cached.assess(candidate, config) == BannedIndex(BANNED).assess(candidate, config)
    # a new banned profile invalidates the cache
    twin = BannedProfile(50, "xXToxicKid2Xx", T0, ("fp-troll",), TROLL_TEXTS)
    cached.add(twin)
    again = cached.assess(candidate, config)
    assert again == BannedIndex([*BANNED, twin]).assess(candidate, config)
    assert len(cached) == 3 and again.level == "likely"


def test_style_reads_line_endings_and_case_without_the_channels_emotes() -> None:
    from chatwarden.detect.evasion import style_features

    emotes = frozenset({"pepeLaugh"})
    feats = style_features(["gg wp!! pepeLaugh"], emotes)
    # the emote is a habit of its own; the line ends in "!!" and is written in lower case
    assert "pepeLaugh" in feats and "$end:!!" in feats and "$case:lower" in feats
    # without knowing the emote, the ending and the case are lost
    plain = style_features(["gg wp!! pepeLaugh"])
    assert "$end:" in plain and "$case:mixed" in plain


def test_sparse_style_comparison_is_the_centred_cosine() -> None:

    from chatwarden.detect.evasion import (
        BannedIndex,
        Candidate,
        _centre,
        background_vector,
        style_vector,
    )

    chatter = [
        [f"line {i} number {j} about the game today, {w}" for j in range(3)]
        for i, w in enumerate("alpha beta gamma delta epsilon zeta eta theta iota kappa".split())
    ]
    background = background_vector(chatter)
    assert background is not None
    index = BannedIndex([BannedProfile(1, "troll", T0, (), TROLL_TEXTS)])
    index.set_background(background)
    texts = ("ngl this is trash fr", "bruh mods r clowns fr", "ngl u cant aim lmaooo")
    found = index.assess(Candidate(7, "zz", None, frozenset(), texts, LATER), EvasionConfig())
    a, b = style_vector(texts), style_vector(TROLL_TEXTS)
    assert a is not None and b is not None
    expected = float(_centre(a, background) @ _centre(b, background))
    assert found.signals["style"] == pytest.approx(expected, abs=1e-5)
    assert expected > 0.2  # the same habits: a real likeness, not a zero compared to a zero


def test_a_clearly_different_writing_style_holds_a_likely_match_at_possible() -> None:
    # a shared network and a look-alike name would make this "likely" ...
    kw: dict[str, Any] = dict(username="xXToxicKid2Xx", fingerprints=["fp-troll"])
    assert assess(**kw).level == "likely"
    # ... but six lines in a style with nothing in common with the banned account's (no
    # slang, capitalised, full stops) speak against it: a sibling on the same network
    different = assess(
        **kw,
        texts=[
            "Good Evening Everyone.",
            "Wonderful Performance Tonight.",
            "Greetings From Portugal.",
        ],
    )
    assert different.level == "possible"
    assert any("writing style unlike banned xXToxicKidXx" in r for r in different.reasons)
    # the banned account's own habits keep it likely
    same = assess(**kw, texts=["ngl this game is trash fr", "ngl u cant aim lmaooo"])
    assert same.level == "likely"


def test_evidence_accumulates_over_a_newcomers_first_messages() -> None:
    det = ChannelDetectors(1, DetectionConfig())
    det.add_banned(det.banned_profile(1, "xXToxicKidXx", T0, texts=TROLL_TEXTS))
    lines = [
        "ngl",
        "ngl this stream is washed fr",
        "bruh u cant even aim lmaooo",
        "ngl mods r clowns fr",
        "ngl that was trash fr",
        "ngl fr",
        "bruh",
        "ngl lmaooo",
        "fr fr",
    ]
    levels = []
    for n, text in enumerate(lines):
        # an unrelated name, no shared fingerprint, an account made after the ban
        out = det.observe(
            newcomer(
                7,
                text,
                at=600 + 30 * n,
                username="quiet_owl_77",
                account_created_at=T0 + timedelta(minutes=5),
                first_message_in_channel=n == 0,
            )
        )
        assessed = out.evasion
        levels.append(assessed.level if assessed else None)
    # one word says nothing; the writing style shows over the next lines and is reassessed
    # on each of the first 8 messages, then the assessment stands
    assert levels[0] == "unlikely"
    assert None not in levels[:8] and "likely" in levels[1:8]
    assert levels[8] is None
    final = det.evasion_of(7)
    assert final is not None and final.level == "likely"
    assert any("writing style" in r for r in final.reasons)


def test_names_too_short_after_folding_identify_nobody() -> None:
    # "u300680a189" and "u3a0b81" fold to "ua" and "uab": alike by chance, not by choice
    short = [BannedProfile(user_id=5, username="u300680a189", banned_at=T0)]
    found = assess(username="u3a0b81", banned=short, account_created_at=LATER)
    assert found.signals["name"] == 0.0 and found.level == "unlikely"
    # a real name is not compared with a banned account's too-short one either
    found = assess(username="uaaaaa_fan", banned=short, account_created_at=LATER)
    assert found.signals["name"] == 0.0
    # while two real names still are
    assert assess(username="xXT0xicKidXx2").signals["name"] > 0.8


def test_a_line_ending_in_an_emoticon_ends_in_that_emoticon() -> None:
    from chatwarden.detect.evasion import style_features

    assert "$end::)" in style_features(["nice one :)"])
    assert "$end:<3" in style_features(["love this stream <3  "])
    assert "$end:?!" in style_features(["what was that?!"])


def test_the_style_slot_cache_is_bounded_and_never_changes_a_style() -> None:
    from chatwarden.detect import evasion

    texts = ["ngl this streamer is washed fr", "bruh u cant even aim lmaooo"]
    before = evasion.style_sparse(texts)
    assert before is not None
    # more distinct features than the cache holds: it is emptied and refilled
    flood = " ".join(f"w{i}" for i in range(100_010))
    assert evasion.style_sparse([flood]) is not None
    assert len(evasion._FEATURE_SLOTS) <= 100_001
    after = evasion.style_sparse(texts)
    assert after is not None
    assert after[0].tolist() == before[0].tolist() and after[1].tolist() == before[1].tolist()


def test_the_banned_index_is_bounded_newest_kept() -> None:
    from chatwarden.detect.evasion import BannedIndex

    old = BannedProfile(1, "old_troll", T0 - timedelta(days=9), ("fp-old",))
    mid = BannedProfile(2, "mid_troll", T0 - timedelta(days=5), ("fp-mid",))
    new = BannedProfile(3, "new_troll", T0, ("fp-new",))
    index = BannedIndex([mid, old], max_banned=2)
    index.add(new)  # the oldest ban makes room
    assert len(index) == 2 and 1 not in index and 2 in index and 3 in index
    assert index.profiles() == [mid, new]
    index.remove(99)  # never banned: nothing changes
    assert index.profiles() == [mid, new]
    index.remove(2)
    assert index.profiles() == [new]


def test_new_channel_emotes_are_left_out_of_the_styles_compared() -> None:
    from chatwarden.detect.evasion import BannedIndex, Candidate

    lines = ("gg wp pepeLaugh!!", "nice play pepeLaugh!!", "what a clutch pepeLaugh!!")
    index = BannedIndex([BannedProfile(1, "troll", T0, (), lines)])
    candidate = Candidate(7, "zz", None, frozenset(), lines, LATER)
    config = EvasionConfig()
    assert index.assess(candidate, config).signals["style"] == pytest.approx(1.0)
    index.set_emotes(frozenset({"pepeLaugh"}))
    with_emotes = index.assess(candidate, config)
    expected = BannedIndex(
        [BannedProfile(1, "troll", T0, (), lines)], emotes=frozenset({"pepeLaugh"})
    ).assess(candidate, config)
    assert with_emotes == expected
    index.set_emotes(frozenset({"pepeLaugh"}))  # the same set again: nothing to rebuild
    assert index.assess(candidate, config) == expected


def test_the_account_comparison_cache_is_bounded_and_never_changes_an_assessment() -> None:
    from chatwarden.detect.evasion import ACCOUNT_CACHE, BannedIndex, Candidate

    index = BannedIndex(BANNED)
    config = EvasionConfig()

    def candidate(uid: int) -> Candidate:
        return Candidate(uid, f"xXToxicKid{uid}Xx", T0, frozenset({"fp-troll"}), (), LATER)

    first = index.assess(candidate(0), config)
    for uid in range(1, ACCOUNT_CACHE + 2):
        index.assess(candidate(uid), config)
    assert len(index._account_cache) == ACCOUNT_CACHE
    assert (
        index.assess(candidate(0), config)
        == first
        == BannedIndex(BANNED).assess(candidate(0), config)
    )


def test_a_style_that_is_exactly_the_channels_average_says_nothing() -> None:
    from chatwarden.detect.evasion import style_vector

    # four words, four times each: the style vector's values are exact (1/2 each), so the
    # candidate's style minus the background is exactly zero
    lines = ["ngl lmaooo"] * 4
    average = style_vector(lines)
    assert average is not None
    banned = [BannedProfile(1, "troll", T0, (), tuple(lines))]
    uncentred = assess(username="zz", banned=banned, texts=lines)
    assert uncentred.signals["style"] == pytest.approx(1.0)
    centred = assess(username="zz", banned=banned, texts=lines, background=average)
    assert centred.signals["style"] == 0.0 and centred.level == "unlikely"
