"""ChatWarden's events parse with a client written for Twitch's EventSub.

Each event the services emit is compared with the payload Twitch documents for its type and
version (``tests/fixtures/twitch/``): every field Twitch gives is in ours, with the same JSON
type and nesting; our extras use names Twitch does not use in that type. Values are checked
where they can be: code point boundaries (end inclusive) on text with astral characters, and
the category vocabulary of EventSub (not the settings field names).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatwarden.bus import InProcessBus, channel_topic, mods_topic
from chatwarden.decision import Reason, Span
from chatwarden.service import events
from chatwarden.services import Services
from chatwarden.settings import Role
from chatwarden.store.channels import ChannelRow
from tests.service.conftest import Cast, Recorder

FIXTURES = Path(__file__).parent.parent / "fixtures" / "twitch"
TOXIC = "you are a worthless idiot and everyone hates you"
EVENTSUB_CATEGORIES = {
    "aggressive",
    "bullying",
    "disability",
    "sexuality",
    "sexwords",
    "misogyny",
    "racism",
    "profanity",
    "swearing",
}


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return body


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def _names(value: Any) -> set[str]:
    """Every key used anywhere in ``value``."""
    if isinstance(value, dict):
        return set(value) | {n for v in value.values() for n in _names(v)}
    if isinstance(value, list):
        return {n for v in value for n in _names(v)}
    return set()


def mismatches(twitch: Any, ours: Any, twitch_names: set[str], path: str = "event") -> list[str]:
    """How ``ours`` fails to parse as ``twitch`` (empty: it parses)."""
    if twitch is None:  # nullable in Twitch's payload: only the key is required
        return []
    if _kind(twitch) != _kind(ours):
        return [f"{path}: Twitch has {_kind(twitch)}, ours is {_kind(ours)} ({ours!r:.60})"]
    out: list[str] = []
    if isinstance(twitch, dict):
        for key, value in twitch.items():
            if key not in ours:
                out.append(f"{path}.{key}: missing")
            else:
                out += mismatches(value, ours[key], twitch_names, f"{path}.{key}")
        out += [
            f"{path}.{k}: extra under a name Twitch uses"
            for k in ours
            if k not in twitch and k in twitch_names
        ]
    elif isinstance(twitch, list) and twitch:
        for i, item in enumerate(ours):
            # fragments: compare with Twitch's fragment of the same type where there is one
            same = [
                t
                for t in twitch
                if isinstance(t, dict)
                and isinstance(item, dict)
                and t.get("type") == item.get("type")
            ]
            out += mismatches((same or twitch)[0], item, twitch_names, f"{path}[{i}]")
    return out


def type_names(name: str) -> set[str]:
    """The keys Twitch uses anywhere in this type's events (all its variants' fixtures)."""
    doc = fixture(name)["subscription"]
    variants = FIXTURES.glob(f"{doc['type']}.v{doc['version']}*.json")
    return {n for path in variants for n in _names(json.loads(path.read_text())["event"])}


def assert_parses(name: str, env: dict[str, Any]) -> None:
    doc = fixture(name)
    assert env["type"] == doc["subscription"]["type"]
    assert env["version"] == doc["subscription"]["version"]
    problems = mismatches(doc["event"], env["event"], type_names(name))
    assert problems == [], f"{name}:\n" + "\n".join(problems)


# -- the comparison itself fails where it should ---------------------------------------------


def test_the_comparison_catches_a_list_boundary_a_missing_id_and_a_wrong_type() -> None:
    doc = fixture("automod.message.hold.v2.blocked_term")["event"]
    found = doc["blocked_term"]["terms_found"][0]
    old = {**found, "boundary": [found["boundary"]]}
    del old["term_id"]
    ours = {**doc, "blocked_term": {"terms_found": [old]}, "held_at": 5}
    problems = mismatches(doc, ours, _names(doc))
    assert any("boundary: Twitch has object, ours is array" in p for p in problems)
    assert any("term_id: missing" in p for p in problems)
    assert any("held_at: Twitch has string" in p for p in problems)


def test_the_comparison_refuses_an_extra_under_a_twitch_name() -> None:
    doc = fixture("channel.moderate.v2.ban")["event"]
    ours = {**doc, "ban": {**doc["ban"], "message_id": "x"}}  # a name Twitch uses in delete
    names = type_names("channel.moderate.v2.ban")
    assert mismatches(doc, ours, names) == ["event.ban.message_id: extra under a name Twitch uses"]
    assert mismatches(doc, {**doc, "channel_id": 1}, names) == []


# -- through the services ---------------------------------------------------------------------


@pytest.fixture
def rec(cast: Cast, bus: InProcessBus) -> Iterator[Recorder]:
    cid = cast.channel.id
    r = Recorder(bus, channel_topic(cid), mods_topic(cid))
    yield r
    r.close()


def of_type(envs: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in envs if e["type"] == event_type]


def test_chat_message_and_its_deletion(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    sent = services.chat.send_message(cast.vera, cid, "hello 😂 chat")
    [msg] = of_type(rec.drain(channel_topic(cid)), events.CHAT_MESSAGE)
    assert_parses("channel.chat.message.v1", msg)
    assert msg["event"]["badges"][0]["set_id"] == "vip"
    rec.drain(mods_topic(cid))
    services.actions.delete_message(cast.mike, cid, str(sent.message_id))
    [deleted] = of_type(rec.drain(channel_topic(cid)), events.CHAT_MESSAGE_DELETE)
    assert_parses("channel.chat.message_delete.v1", deleted)
    assert deleted["event"]["removed_by"] == "moderator"  # ChatWarden's extra
    [moderate] = of_type(rec.drain(mods_topic(cid)), events.MODERATE)
    assert_parses("channel.moderate.v2.delete", moderate)
    assert moderate["event"]["delete"]["message_body"] == "hello 😂 chat"
    assert moderate["event"]["ban"] is None and moderate["event"]["warn"] is None


def test_hold_and_update_are_v2_with_eventsub_categories(
    services: Services, cast: Cast, rec: Recorder
) -> None:
    cid = cast.channel.id
    result = services.chat.send_message(cast.mallory, cid, TOXIC)
    [hold] = of_type(rec.drain(mods_topic(cid)), events.AUTOMOD_HOLD)
    assert_parses("automod.message.hold.v2.automod", hold)
    automod = hold["event"]["automod"]
    assert automod["category"] == "bullying" and automod["category"] in EVENTSUB_CATEGORIES
    for b in automod["boundaries"]:  # end inclusive: the flagged word, whole
        assert (
            TOXIC[b["start_pos"] : b["end_pos"] + 1].strip()
            == TOXIC[b["start_pos"] : b["end_pos"] + 1]
        )
    [item] = services.review.list_pending(cast.mike, cid)
    assert item.message.id == result.message_id
    services.review.resolve(cast.mike, item.id, "deny")
    [update] = of_type(rec.drain(mods_topic(cid)), events.AUTOMOD_UPDATE)
    assert_parses("automod.message.update.v2.automod", update)
    assert update["event"]["status"] == "denied" and update["event"]["automod"] == automod


def test_moderation_actions_are_channel_moderate_v2(
    services: Services, cast: Cast, rec: Recorder
) -> None:
    cid, uid = cast.channel.id, cast.victor.user_id
    services.actions.warn(cast.mike, cid, uid, "be nice")
    services.actions.timeout(cast.mike, cid, uid, 60, "cool off")
    services.actions.untimeout(cast.mike, cid, uid)
    services.actions.ban(cast.mike, cid, uid, "spam")
    services.actions.unban(cast.mike, cid, uid)
    services.actions.clear_chat(cast.mike, cid)
    services.channels.set_role(cast.olivia, cid, uid, Role.MODERATOR)
    services.channels.set_role(cast.olivia, cid, uid, Role.VIEWER)
    services.channels.set_role(cast.olivia, cid, uid, Role.VIP)
    services.channels.set_role(cast.olivia, cid, uid, Role.VIEWER)
    mods = of_type(rec.drain(mods_topic(cid)), events.MODERATE)
    actions = [e["event"]["action"] for e in mods]
    assert actions == [
        "warn",
        "timeout",
        "untimeout",
        "ban",
        "unban",
        "clear",
        "mod",
        "unmod",
        "vip",
        "unvip",
    ]
    for env in mods:
        assert_parses(f"channel.moderate.v2.{env['event']['action']}", env)
    assert mods[0]["event"]["warn"]["reason"] == "be nice"
    # the public copy leaves the reason out: the key stays, empty, as Twitch sends a ban without one
    public = of_type(rec.drain(channel_topic(cid)), events.MODERATE)
    [ban] = [e for e in public if e["event"]["action"] == "ban"]
    assert_parses("channel.moderate.v2.ban", ban)
    assert ban["event"]["ban"]["reason"] == ""


def test_settings_terms_and_chat_modes(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    services.automod.update_settings(
        cast.olivia, cid, {"overall_level": None, "levels": {"bullying": 4}}
    )
    services.automod.add_term(cast.olivia, cid, "badword")
    services.modes.update(cast.mike, cid, {"slow_mode_s": 30})
    mods = rec.drain(mods_topic(cid))
    [settings] = of_type(mods, events.AUTOMOD_SETTINGS_UPDATE)
    assert_parses("automod.settings.update.v1", settings)
    assert settings["event"]["bullying"] == 4 and settings["event"]["overall_level"] is None
    [terms] = of_type(mods, events.AUTOMOD_TERMS_UPDATE)
    assert_parses("automod.terms.update.v1", terms)
    [moderate] = of_type(mods, events.MODERATE)  # the same change as channel.moderate
    assert_parses("channel.moderate.v2.add_blocked_term", moderate)
    assert moderate["event"]["automod_terms"]["terms"] == ["badword"]
    [modes] = of_type(mods + rec.drain(channel_topic(cid)), events.CHAT_SETTINGS_UPDATE)[:1]
    assert_parses("channel.chat_settings.update.v1", modes)
    assert modes["event"]["slow_mode_wait_time_seconds"] == 30


def test_unban_requests(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    services.actions.ban(cast.mike, cid, cast.victor.user_id, "spam")
    request = services.unban.create_request(cast.victor, cid, "sorry")
    services.unban.resolve(cast.mike, request.id, False, "no")
    mods = rec.drain(mods_topic(cid))
    [create] = of_type(mods, events.UNBAN_REQUEST_CREATE)
    assert_parses("channel.unban_request.create.v1", create)
    [resolve] = of_type(mods, events.UNBAN_REQUEST_RESOLVE)
    assert_parses("channel.unban_request.resolve.v1", resolve)
    assert resolve["event"]["status"] == "denied"
    [deny] = [e for e in of_type(mods, events.MODERATE) if e["event"]["action"] != "ban"]
    assert_parses("channel.moderate.v2.deny_unban_request", deny)
    assert deny["event"]["unban_request"]["is_approved"] is False


def test_shield_mode_and_suspicious_users(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    services.shield.activate(cast.mike, cid)
    services.shield.deactivate(cast.mike, cid)
    services.suspicious.flag(cast.mike, cid, cast.victor.user_id, "monitored")
    services.chat.send_message(cast.victor, cid, "hi 😂")
    mods = rec.drain(mods_topic(cid))
    assert_parses("channel.shield_mode.begin.v1", of_type(mods, events.SHIELD_MODE_BEGIN)[0])
    assert_parses("channel.shield_mode.end.v1", of_type(mods, events.SHIELD_MODE_END)[0])
    assert_parses(
        "channel.suspicious_user.update.v1", of_type(mods, events.SUSPICIOUS_USER_UPDATE)[0]
    )
    [message] = of_type(mods, events.SUSPICIOUS_USER_MESSAGE)
    assert_parses("channel.suspicious_user.message.v1", message)
    assert message["event"]["low_trust_status"] == "active_monitoring"


# -- blocked terms (a term blocks on the chat path; a hold or update can still carry one) ------

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CHANNEL = ChannelRow(7, "cool_streamer", 1337, NOW, {}, {}, 0, None)


def _hold(text: str, reasons: list[Reason]) -> dict[str, Any]:
    decision = {"reasons": [r.to_dict(reveal_private=False) for r in reasons]}
    event = events.automod_hold(
        CHANNEL,
        message_id="m1",
        sender_id=9001,
        sender_name="cool_user",
        text=text,
        held_at=NOW,
        expires_at=NOW,
        item_id=1,
        decision=decision,
    )
    return events.envelope(events.AUTOMOD_HOLD, event, NOW)


def test_blocked_terms_have_ids_owners_and_one_inclusive_code_point_boundary() -> None:
    text = "😂𝔣 foo and bar"  # two astral code points first: UTF-16 would count four
    foo = Reason(kind="blocked_term", spans=(Span(3, 6),), term="foo", term_scope="channel")
    bar = Reason(kind="blocked_term", spans=(Span(11, 14),), term="bar", term_private=True)
    env = _hold(text, [foo, bar])
    assert_parses("automod.message.hold.v2.blocked_term", env)
    found = env["event"]["blocked_term"]["terms_found"]
    assert [text[f["boundary"]["start_pos"] : f["boundary"]["end_pos"] + 1] for f in found] == [
        "foo",
        "bar",
    ]
    assert env["event"]["reason"] == "blocked_term" and env["event"]["automod"] is None
    # neither the text nor the private flag: Twitch sends neither
    assert all(
        set(f)
        == {
            "term_id",
            "owner_broadcaster_user_id",
            "owner_broadcaster_user_login",
            "owner_broadcaster_user_name",
            "boundary",
        }
        for f in found
    )
    # a public term's id is stable; a private term's is per message (nothing to guess against)
    again = _hold(text, [foo, bar])["event"]["blocked_term"]["terms_found"]
    assert again[0]["term_id"] == found[0]["term_id"]
    other = events.automod_hold(
        CHANNEL,
        message_id="m2",
        sender_id=1,
        sender_name="x",
        text=text,
        held_at=NOW,
        expires_at=NOW,
        item_id=2,
        decision={"reasons": [bar.to_dict(reveal_private=False)]},
    )
    assert other["blocked_term"]["terms_found"][0]["term_id"] != found[1]["term_id"]
    # the redacted decision still rides along as ChatWarden's extra, private text hidden
    assert [r["term"] for r in env["event"]["decision"]["reasons"]] == ["foo", None]


def test_update_v2_carries_the_blocked_term_reason() -> None:
    foo = Reason(kind="blocked_term", spans=(Span(6, 9),), term="foo")
    event = events.automod_update(
        CHANNEL,
        message_id="m1",
        item_id=1,
        sender_id=9001,
        sender_name="cool_user",
        text="boobs foo",
        status="approved",
        moderator_id=1337,
        moderator_name="cool_mod",
        held_at=NOW,
        decision={"reasons": [foo.to_dict()]},
    )
    assert_parses(
        "automod.message.update.v2.blocked_term", events.envelope(events.AUTOMOD_UPDATE, event, NOW)
    )


@pytest.mark.parametrize(
    ("ours", "twitch"),
    [
        ("aggression", "aggressive"),
        ("sex_based_terms", "sexwords"),
        ("race_ethnicity_or_religion", "racism"),
        ("sexuality_sex_or_gender", "sexuality"),
        ("swearing", "swearing"),
        ("disability", "disability"),
        ("misogyny", "misogyny"),
        ("bullying", "bullying"),
    ],
)
def test_categories_use_eventsub_names(ours: str, twitch: str) -> None:
    reason = Reason(kind="category", spans=(Span(2, 7),), category=ours, level=3)  # type: ignore[arg-type]
    env = _hold("😂 boobs", [reason])
    assert_parses("automod.message.hold.v2.automod", env)
    automod = env["event"]["automod"]
    assert automod["category"] == twitch and twitch in EVENTSUB_CATEGORIES
    assert (
        automod["boundaries"]
        == fixture("automod.message.hold.v2.automod")["event"]["automod"]["boundaries"]
    )


def test_ban_unban_clear_and_warnings_have_their_own_twitch_types(
    services: Services, cast: Cast, rec: Recorder
) -> None:
    cid, uid = cast.channel.id, cast.victor.user_id
    services.actions.warn(cast.mike, cid, uid, "be nice")
    services.actions.acknowledge_warning(cast.victor, cid)
    services.actions.acknowledge_warning(cast.victor, cid)  # nothing pending: no event
    services.actions.timeout(cast.mike, cid, uid, 60, "cool off")
    services.actions.untimeout(cast.mike, cid, uid)
    services.actions.ban(cast.mike, cid, uid, "spam")
    services.actions.unban(cast.mike, cid, uid)
    services.actions.clear_chat(cast.mike, cid)
    mods = rec.drain(mods_topic(cid))
    [send] = of_type(mods, events.WARNING_SEND)
    assert_parses("channel.warning.send.v1", send)
    assert send["event"]["reason"] == "be nice"
    [ack] = of_type(mods, events.WARNING_ACKNOWLEDGE)
    assert_parses("channel.warning.acknowledge.v1", ack)
    timeout, ban = of_type(mods, events.BAN)
    assert_parses("channel.ban.v1.timeout", timeout)
    assert_parses("channel.ban.v1.ban", ban)
    assert timeout["event"]["is_permanent"] is False and timeout["event"]["ends_at"]
    assert ban["event"]["is_permanent"] is True and ban["event"]["ends_at"] is None
    assert ban["event"]["reason"] == "spam"
    [unban] = of_type(mods, events.UNBAN)  # an untimeout is not an unban
    assert_parses("channel.unban.v1", unban)
    [clear] = of_type(rec.drain(channel_topic(cid)), events.CHAT_CLEAR)
    assert_parses("channel.chat.clear.v1", clear)
    assert of_type(mods, events.CHAT_CLEAR) == []
