"""Bot wave vs crowdspeak on small hand-built windows."""

from __future__ import annotations

from datetime import timedelta

from chatwarden.detect import ActionKind, ChannelDetectors, DetectionConfig, SpamConfig, WaveConfig
from chatwarden.detect.similarity import SimilarityIndex, features
from chatwarden.settings import Role
from tests.detect.factory import T0, ctx, newcomer

CFG = DetectionConfig(spam=SpamConfig(emotes=frozenset({"PogChamp", "LUL", "KEKW"})))


def test_features_fold_repeats_case_and_link_paths() -> None:
    assert features("pogchamp pogchamp POGCHAMP!") == frozenset({"pogchamp"})
    assert features("buy at https://www.shop.xyz/abc?x=1 now") == features("buy at shop.xyz now")


def test_near_duplicates_cluster_and_different_text_does_not() -> None:
    idx = SimilarityIndex()
    a = idx.add("wanna become famous buy followers on bigfollows.xyz", 1, T0)
    b = idx.add("wanna become famous buy followers on bigfollows.xyz qx7z", 2, T0)
    c = idx.add("what a clutch that was", 3, T0)
    assert a is b and a is not c
    assert a.users == {1: 1, 2: 1}


def test_window_expires_and_stays_bounded() -> None:
    idx = SimilarityIndex(DetectionConfig().waves.similarity.model_copy(update={"window_s": 60}))
    first = idx.add("same old message here", 1, T0)
    later = idx.add("same old message here", 2, T0 + timedelta(seconds=61))
    assert later is not first
    small = idx.config.model_copy(update={"max_messages": 10})
    idx = SimilarityIndex(small)
    for i in range(100):
        idx.add(f"unique message number {i} {'x' * i}", i, T0 + timedelta(seconds=i * 0.01))
    assert len(idx) <= 10


def test_bot_wave_flagged_with_earlier_members() -> None:
    det = ChannelDetectors(1, CFG)
    results = [
        det.observe(
            newcomer(
                100 + i,
                f"cheap viewers at bigviews.xyz {i}",
                at=i,
                message_id=10 + i,
                username=f"viewbot{i}",
            )
        )
        for i in range(6)
    ]
    assert all(not r.findings or r.codes() == ["spam.links"] for r in results[:3])
    fourth = results[3]
    assert "wave.bot" in fourth.codes() and "wave.bot_member" in fourth.codes()
    announce = next(f for f in fourth.findings if f.code == "wave.bot")
    assert [e["message_id"] for e in announce.evidence["earlier_messages"]] == [10, 11, 12]
    member = next(f for f in fourth.findings if f.code == "wave.bot_member")
    assert member.action.kind is ActionKind.DELETE
    assert "first-time chatter" in member.explanation
    assert "wave.bot_member" in results[5].codes()
    [report] = [w for w in det.waves(T0 + timedelta(seconds=6)) if w.kind == "bot_wave"]
    assert set(report.bot_like_user_ids) == {100, 101, 102, 103, 104, 105}


def test_crowdspeak_of_regulars_is_never_punished() -> None:
    det = ChannelDetectors(1, CFG)
    results = []
    for i in range(12):
        # regulars, several with brand-new unverified accounts (a hard case)
        extra = (
            {"account_created_at": T0 - timedelta(hours=2), "email_verified": False}
            if i % 3 == 0
            else {}
        )
        text = "PogChamp " * (1 + i % 4)
        results.append(det.observe(ctx(i + 1, text.strip(), at=i, **extra)))
    codes = [c for r in results for c in r.codes()]
    assert "wave.crowdspeak" in codes
    assert not any(c.startswith("wave.bot") for c in codes)
    assert all(r.action.kind in (ActionKind.NONE,) for r in results)
    [report] = det.waves(T0 + timedelta(seconds=12))
    assert report.kind == "crowdspeak" and report.bot_like_user_ids == ()


def test_copypasta_with_a_link_from_regulars_and_a_few_newcomers_is_crowdspeak() -> None:
    det = ChannelDetectors(1, CFG)
    pasta = "I watched every stream since minecraft and never missed one imgur.com/abc"
    out = [det.observe(ctx(i, pasta, at=i)) for i in range(1, 8)]
    out += [det.observe(newcomer(50 + i, pasta, at=10 + i)) for i in range(2)]
    assert not any("wave.bot_member" in r.codes() for r in out)
    # the link filter still applies to non-subscribers (delete, never a timeout)
    assert all(r.action.kind in (ActionKind.NONE, ActionKind.DELETE) for r in out)


def test_newcomers_with_old_verified_accounts_are_not_bot_like_without_other_signals() -> None:
    det = ChannelDetectors(1, CFG)
    out = [
        det.observe(
            newcomer(
                200 + i,
                "hello from the raid train",
                at=i,
                account_created_at=T0 - timedelta(days=900),
                email_verified=True,
                username=f"{name}",
            )
        )
        for i, name in enumerate(["alice", "bob_x", "carmen", "dmitri", "eve77"])
    ]
    assert not any("wave.bot_member" in r.codes() for r in out)


def test_exempt_role_and_timeout_action() -> None:
    config = CFG.model_copy(update={"waves": WaveConfig(action="timeout", timeouts=(60, 600))})
    det = ChannelDetectors(1, config)
    out = [
        det.observe(newcomer(300 + i, "free followers bigviews.xyz", at=i, role=role))
        for i, role in enumerate([Role.VIEWER] * 4 + [Role.SUBSCRIBER, Role.VIEWER])
    ]
    assert out[3].action.kind is ActionKind.TIMEOUT and out[3].action.seconds == 60
    assert "wave.bot_member" not in out[4].codes()  # subscribers are exempt by default
    assert det.observe(newcomer(303, "free followers bigviews.xyz", at=9)).action.seconds == 600


def test_short_common_chat_from_many_newcomers_is_never_a_bot_wave() -> None:
    # every sender looks like a throwaway account (first message, day-old, unverified), yet
    # "lol", "gg", "one more" and an emote wall are what a crowd types at once
    det = ChannelDetectors(1, CFG)
    texts = ["lol", "gg", "one more", "greetings from mexico", "KEKW KEKW", "D:", "LUL LUL"]
    results = [
        det.observe(newcomer(200 + i, texts[i % len(texts)], at=0.5 * i, message_id=i))
        for i in range(140)
    ]
    assert all(r.action.kind is ActionKind.NONE for r in results)
    codes = {c for r in results for c in r.codes()}
    assert "wave.bot" not in codes and "wave.bot_member" not in codes
    assert "wave.crowdspeak" in codes  # recognised, and never punished
    said = [f.explanation for r in results for f in r.findings if f.code == "wave.crowdspeak"]
    assert all("same common chat" in e for e in said)
    [report] = [w for w in det.waves(T0 + timedelta(seconds=70)) if w.sample_text == "lol"]
    assert report.kind == "crowdspeak"
    assert any("common chat, never a bot wave" in r for r in report.reasons)


def test_new_accounts_sending_the_same_uncommon_text_seconds_apart_are_a_bot_wave() -> None:
    det = ChannelDetectors(1, CFG)
    results = [
        det.observe(
            newcomer(300 + i, "hey warden i can help you grow your channel, check my bio", at=2 * i)
        )
        for i in range(6)
    ]
    assert "wave.bot" in results[3].codes()
    assert all(r.action.kind is ActionKind.DELETE for r in results[3:])
    member = next(f for f in results[3].findings if f.code == "wave.bot_member")
    assert "first-time chatter" in member.explanation


def test_a_newcomer_who_has_been_chatting_is_not_bot_like() -> None:
    det = ChannelDetectors(1, CFG)
    talker = 400
    for i, text in enumerate(["hi chat", "what rank is he", "that was a clean play"]):
        det.observe(newcomer(talker, text, at=i))
    pasta = "chat I have to tell you something the boss fight was insane"
    results = [det.observe(newcomer(talker, pasta, at=10))]
    results += [det.observe(newcomer(500 + i, pasta, at=11 + i)) for i in range(4)]
    assert "wave.bot" in {c for r in results for c in r.codes()}
    members = {f.user_id for r in results for f in r.findings if f.code == "wave.bot_member"}
    assert talker not in members and members
    [report] = det.waves(T0 + timedelta(seconds=20))
    assert talker not in report.bot_like_user_ids


def test_a_link_off_the_allow_list_makes_short_text_a_wave() -> None:
    det = ChannelDetectors(1, CFG)
    results = [det.observe(newcomer(600 + i, "viewbots.xyz", at=i)) for i in range(5)]
    assert "wave.bot" in results[3].codes()


def test_an_established_follower_on_a_first_message_gets_no_follow_point() -> None:
    from chatwarden.detect.waves import SenderFacts, bot_points

    facts = SenderFacts(newcomer=True, established=True, young=True, unverified=False)
    assert bot_points(facts, None) == (1.0, ["first-time chatter", "young account"])


def test_hold_action_holds_bot_wave_members() -> None:
    det = ChannelDetectors(1, CFG.model_copy(update={"waves": WaveConfig(action="hold")}))
    out = [det.observe(newcomer(300 + i, "free followers bigviews.xyz", at=i)) for i in range(5)]
    [member] = [f for f in out[3].findings if f.code == "wave.bot_member"]
    assert member.action.kind is ActionKind.HOLD
    # (the link filter's delete outranks the hold as the message's action)
    assert [f.action.kind for f in out[4].findings if f.code == "wave.bot_member"] == [
        ActionKind.HOLD
    ]


WAVE_TEXT = "hey warden i can help you grow your channel check my bio"


def test_observe_called_directly_keeps_members_until_the_cluster_is_a_wave() -> None:
    from chatwarden.detect import waves
    from chatwarden.detect.waves import SenderFacts, WaveState

    config = CFG.waves
    idx = SimilarityIndex(config.similarity)
    facts = SenderFacts(newcomer=True, established=False, young=True, unverified=True)
    for i in range(config.min_users - 1):
        msg = newcomer(300 + i, WAVE_TEXT, at=i, message_id=i)
        cluster = idx.add(WAVE_TEXT, msg.user_id, msg.at, msg.message_id)
        assert waves.observe(cluster, msg, facts, config) == []  # not a wave yet
        assert isinstance(cluster.extra, list) and len(cluster.extra) == i + 1
    last = newcomer(310, WAVE_TEXT, at=5, message_id=9)
    cluster = idx.add(WAVE_TEXT, last.user_id, last.at, last.message_id)
    codes = [f.code for f in waves.observe(cluster, last, facts, config)]
    assert codes == ["wave.bot", "wave.bot_member"]
    assert isinstance(cluster.extra, WaveState) and len(cluster.extra.bot_like) == config.min_users


def test_members_not_noted_before_the_wave_are_not_judged() -> None:
    # a cluster filled while the wave detector was off (the raid detector fills it too):
    # only senders seen by the wave detector count as bot-like, and a lone sender's name has
    # nobody to look like
    from chatwarden.detect import waves
    from chatwarden.detect.waves import SenderFacts

    config = CFG.waves
    idx = SimilarityIndex(config.similarity)
    for i in range(config.min_users):
        cluster = idx.add(WAVE_TEXT, 300 + i, T0 + timedelta(seconds=i))
    assert cluster.extra is None
    # one point (not following): a look-alike name would make it bot-like, but there is
    # no other name to compare with
    facts = SenderFacts(newcomer=True, established=False, young=False, unverified=False)
    msg = newcomer(399, WAVE_TEXT, at=9, username="viewbot399")
    cluster = idx.add(WAVE_TEXT, msg.user_id, msg.at)
    assert [f.code for f in waves.observe(cluster, msg, facts, config)] == ["wave.crowdspeak"]
    report = waves.report(cluster, config)
    assert report is not None and report.bot_like_user_ids == ()


def test_a_wave_is_no_longer_one_when_more_users_are_required() -> None:
    from chatwarden.detect import waves
    from chatwarden.detect.waves import SenderFacts

    config = CFG.waves
    idx = SimilarityIndex(config.similarity)
    facts = SenderFacts(newcomer=True, established=False, young=True, unverified=True)
    for i in range(config.min_users):
        msg = newcomer(300 + i, WAVE_TEXT, at=i)
        cluster = idx.add(WAVE_TEXT, msg.user_id, msg.at)
        found = waves.observe(cluster, msg, facts, config)
    assert "wave.bot" in [f.code for f in found]
    stricter = config.model_copy(update={"min_users": config.min_users + 5})
    msg = newcomer(399, WAVE_TEXT, at=9)
    cluster = idx.add(WAVE_TEXT, msg.user_id, msg.at)
    assert waves.observe(cluster, msg, facts, stricter) == []
    assert waves.report(cluster, stricter) is None
