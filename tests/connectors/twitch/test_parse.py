"""The pure half of the Twitch connector against the documented shapes (the recorded fixtures
in ``tests/fixtures/twitch/``): EventSub frames, chat messages, and the Helix requests each
effect becomes."""

from __future__ import annotations

import json

import pytest

from chatwarden.connectors.base import EmoteSpan
from chatwarden.connectors.twitch.parse import (
    HelixRequest,
    automod_decision,
    chat_message,
    held_message,
    keepalive_s,
    parse_frame,
    ratelimit_wait_s,
    requests_for,
    subscriptions,
)
from chatwarden.rules.effects import Ban, Delete, Deliver, Hold, Target, Timeout, Warn
from chatwarden.settings import Role
from tests.connectors.twitch.fake import FIXTURES, _check, fixture


def frame_of(name: str) -> str:
    return (FIXTURES / "eventsub_ws" / name).read_text()


def test_every_recorded_frame_parses() -> None:
    types = {parse_frame(p.read_text()).message_type for p in (FIXTURES / "eventsub_ws").iterdir()}
    assert types == {
        "session_welcome",
        "session_keepalive",
        "session_reconnect",
        "notification",
        "revocation",
    }
    welcome = parse_frame(frame_of("session_welcome.json"))
    assert welcome.session["id"] == "AQoQILE98gtqShGmLD7AM6yJThAB"
    assert keepalive_s(welcome) == 10.0
    assert keepalive_s(parse_frame(frame_of("session_reconnect.json"))) == 10.0  # null: default
    note = parse_frame(frame_of("notification.channel.chat.message.json"))
    assert (note.subscription_type, note.subscription_version) == ("channel.chat.message", "1")
    with pytest.raises(ValueError, match="not an EventSub message"):
        parse_frame('{"payload": {}}')


def test_a_chat_message_maps_badges_to_a_role_and_emote_fragments_to_positions() -> None:
    event = parse_frame(frame_of("notification.channel.chat.message.json")).event
    msg = chat_message(event, "cool_streamer")
    assert msg is not None
    assert msg.message_id == "cc106a89-1814-919d-454c-f4f2f970aae7"
    assert (msg.user.id, msg.user.login, msg.user.platform) == ("4145994", "viewer32", "twitch")
    assert msg.role == Role.MODERATOR  # moderator and subscriber badges: the stronger one
    assert msg.text == "Hi chat Kappa"
    assert msg.emotes == (EmoteSpan("Kappa", 8, 13, "25"),)
    assert msg.idempotency_key == "twitch:cc106a89-1814-919d-454c-f4f2f970aae7"


@pytest.mark.parametrize(
    ("badges", "role"),
    [
        (["broadcaster", "subscriber"], Role.OWNER),
        (["vip"], Role.VIP),
        (["founder"], Role.SUBSCRIBER),
        (["subscriber", "moderator"], Role.MODERATOR),
        (["partner", "turbo"], Role.VIEWER),
        ([], Role.VIEWER),
    ],
)
def test_badges_to_roles(badges: list[str], role: Role) -> None:
    event = dict(fixture("channel.chat.message.v1.json")["event"])
    event["badges"] = [{"set_id": b, "id": "1", "info": ""} for b in badges]
    msg = chat_message(event, "c")
    assert msg is not None and msg.role == role


def test_emote_positions_count_code_points_and_skip_what_does_not_match() -> None:
    event = dict(fixture("channel.chat.message.v1.json")["event"])
    text = "😂 Kappa hi"
    event["message"] = {
        "text": text,
        "fragments": [
            {"type": "text", "text": "😂 ", "emote": None},
            {"type": "emote", "text": "Kappa", "emote": {"id": "25"}},
            {"type": "text", "text": " hi", "emote": None},
        ],
    }
    msg = chat_message(event, "c")
    assert msg is not None and msg.emotes == (EmoteSpan("Kappa", 2, 7, "25"),)
    assert text[2:7] == "Kappa"
    event["message"] = {"text": "other", "fragments": event["message"]["fragments"]}
    msg = chat_message(event, "c")
    assert msg is not None and msg.emotes == ()


def test_a_message_without_an_id_or_text_is_not_a_message() -> None:
    event = dict(fixture("channel.chat.message.v1.json")["event"])
    assert chat_message({**event, "message_id": ""}, "c") is None
    assert chat_message({**event, "message": {"text": "", "fragments": []}}, "c") is None


def test_a_twitch_held_message_maps_its_sender() -> None:
    event = parse_frame(frame_of("notification.automod.message.hold.json")).event
    msg = held_message(event, "cool_streamer")
    assert msg is not None
    assert (msg.message_id, msg.user.id, msg.user.login, msg.text) == (
        "bad-message-id",
        "9001",
        "cool_user",
        "😂 boobs",
    )
    assert msg.role == Role.VIEWER


def test_subscriptions_are_the_documented_request_bodies() -> None:
    bodies = subscriptions("1337", "9001", "sess", automod=True)
    assert [(b["type"], b["version"]) for b in bodies] == [
        ("channel.chat.message", "1"),
        ("automod.message.hold", "2"),
        ("automod.message.update", "2"),
    ]
    assert bodies[0]["condition"] == {"broadcaster_user_id": "1337", "user_id": "9001"}
    assert bodies[1]["condition"] == {"broadcaster_user_id": "1337", "moderator_user_id": "9001"}
    assert all(b["transport"] == {"method": "websocket", "session_id": "sess"} for b in bodies)
    assert _check("POST", "/helix/eventsub/subscriptions", {}, bodies[0]) is None
    assert len(subscriptions("1337", "9001", "sess", automod=False)) == 1


TARGET = Target(1, 2, "viewer32", "msg-1", "text")
IDS = {"broadcaster_id": "1337", "moderator_id": "9001", "user_id": "4145994"}
WHO = (("broadcaster_id", "1337"), ("moderator_id", "9001"))


def only(effect: object, **kw: object) -> HelixRequest:
    (req,) = requests_for(effect, TARGET, **{**IDS, **kw})  # type: ignore[arg-type]
    problem = _check(req.method, "/helix" + req.path, dict(req.params), _json(req.body))
    assert problem is None, problem
    return req


def _json(body: object) -> object:
    return None if body is None else json.loads(json.dumps(body))


def test_each_effect_is_the_documented_helix_call() -> None:
    assert only(Hold("held")) == HelixRequest(
        "DELETE", "/moderation/chat", (*WHO, ("message_id", "msg-1"))
    )
    assert only(Delete("blocked")).method == "DELETE"
    timeout = only(Timeout("cool off", 600))
    assert (timeout.method, timeout.path, timeout.params) == ("POST", "/moderation/bans", WHO)
    assert timeout.body == {"data": {"user_id": "4145994", "duration": 600, "reason": "cool off"}}
    assert only(Timeout("x", 99_999_999)).body["data"]["duration"] == 1_209_600  # type: ignore[index]
    assert only(Ban("enough")).body == {"data": {"user_id": "4145994", "reason": "enough"}}
    warn = only(Warn("be nice"))
    assert (warn.path, warn.body) == (
        "/moderation/warnings",
        {"data": {"user_id": "4145994", "reason": "be nice"}},
    )


def test_what_cannot_be_done_is_nothing() -> None:
    assert requests_for(Deliver(""), TARGET, **IDS) == []
    no_id = Target(1, 2, "viewer32", None)
    assert requests_for(Hold("h"), no_id, **IDS) == []
    assert requests_for(Ban("b"), TARGET, broadcaster_id="1", moderator_id="2", user_id=None) == []


def test_a_message_twitch_holds_is_denied_on_a_block_and_left_held_on_a_hold() -> None:
    assert requests_for(Hold("h"), TARGET, **IDS, held_by_twitch=True) == []
    deny = only(Delete("blocked"), held_by_twitch=True)
    assert deny == HelixRequest(
        "POST",
        "/moderation/automod/message",
        (),
        {"user_id": "9001", "msg_id": "msg-1", "action": "DENY"},
    )
    assert automod_decision("9001", "m", allow=True).body == {
        "user_id": "9001",
        "msg_id": "m",
        "action": "ALLOW",
    }


def test_ratelimit_reset_is_when_to_try_again() -> None:
    assert ratelimit_wait_s({"ratelimit-reset": "1005"}, 1000.0) == 5.0
    assert ratelimit_wait_s({"Ratelimit-Reset": "999"}, 1000.0) == 0.1
    assert ratelimit_wait_s({}, 1000.0) == 1.0
    assert ratelimit_wait_s({"ratelimit-reset": "9999"}, 1000.0) == 60.0
