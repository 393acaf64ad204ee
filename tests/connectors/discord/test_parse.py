"""The Discord protocol's pure parts, from the documented shapes (tests/fixtures/discord/)."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime

import pytest

from chatwarden.connectors.discord import parse
from chatwarden.connectors.discord.rest import (
    MAX_TIMEOUT_S,
    Call,
    audit_reason,
    calls_for,
    quoted,
    repost_call,
)
from chatwarden.pipeline.classify import model_input
from chatwarden.pipeline.normalise import normalise
from chatwarden.rules.effects import Ban, Delete, Hold, Target, Timeout, Warn
from chatwarden.settings import Role
from tests.connectors.discord.fake import CHANNEL, GUILD, OWNER, fixture

MOD, VIP = "1300000000000000003", "1300000000000000002"
ROLES = {MOD: Role.MODERATOR, VIP: Role.VIP}
NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)


def created() -> dict[str, object]:
    data: dict[str, object] = copy.deepcopy(fixture("message_create")["d"])
    return data


def test_a_message_create_is_a_chatwarden_message_with_its_emotes() -> None:
    msg = parse.inbound_message(created(), CHANNEL, ROLES, OWNER)
    assert msg is not None
    assert (msg.platform, msg.channel, msg.message_id) == (
        "discord",
        CHANNEL,
        "1318100000000000001",
    )
    assert (msg.user.id, msg.user.login, msg.user.display_name) == (
        "1500000000000000001",
        "bobthebuilder",
        "Bob",
    )
    assert msg.role == Role.VIP
    assert msg.idempotency_key == "discord:1318100000000000001"
    assert [(e.code, e.emote_id) for e in msg.emotes] == [
        ("<:pogchamp:1400000000000000001>", "1400000000000000001"),
        ("<a:wave:1400000000000000002>", "1400000000000000002"),
    ]
    for e in msg.emotes:
        assert msg.text[e.start : e.end] == e.code
    assert msg.sent_at_ms == int(datetime(2026, 12, 7, 5, 12, 0, 123000, UTC).timestamp() * 1000)


def test_emotes_are_cut_from_what_the_model_reads() -> None:
    text = "you <:die_bitch:1400000000000000003> lol <a:kill:1400000000000000004>"
    codes = frozenset(e.code for e in parse.emote_spans(text))
    seen = model_input(normalise(text), emotes=codes)
    assert "bitch" not in seen and "kill" not in seen and "you" in seen
    assert "bitch" in model_input(normalise(text))


@pytest.mark.parametrize(
    "change",
    [
        {"channel_id": "999"},  # another channel
        {"author": {"id": "1", "username": "otherbot", "bot": True}},
        {"webhook_id": "123"},
        {"type": 7},  # a member joined (system message)
        {"content": "   "},  # an attachment only; or no MESSAGE_CONTENT intent
    ],
)
def test_what_is_not_chat_in_the_channel_is_ignored(change: dict[str, object]) -> None:
    data = created()
    data.update(change)
    assert parse.inbound_message(data, CHANNEL, ROLES, OWNER) is None


def test_roles_the_highest_mapped_wins_and_the_guild_owner_leads() -> None:
    assert parse.member_role("5", [VIP, MOD], ROLES, OWNER) == Role.MODERATOR
    assert parse.member_role("5", ["77"], ROLES, OWNER) == Role.VIEWER
    assert parse.member_role(OWNER, [], ROLES, OWNER) == Role.LEAD_MODERATOR
    assert parse.member_role("5", ["9"], {"9": Role.OWNER}, None) == Role.LEAD_MODERATOR
    assert parse.parse_role_map(["1=moderator", " 2 = vip"]) == {"1": Role.MODERATOR, "2": Role.VIP}
    for bad in ("x=moderator", "1=owner", "1", "1=boss"):
        with pytest.raises(ValueError, match="ROLE_ID=ROLE"):
            parse.parse_role_map([bad])


def test_gateway_payloads() -> None:
    assert (
        parse.gateway_url("wss://gateway.discord.gg")
        == "wss://gateway.discord.gg/?v=10&encoding=json"
    )
    ident = parse.identify("tok")
    assert ident["op"] == 2 and ident["d"]["token"] == "tok"
    assert ident["d"]["intents"] == 33280  # GUILD_MESSAGES | MESSAGE_CONTENT
    assert parse.resume("tok", "s1", 42) == {
        "op": 6,
        "d": {"token": "tok", "session_id": "s1", "seq": 42},
    }
    assert parse.heartbeat(None) == {"op": 1, "d": None}
    assert fixture("hello")["op"] == parse.Op.HELLO
    delays = [parse.first_heartbeat_s(45000, random.Random(i)) for i in range(50)]
    assert all(0 <= d < 45 for d in delays) and max(delays) - min(delays) > 10  # jittered


def test_effects_as_documented_calls() -> None:
    t = Target(1, 2, "bob", "1318100000000000001", "text")
    user = "1500000000000000001"
    assert calls_for(GUILD, CHANNEL, user, t, Hold("held for review"), NOW) == [
        Call("DELETE", f"/channels/{CHANNEL}/messages/1318100000000000001", None, "held for review")
    ]
    assert calls_for(GUILD, CHANNEL, user, t, Delete("x"), NOW)[0].method == "DELETE"
    (timeout,) = calls_for(GUILD, CHANNEL, user, t, Timeout("cool", 600), NOW)
    assert (timeout.method, timeout.path) == ("PATCH", f"/guilds/{GUILD}/members/{user}")
    assert timeout.json == {"communication_disabled_until": "2026-12-07T05:10:00+00:00"}
    (longest,) = calls_for(GUILD, CHANNEL, user, t, Timeout("long", 10**9), NOW)
    assert longest.json is not None
    until = datetime.fromisoformat(longest.json["communication_disabled_until"])
    assert (until - NOW).total_seconds() == MAX_TIMEOUT_S == 28 * 86400
    (ban,) = calls_for(GUILD, CHANNEL, user, t, Ban("spam"), NOW)
    assert (ban.method, ban.path, ban.json) == (
        "PUT",
        f"/guilds/{GUILD}/bans/{user}",
        {"delete_message_seconds": 0},
    )
    assert calls_for(GUILD, CHANNEL, user, t, Warn("be nice"), NOW) == []  # no Discord action
    assert calls_for(GUILD, CHANNEL, None, t, Ban("x"), NOW) == []  # no user id known
    assert ban.route == f"PUT /guilds/{GUILD}/bans/{{id}}"


def test_the_reason_header_is_one_encoded_line_of_at_most_512() -> None:
    assert audit_reason("held\nfor  review (größe)") == "held for review %28gr%C3%B6%C3%9Fe%29"
    assert len(audit_reason("x" * 600)) == 512


def test_a_repost_quotes_its_author_and_pings_nobody() -> None:
    call = repost_call(CHANNEL, "bob", "hi @everyone\nsecond line")
    assert call.json == {
        "content": "**bob** (held, allowed by a moderator):\n> hi @everyone\n> second line",
        "allowed_mentions": {"parse": []},
    }
    assert len(quoted("bob", "x" * 5000)) == 2000


def test_a_multi_line_message_is_one_line_with_its_emotes_in_place() -> None:
    data = created()
    data["content"] = "first line\nsecond <:kekw:1400000000000000009>\r\n\tthird"
    msg = parse.inbound_message(data, CHANNEL, ROLES, OWNER)
    assert msg is not None
    assert msg.text == "first line second <:kekw:1400000000000000009>   third"
    (emote,) = msg.emotes
    assert msg.text[emote.start : emote.end] == emote.code
