"""Each spam filter just below and just above its threshold, with its exemptions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatwarden.detect import (
    ActionKind,
    CapsConfig,
    ChannelDetectors,
    DetectionConfig,
    LinksConfig,
    RateConfig,
    SpamConfig,
)
from chatwarden.detect.spam import check_spam, domain_allowed, find_domains
from chatwarden.settings import Role
from tests.detect.factory import T0, ctx

CFG = SpamConfig(emotes=frozenset({"LUL", "PogChamp", "KEKW"}))


def codes(text: str, config: SpamConfig = CFG, **kw: object) -> list[str]:
    return [h.code for h in check_spam(ctx(text=text, **kw), config)]


def test_caps_ratio_threshold_and_minimum_letters() -> None:
    # 15 letters: 10 capitals = 67% (under 70%), 11 = 73% (over)
    assert codes("ABCDEFGHIJklmno") == []
    assert codes("ABCDEFGHIJKlmno") == ["spam.caps"]
    # 14 letters, all capitals: under the 15-letter minimum
    assert codes("ABCDEFGHIJKLMN") == []
    hit = check_spam(ctx(text="THIS IS SO LOUD AND ANGRY RIGHT"), CFG)[0]
    assert hit.explanation == "100% capitals (limit 70%) over 25 letters"


def test_caps_ignores_channel_emotes() -> None:
    # "KEKW LUL" would push it over; as emotes they are not counted
    assert codes("KEKW LUL KEKW LUL that was funny haha") == []
    assert codes("KEKX LUX KEKX LUX THAT WAS FUNNY haha") == ["spam.caps"]


def test_symbols_ratio() -> None:
    # 16 non-space characters: 8 symbols = 50% (not over), 9 = 56%
    assert codes("abcdefgh!!!!!!!!") == []
    assert codes("abcdefg!!!!!!!!!") == ["spam.symbols"]


def test_repeated_characters_and_words() -> None:
    assert codes("a" * 15 + " ok") == []  # a run of 15 is allowed
    assert codes("a" * 16 + " ok") == ["spam.repetition"]
    assert codes(" ".join(["spam"] * 8)) == []
    assert codes(" ".join(["spam"] * 9)) == ["spam.repetition"]
    # emotes repeated are the emote filter's business
    assert codes(" ".join(["LUL"] * 12)) == []


def test_emote_flood() -> None:
    assert codes(" ".join(["LUL"] * 20)) == []
    assert codes(" ".join(["LUL"] * 21)) == ["spam.emote_flood"]


def test_length() -> None:
    text = "".join(chr(97 + i % 26) for i in range(400))
    assert codes(text) == []  # 400 characters
    assert codes(text + "x") == ["spam.length"]


def test_mentions() -> None:
    five = " ".join(f"@u{i}" for i in range(5))
    assert codes(f"hi {five}") == []
    assert codes(f"hi {five} @u5") == ["spam.mentions"]


def test_links_allow_list_and_subdomains() -> None:
    assert codes("look clips.twitch.tv/AbcDef") == []
    assert codes("look https://www.youtube.com/watch?v=1") == []
    assert codes("buy at bigfollows.xyz now") == ["spam.links"]
    assert codes("see https://evil.example.com/x") == ["spam.links"]
    assert codes("version 1.2 is out, gg.wp") == []  # not links
    assert find_domains("go to WWW.Example.org/path and http://a.b.co") == [
        "example.org",
        "a.b.co",
    ]
    assert domain_allowed("clips.twitch.tv", frozenset({"twitch.tv"}))
    assert not domain_allowed("twitch.tv.evil.com", frozenset({"twitch.tv"}))


@pytest.mark.parametrize(
    ("role", "exempt"),
    [
        (Role.VIEWER, False),
        (Role.FOLLOWER, False),
        (Role.SUBSCRIBER, False),
        (Role.VIP, True),
        (Role.MODERATOR, True),
        (Role.LEAD_MODERATOR, True),
        (Role.OWNER, True),
    ],
)
def test_default_exemptions(role: Role, exempt: bool) -> None:
    assert (codes("THIS IS SO LOUD AND ANGRY RIGHT", role=role) == []) is exempt


def test_links_exempt_subscribers_by_default_and_configurable() -> None:
    assert codes("bigfollows.xyz", role=Role.SUBSCRIBER) == []
    strict = CFG.model_copy(update={"links": LinksConfig(exempt_roles=frozenset())})
    assert codes("bigfollows.xyz", strict, role=Role.SUBSCRIBER) == ["spam.links"]
    assert codes("bigfollows.xyz", strict, role=Role.OWNER) == ["spam.links"]


def test_disabled_filter_and_min_length() -> None:
    off = CFG.model_copy(update={"caps": CapsConfig(enabled=False)})
    assert codes("THIS IS SO LOUD AND ANGRY RIGHT", off) == []
    longer = CFG.model_copy(update={"caps": CapsConfig(min_length=30)})
    assert codes("THIS IS SO LOUD AND ANGRY RIGHT", longer) == []


def test_permit_allows_links_until_it_expires() -> None:
    det = ChannelDetectors(1, DetectionConfig(spam=CFG))
    until = det.permit(7, T0)
    assert until == T0 + timedelta(seconds=60)
    ok = det.observe(ctx(7, "my shop: bigfollows.xyz", at=59.0))
    assert "spam.links" not in ok.codes()
    late = det.observe(ctx(7, "my shop: bigfollows.xyz", at=60.0))
    assert "spam.links" in late.codes()
    # someone else never had a permit
    assert "spam.links" in det.observe(ctx(8, "bigfollows.xyz", at=1.0)).codes()
    det.permit(9, T0)
    det.revoke_permit(9)
    assert "spam.links" in det.observe(ctx(9, "bigfollows.xyz", at=2.0)).codes()
    # a permit given in another process keeps its own end
    assert det.permit(10, T0, T0 + timedelta(seconds=5)) == T0 + timedelta(seconds=5)
    assert "spam.links" not in det.observe(ctx(10, "bigfollows.xyz", at=4.0)).codes()
    assert "spam.links" in det.observe(ctx(10, "bigfollows.xyz", at=5.0)).codes()


def test_timeouts_escalate_per_user_and_reset_after_the_window() -> None:
    cfg = CFG.model_copy(
        update={"caps": CapsConfig(action="timeout", timeouts=(5, 600), escalation_window_s=3600)}
    )
    det = ChannelDetectors(1, DetectionConfig(spam=cfg))
    loud = "THIS IS SO LOUD AND ANGRY RIGHT"
    first = det.observe(ctx(1, loud, at=0))
    assert (first.action.kind, first.action.seconds) == (ActionKind.TIMEOUT, 5)
    assert "spam.caps" in first.codes()
    assert det.observe(ctx(1, loud, at=10)).action.seconds == 600
    assert det.observe(ctx(1, loud, at=20)).action.seconds == 600  # the last step repeats
    assert det.observe(ctx(2, loud, at=30)).action.seconds == 5  # per user
    # an hour after the user's offences they start again at 5 s
    assert det.observe(ctx(1, loud, at=20 + 3601)).action.seconds == 5


def test_delete_and_hold_actions() -> None:
    det = ChannelDetectors(1, DetectionConfig(spam=CFG))
    assert det.observe(ctx(1, "bigfollows.xyz")).action.kind is ActionKind.DELETE
    held = CFG.model_copy(update={"links": LinksConfig(action="hold")})
    det = ChannelDetectors(1, DetectionConfig(spam=held))
    assert det.observe(ctx(1, "bigfollows.xyz")).action.kind is ActionKind.HOLD


def test_rate_limit() -> None:
    det = ChannelDetectors(1, DetectionConfig(spam=CFG.model_copy(update={"rate": RateConfig()})))
    # 8 messages in 10 s are fine, the 9th inside the same 10 s is not
    results = [det.observe(ctx(1, f"msg {i}", at=i)) for i in range(9)]
    assert all("spam.rate" not in r.codes() for r in results[:8])
    assert results[8].action.kind is ActionKind.TIMEOUT
    assert results[8].findings[0].detector == "flood"
    # spread out, the same count is fine
    det = ChannelDetectors(1, DetectionConfig(spam=CFG))
    assert all("spam.rate" not in det.observe(ctx(1, "hi", at=i * 2)).codes() for i in range(20))
    # moderators are exempt
    det = ChannelDetectors(1, DetectionConfig(spam=CFG))
    mod = [det.observe(ctx(1, f"m{i}", at=i * 0.1, role=Role.MODERATOR)) for i in range(20)]
    assert all(not r.findings for r in mod)


def test_findings_are_json_ready() -> None:
    det = ChannelDetectors(1, DetectionConfig(spam=CFG))
    out = det.observe(
        ctx(1, "THIS IS SO REALLY LOUD AND ANGRY NOW BUY IT AT bigfollows.xyz", message_id=42)
    )
    data = out.to_dict()
    assert {f["code"] for f in data["findings"]} == {"spam.caps", "spam.links"}
    assert data["findings"][0]["message_id"] == 42
    assert data["action"] == {"kind": "delete", "seconds": None}
