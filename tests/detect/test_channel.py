"""ChannelDetectors: input checks, bounded state, settings changes, the JSON contract."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from chatwarden.detect import (
    ActionKind,
    BannedProfile,
    CapsConfig,
    ChannelDetectors,
    DetectAction,
    DetectionConfig,
    EvasionConfig,
    MessageContext,
    SpamConfig,
    WaveConfig,
)
from chatwarden.detect.channel import BACKGROUND_USERS
from chatwarden.detect.config import RateConfig
from chatwarden.detect.evasion import BannedIndex, assess_evasion, background_vector
from tests.detect.factory import T0, ctx, newcomer


def test_rejects_other_channels_and_naive_times() -> None:
    det = ChannelDetectors(1)
    with pytest.raises(ValueError, match="channel 2"):
        det.observe(ctx(channel_id=2))
    with pytest.raises(ValueError, match="timezone-aware"):
        det.observe(MessageContext(**_naive()))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        det.permit(1, datetime(2025, 1, 1))


def _naive() -> dict[str, object]:
    c = ctx()
    fields = {f.name: getattr(c, f.name) for f in dataclasses.fields(c)}
    fields["at"] = datetime(2025, 1, 1)
    return fields


def test_state_is_bounded() -> None:
    det = ChannelDetectors(1, max_users=100)
    for i in range(3000):
        det.observe(newcomer(i, f"message number {i} with some words {i * 7}", at=i * 0.05))
    sizes = det.sizes()
    assert sizes["users"] == 100
    assert sizes["clusters"] <= DetectionConfig().waves.similarity.max_messages
    assert sizes["raid_window"] <= 30 / 0.05 + 1


def test_configure_keeps_state_and_applies_new_settings() -> None:
    det = ChannelDetectors(1)
    loud = "THIS IS SO LOUD AND ANGRY RIGHT"
    assert det.observe(ctx(1, loud, at=0)).action.kind is ActionKind.DELETE
    det.configure(DetectionConfig(spam=SpamConfig(caps=CapsConfig(enabled=False))))
    assert det.observe(ctx(1, loud, at=1)).action.kind is ActionKind.NONE
    det.configure(
        DetectionConfig(spam=SpamConfig(caps=CapsConfig(action="timeout", timeouts=(5, 60))))
    )
    # the earlier offence is remembered: this is the second
    assert det.observe(ctx(1, loud, at=2)).action == DetectAction(ActionKind.TIMEOUT, 60)


def test_strongest_action_wins() -> None:
    config = DetectionConfig(spam=SpamConfig(caps=CapsConfig(action="timeout", timeouts=(30,))))
    det = ChannelDetectors(1, config)
    out = det.observe(ctx(1, "THIS IS SO LOUD AND ANGRY RIGHT NOW BUY AT bigviews.xyz"))
    assert set(out.codes()) == {"spam.caps", "spam.links"}
    assert out.action == DetectAction(ActionKind.TIMEOUT, 30)


def test_config_round_trips_through_json() -> None:
    config = DetectionConfig(spam=SpamConfig(emotes=frozenset({"LUL"})))
    again = DetectionConfig.model_validate_json(config.model_dump_json())
    assert again == config
    with pytest.raises(ValueError):
        DetectionConfig.model_validate({"spam": {"caps": {"threshold": 2}}})
    with pytest.raises(ValueError):
        DetectionConfig.model_validate({"spam": {"nonsense": 1}})


def test_action_invariants() -> None:
    with pytest.raises(ValueError):
        DetectAction(ActionKind.TIMEOUT)
    with pytest.raises(ValueError):
        DetectAction(ActionKind.DELETE, 5)
    assert DetectAction(ActionKind.TIMEOUT, 60).outranks(DetectAction(ActionKind.TIMEOUT, 5))
    assert DetectAction(ActionKind.DELETE).outranks(DetectAction(ActionKind.HOLD))


def test_quiet_messages_cost_nothing_to_report() -> None:
    det = ChannelDetectors(1)
    out = det.observe(ctx(1, "gg", at=0))
    assert out.findings == () and out.action.kind is ActionKind.NONE and out.evasion is None
    assert out.to_dict() == {
        "findings": [],
        "action": {"kind": "none", "seconds": None},
        "alerts": [],
        "evasion": None,
    }


def test_out_of_order_message_is_still_handled() -> None:
    det = ChannelDetectors(1)
    det.observe(ctx(1, "hello there friends", at=100))
    out = det.observe(ctx(2, "hello there friends", at=50))
    assert out.action.kind is ActionKind.NONE
    assert det.waves(T0 + timedelta(seconds=200)) == []


def test_config_reads_back_what_was_given_or_applied() -> None:
    given = DetectionConfig(spam=SpamConfig(caps=CapsConfig(enabled=False)))
    det = ChannelDetectors(1, given)
    assert det.config is given
    det.configure(DetectionConfig())
    assert det.config == DetectionConfig()


def test_a_permit_for_a_chatter_already_seen_keeps_their_record() -> None:
    det = ChannelDetectors(1)
    assert "spam.links" in det.observe(ctx(7, "my shop: bigfollows.xyz", at=0)).codes()
    until = det.permit(7, T0 + timedelta(seconds=5))
    assert until == T0 + timedelta(seconds=65)
    assert det.sizes()["users"] == 1
    assert "spam.links" not in det.observe(ctx(7, "my shop: bigfollows.xyz", at=10)).codes()


def test_moderator_inputs_for_unknown_chatters_change_nothing() -> None:
    det = ChannelDetectors(1)
    det.revoke_permit(42)
    det.clear_evasion(42)
    assert det.sizes()["users"] == 0
    assert det.evasion_of(42) is None


def test_lowering_the_rate_limit_counts_only_up_to_the_new_limit() -> None:
    det = ChannelDetectors(1)
    for i in range(8):  # the default limit: 8 messages in 10 s
        assert "spam.rate" not in det.observe(ctx(1, f"message {i}", at=i * 0.5)).codes()
    det.configure(DetectionConfig(spam=SpamConfig(rate=RateConfig(max_messages=2))))
    out = det.observe(ctx(1, "one more", at=4.5))
    [rate] = [f for f in out.findings if f.detector == "flood"]
    assert rate.evidence["messages"] == 3 and rate.evidence["limit"] == 2
    assert rate.explanation.startswith("3 messages within 10 s")


def test_with_waves_off_a_regular_is_checked_without_the_similarity_window() -> None:
    det = ChannelDetectors(1, DetectionConfig(waves=WaveConfig(enabled=False)))
    out = det.observe(ctx(1, "THIS IS SO LOUD AND ANGRY RIGHT", at=0))
    assert out.codes() == ["spam.caps"] and out.action.kind is ActionKind.DELETE
    assert det.sizes()["clusters"] == 0
    # a newcomer still fills the window: the raid detector looks at newcomers
    det.observe(newcomer(2, "hello everyone here", at=1))
    assert det.sizes()["clusters"] == 1 and det.sizes()["raid_window"] == 1


RETURNING = dict(
    username="xXToxicKid2Xx",
    fingerprints=("fp-troll",),
    account_created_at=T0 + timedelta(seconds=300),
)
TROLL = BannedProfile(
    1,
    "xXToxicKidXx",
    T0,
    ("fp-troll",),
    ("ngl this streamer is washed fr", "ngl mods r clowns fr", "bruh u cant even aim lmaooo"),
)


def test_evasion_turned_off_flags_nobody() -> None:
    det = ChannelDetectors(1, DetectionConfig(evasion=EvasionConfig(enabled=False)), banned=[TROLL])
    out = det.observe(newcomer(7, "ngl im back fr", at=600, **RETURNING))
    assert out.findings == () and out.evasion is None
    assert det.evasion_of(7) is None
    # the same newcomer is flagged when it is on
    det.configure(DetectionConfig())
    assert det.observe(newcomer(8, "ngl im back fr", at=601, **RETURNING)).codes() == [
        "evasion.likely"
    ]


def test_check_evasion_has_nothing_to_say_about_a_regular() -> None:
    det = ChannelDetectors(1, banned=[TROLL])
    assert det.check_evasion(ctx(5, "ngl mods r clowns fr", at=0)).to_dict() == {
        "findings": [],
        "action": {"kind": "none", "seconds": None},
        "alerts": [],
        "evasion": None,
    }


def _style(n: int, loud: bool) -> list[str]:
    """Three lines of one chatter: lower-case slang, or capitalised and full stops."""
    if loud:
        return [f"Good Evening Everyone {n}.", f"Wonderful Performance Tonight {n}.", "Greetings."]
    return [f"ngl this run is mid fr {n}", f"bruh that boss lmaooo {n}", "ngl fr fr"]


def _expected(det: ChannelDetectors, background: object, ctx_: MessageContext) -> object:
    index = BannedIndex([TROLL], emotes=det.config.spam.emotes)
    index.set_background(background)  # type: ignore[arg-type]
    return assess_evasion(
        user_id=ctx_.user_id,
        username=ctx_.username,
        at=ctx_.at,
        banned=index,
        account_created_at=ctx_.account_created_at,
        fingerprints=ctx_.fingerprints,
        texts=[ctx_.text],
    )


def test_the_style_background_is_the_most_recently_active_chatters() -> None:
    det = ChannelDetectors(1, banned=[TROLL])
    older = [_style(n, loud=True) for n in range(10)]  # drowned out by the recent ones
    recent = [_style(n, loud=False) for n in range(BACKGROUND_USERS)]
    for uid, lines in enumerate([*older, *recent], start=100):
        for k, line in enumerate(lines):
            det.observe(ctx(uid, line, at=k))
    probe = newcomer(7, "ngl mods r clowns fr fr lol", at=10, **RETURNING)
    out = det.observe(probe)
    assert out.evasion == _expected(det, background_vector(recent), probe)
    assert out.evasion != _expected(det, background_vector([*older, *recent]), probe)


def test_a_background_is_kept_while_too_few_chatters_wrote_enough_to_replace_it() -> None:
    det = ChannelDetectors(1, banned=[TROLL], max_users=12)
    chatters = [_style(n, loud=n % 2 == 0) for n in range(10)]
    for uid, lines in enumerate(chatters, start=100):
        for k, line in enumerate(lines):
            det.observe(ctx(uid, line, at=k))
    first = newcomer(7, "ngl mods r clowns fr fr lol", at=10, **RETURNING)
    assert det.observe(first).evasion == _expected(det, background_vector(chatters), first)
    # an hour later the chatters who wrote enough are gone (one line each from others)
    for uid in range(200, 215):
        det.observe(ctx(uid, "hi", at=3000 + uid))
    later = newcomer(8, "ngl mods r clowns fr fr lol", at=3700, **RETURNING)
    kept = det.observe(later).evasion
    assert kept == _expected(det, background_vector(chatters), later)
    assert kept != _expected(det, None, later)
