"""The pure parts of the Matrix connector: what a message's content shows, power levels as
roles, the room's creators, and effects as client-server API calls."""

from __future__ import annotations

import pytest

from chatwarden.connectors.matrix.api import calls_for, quoted, txn_id
from chatwarden.connectors.matrix.parse import (
    CREATOR_LEVEL,
    PowerLevels,
    creators,
    inbound_message,
    parse_levels,
    role_for,
    room_update,
    visible_text,
)
from chatwarden.rules.effects import Ban, Delete, Hold, Target, Timeout, Warn
from chatwarden.settings import Role

ROOM = "!room:example.org"
BOT = "@cwbot:example.org"


def test_a_formatted_body_is_read_as_members_see_it() -> None:
    content = {
        "body": "> <@a:x> earlier\n\nfine words",
        "format": "org.matrix.custom.html",
        "formatted_body": "<mx-reply><blockquote>earlier</blockquote></mx-reply>"
        "<p>you&#39;re <b>awful</b></p><p>bye<img data-mx-emoticon src='mxc://x/y' "
        "alt=':wave:'></p>",
    }
    text, emotes = visible_text(content)
    assert text == "you're awful bye :wave:"
    assert [(e.code, text[e.start : e.end]) for e in emotes] == [(":wave:", ":wave:")]


def test_a_plain_reply_drops_its_quoted_fallback() -> None:
    content = {
        "body": "> <@a:x> earlier\n> more\n\nmy\nanswer",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$e"}},
    }
    assert visible_text(content) == ("my answer", ())
    assert visible_text({"body": "> quoted\nline"}) == ("> quoted line", ())


def event(content: dict[str, object], sender: str = "@bob:example.org") -> dict[str, object]:
    return {"type": "m.room.message", "sender": sender, "event_id": "$e1", "content": content}


def test_which_events_are_chat() -> None:
    levels = PowerLevels({"@mod:example.org": 50})
    msg = inbound_message(event({"msgtype": "m.emote", "body": "waves"}), ROOM, levels, BOT)
    assert msg is not None and (msg.text, msg.role, msg.message_id) == ("waves", Role.VIEWER, "$e1")
    assert msg.user.id == msg.user.login == "@bob:example.org" and msg.user.display_name == "bob"
    edit = {
        "msgtype": "m.text",
        "body": "* new",
        "m.new_content": {"msgtype": "m.text", "body": "new"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$e0"},
    }
    edited = inbound_message(event(edit), ROOM, levels, BOT)
    assert edited is not None and edited.text == "new"
    mod = inbound_message(
        event({"msgtype": "m.text", "body": "x"}, "@mod:example.org"), ROOM, levels, BOT
    )
    assert mod is not None and mod.role == Role.MODERATOR
    for skipped in (
        event({"msgtype": "m.image", "body": "cat.png"}),
        event({"msgtype": "m.text", "body": "mine"}, BOT),
        event({}),  # redacted
        event({"msgtype": "m.text", "body": "   "}),
        {**event({"msgtype": "m.text", "body": "x"}), "type": "m.sticker"},
    ):
        assert inbound_message(skipped, ROOM, levels, BOT) is None


def test_power_levels_map_to_roles() -> None:
    assert role_for(100) == Role.OWNER and role_for(50) == Role.MODERATOR
    assert role_for(49) == Role.VIEWER and role_for(CREATOR_LEVEL) == Role.OWNER
    levels = parse_levels(["10=vip", "75=lead_moderator"])
    assert levels == ((75, Role.LEAD_MODERATOR), (10, Role.VIP))
    assert role_for(80, levels) == Role.LEAD_MODERATOR and role_for(10, levels) == Role.VIP
    for bad in ("x=vip", "10", "10=viewer"):
        with pytest.raises(ValueError, match="LEVEL=ROLE"):
            parse_levels([bad])


def test_room_version_12_creators_are_above_every_level() -> None:
    v12 = {"sender": "@a:x", "content": {"room_version": "12", "additional_creators": ["@b:x"]}}
    assert creators(v12) == {"@a:x", "@b:x"}
    assert creators({"sender": "@a:x", "content": {"room_version": "10"}}) == frozenset()
    levels = PowerLevels.from_content({"users": {"@c:x": 50}, "users_default": 5}, creators(v12))
    assert (levels.level("@a:x"), levels.level("@c:x"), levels.level("@d:x")) == (
        CREATOR_LEVEL,
        50,
        5,
    )


def test_a_sync_answer_is_read_for_the_room() -> None:
    power = {"type": "m.room.power_levels", "state_key": "", "content": {"users": {"@m:x": 50}}}
    member = {"type": "m.room.member", "state_key": "@m:x", "content": {"displayname": "Mo"}}
    sync = {
        "rooms": {
            "join": {
                ROOM: {
                    "state": {"events": [member]},
                    "timeline": {"events": [power], "limited": True, "prev_batch": "p1"},
                }
            }
        }
    }
    update = room_update(sync, ROOM)
    assert update.power_levels == power["content"] and update.limited and update.prev_batch == "p1"
    assert update.names == {"@m:x": "Mo"} and not update.left
    assert room_update({"rooms": {"leave": {ROOM: {}}}}, ROOM).left


def test_effects_are_client_server_calls() -> None:
    target = Target(1, 2, "@bob:example.org", "$ev/1", "text")
    (redact,) = calls_for(ROOM, target, Hold("ChatWarden: held for review"))
    assert redact.method == "PUT" and redact.kind == "redact"
    assert (
        redact.path
        == f"/rooms/%21room%3Aexample.org/redact/%24ev%2F1/{txn_id('redact', ROOM, '$ev/1')}"
    )
    assert redact.json == {"reason": "ChatWarden: held for review"}
    assert calls_for(ROOM, target, Delete("x")) == [
        redact.__class__(redact.method, redact.path, {"reason": "x"})
    ]
    (kick,) = calls_for(ROOM, target, Timeout("cool off", 600))
    assert (kick.method, kick.kind, kick.json) == (
        "POST",
        "kick",
        {"user_id": "@bob:example.org", "reason": "cool off"},
    )
    (ban,) = calls_for(ROOM, target, Ban("enough"))
    assert ban.kind == "ban"
    assert calls_for(ROOM, target, Warn("be kind")) == []
    assert calls_for(ROOM, Target(1, 2, "@bob:example.org", None), Hold("x")) == []
    assert quoted("bob", "a\nb") == "bob (held, allowed by a moderator):\n> a\n> b"
