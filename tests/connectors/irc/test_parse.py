"""IRC and Twitch-IRC lines as values, from the shapes RFC 2812, IRCv3 and Twitch document."""

from __future__ import annotations

import pytest

from chatwarden.connectors.base import EmoteSpan
from chatwarden.connectors.irc.parse import (
    ClearChat,
    ClearMessage,
    Line,
    Notice,
    Prefix,
    RoomState,
    escape_tag,
    format_line,
    inbound_message,
    irc_role,
    mode_changes,
    parse_badges,
    parse_emotes,
    parse_isupport_prefix,
    parse_line,
    parse_tags,
    split_names,
    strip_formatting,
    twitch_event,
    twitch_role,
    unescape_tag,
)
from chatwarden.settings import Role

# Twitch's documented PRIVMSG example (dev.twitch.tv/docs/chat/irc/#privmsg-twitch-tags)
TWITCH_PRIVMSG = (
    "@badge-info=;badges=turbo/1;color=#0D4200;display-name=ronni;emotes=25:0-4,12-16/1902:6-10;"
    "id=b34ccfc7-4977-403a-8a94-33c6bac34fb8;mod=0;room-id=1337;subscriber=0;"
    "tmi-sent-ts=1507246572675;turbo=1;user-id=1337;user-type=global_mod "
    ":ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #ronni :Kappa Keepo Kappa"
)


def test_a_plain_line_has_prefix_command_and_trailing_param() -> None:
    line = parse_line(":alice!al@host.example PRIVMSG #chan :hello there :)\r\n")
    assert line == Line(
        "PRIVMSG", ("#chan", "hello there :)"), {}, Prefix("alice", "al", "host.example")
    )


def test_a_line_without_prefix_or_trailing() -> None:
    assert parse_line("PING irc.example") == Line("PING", ("irc.example",))
    assert parse_line("MODE #c +o bob").params == ("#c", "+o", "bob")
    assert parse_line("PRIVMSG #c :").params == ("#c", "")


def test_no_command_is_an_error() -> None:
    with pytest.raises(ValueError, match="no command"):
        parse_line("@a=b :prefix.only")


def test_tag_escapes_follow_ircv3() -> None:
    assert unescape_tag(r"a\sb\:c\\d\re\nf") == "a b;c\\d\re\nf"
    assert unescape_tag("x\\") == "x"  # a lone trailing backslash is dropped
    assert unescape_tag(r"\b") == "b"  # an unknown escape is the character itself
    assert parse_tags("a=1;b;c=;d=x\\sy") == {"a": "1", "b": "", "c": "", "d": "x y"}
    value = "semi; space \\ back"
    assert unescape_tag(escape_tag(value)) == value


def test_format_line_makes_the_trailing_param_and_cannot_inject_a_line() -> None:
    assert format_line("KICK", "#c", "bob", "bad words") == "KICK #c bob :bad words"
    assert format_line("JOIN", "#c") == "JOIN #c"
    assert format_line("PRIVMSG", "#c", "x\r\nQUIT") == "PRIVMSG #c :x  QUIT"
    assert format_line("PRIVMSG", "#c", ":)") == "PRIVMSG #c ::)"


def test_twitch_privmsg_becomes_an_inbound_message() -> None:
    msg = inbound_message(parse_line(TWITCH_PRIVMSG), "twitch")
    assert msg is not None
    assert msg.platform == "twitch"
    assert msg.message_id == "b34ccfc7-4977-403a-8a94-33c6bac34fb8"
    assert (msg.user.id, msg.user.login, msg.user.display_name) == ("1337", "ronni", "ronni")
    assert msg.channel == "#ronni"
    assert msg.text == "Kappa Keepo Kappa"
    assert msg.role is Role.VIEWER  # turbo and global_mod are not channel roles
    assert msg.emotes == (
        EmoteSpan("Kappa", 0, 5, "25"),
        EmoteSpan("Keepo", 6, 11, "1902"),
        EmoteSpan("Kappa", 12, 17, "25"),
    )
    assert msg.emote_codes == {"Kappa", "Keepo"}
    assert msg.sent_at_ms == 1507246572675
    assert msg.idempotency_key == "twitch:b34ccfc7-4977-403a-8a94-33c6bac34fb8"


def test_emote_positions_are_code_points_and_bad_ranges_are_skipped() -> None:
    text = "😀 Kappa"
    assert parse_emotes("25:2-6", text) == (EmoteSpan("Kappa", 2, 7, "25"),)
    assert parse_emotes("25:5-40/x:a-b/", text) == ()


@pytest.mark.parametrize(
    ("tags", "role"),
    [
        ({"badges": "broadcaster/1,subscriber/0"}, Role.OWNER),
        ({"badges": "lead_moderator/1"}, Role.LEAD_MODERATOR),
        ({"badges": "moderator/1,subscriber/12"}, Role.MODERATOR),
        ({"badges": "", "mod": "1"}, Role.MODERATOR),
        ({"badges": "vip/1"}, Role.VIP),
        ({"badges": "founder/0"}, Role.SUBSCRIBER),
        ({"badges": "", "subscriber": "1"}, Role.SUBSCRIBER),
        ({"badges": "staff/1,partner/1,turbo/1"}, Role.VIEWER),
        ({}, Role.VIEWER),
    ],
)
def test_twitch_badges_map_to_channel_roles(tags: dict[str, str], role: Role) -> None:
    assert twitch_role(tags) is role


def test_parse_badges_keeps_versions() -> None:
    assert parse_badges("broadcaster/1,subscriber/12,") == {"broadcaster": "1", "subscriber": "12"}


def test_plain_irc_message_identity_is_the_nick_or_the_account() -> None:
    msg = inbound_message(parse_line(":Bob!b@h PRIVMSG #c :hi"), "irc", Role.MODERATOR)
    assert msg is not None
    assert (msg.user.platform, msg.user.id, msg.user.login) == ("irc", "bob", "Bob")
    assert msg.role is Role.MODERATOR
    assert msg.message_id is None and msg.idempotency_key is None
    tagged = parse_line(
        "@account=BobAcct;msgid=abc;time=2026-01-01T00:00:00.000Z :Bob!b@h PRIVMSG #c :hi"
    )
    msg = inbound_message(tagged, "irc")
    assert msg is not None
    assert msg.user.id == "account:bobacct"
    assert msg.idempotency_key == "irc:abc"


def test_server_time_keys_a_message_without_an_id() -> None:
    a = inbound_message(parse_line("@time=2026-01-01T00:00:00.000Z :b!b@h PRIVMSG #c :hi"), "irc")
    b = inbound_message(parse_line("@time=2026-01-01T00:00:01.000Z :b!b@h PRIVMSG #c :hi"), "irc")
    assert a is not None and b is not None
    assert a.idempotency_key is not None and a.idempotency_key.startswith("t:")
    assert a.idempotency_key != b.idempotency_key  # the same words a second later: new


def test_actions_formatting_and_what_is_not_a_chat_message() -> None:
    action = inbound_message(parse_line(":b!b@h PRIVMSG #c :\x01ACTION waves\x01"), "irc")
    assert action is not None and action.text == "waves"
    coloured = inbound_message(parse_line(":b!b@h PRIVMSG #c :\x0304,01ki\x02ll\x0f you"), "irc")
    assert coloured is not None and coloured.text == "kill you"
    assert inbound_message(parse_line(":b!b@h PRIVMSG bot :private"), "irc") is None
    assert inbound_message(parse_line(":b!b@h PRIVMSG #c :\x01VERSION\x01"), "irc") is None
    assert inbound_message(parse_line(":b!b@h NOTICE #c :hi"), "irc") is None
    assert inbound_message(parse_line(":b!b@h PRIVMSG #c :   "), "irc") is None
    assert inbound_message(parse_line("PRIVMSG #c :no prefix"), "irc") is None
    # Twitch without a user-id is not a user's message
    assert inbound_message(parse_line(":ronni!r@h PRIVMSG #c :hi"), "twitch") is None


def test_strip_formatting_keeps_plain_text() -> None:
    assert strip_formatting("plain, 100% text") == "plain, 100% text"
    assert strip_formatting("\x04ff0000red\x1d it\x1e s\x1f u\x16 r\x11 m") == "red it s u r m"


def test_usernotice_with_the_users_text_is_a_message_and_without_is_not() -> None:
    # Twitch's documented resub USERNOTICE (shortened)
    raw = (
        "@badge-info=;badges=staff/1,broadcaster/1,turbo/1;color=#008000;display-name=ronni;"
        "emotes=;id=db25007f-7a18-43eb-9379-80131e44d633;login=ronni;mod=0;msg-id=resub;"
        "msg-param-cumulative-months=6;room-id=12345678;subscriber=1;"
        "system-msg=ronni\\shas\\ssubscribed\\sfor\\s6\\smonths!;tmi-sent-ts=1507246572675;"
        "user-id=87654321;user-type=staff "
        ":tmi.twitch.tv USERNOTICE #dallas :Great stream -- keep it up!"
    )
    msg = inbound_message(parse_line(raw), "twitch")
    assert msg is not None
    assert (msg.user.login, msg.user.id, msg.role) == ("ronni", "87654321", Role.OWNER)
    assert msg.text == "Great stream -- keep it up!"
    bare = raw.rsplit(" :", 1)[0]
    assert inbound_message(parse_line(bare), "twitch") is None
    assert inbound_message(parse_line(raw), "irc") is None


def test_twitch_moderation_lines() -> None:
    clearmsg = parse_line(
        "@login=ronni;room-id=;target-msg-id=abc-123-def;tmi-sent-ts=1642720582342 "
        ":tmi.twitch.tv CLEARMSG #dallas :HeyGuys"
    )
    assert twitch_event(clearmsg) == ClearMessage("#dallas", "ronni", "abc-123-def", "HeyGuys")
    timeout = parse_line(
        "@ban-duration=350;room-id=12345678;target-user-id=87654321;tmi-sent-ts=1642719320727 "
        ":tmi.twitch.tv CLEARCHAT #dallas :ronni"
    )
    assert twitch_event(timeout) == ClearChat("#dallas", "ronni", "87654321", 350)
    ban = parse_line(
        "@room-id=12345678;target-user-id=87654321;tmi-sent-ts=1642715756806 "
        ":tmi.twitch.tv CLEARCHAT #dallas :ronni"
    )
    assert twitch_event(ban) == ClearChat("#dallas", "ronni", "87654321", None)
    clear = parse_line(
        "@room-id=12345678;tmi-sent-ts=1642715695392 :tmi.twitch.tv CLEARCHAT #dallas"
    )
    assert twitch_event(clear) == ClearChat("#dallas", None, None, None)
    room = parse_line(
        "@emote-only=0;followers-only=-1;r9k=0;rituals=0;room-id=12345678;slow=0;subs-only=0 "
        ":tmi.twitch.tv ROOMSTATE #bar"
    )
    assert twitch_event(room) == RoomState(
        "#bar",
        "12345678",
        {"emote-only": 0, "followers-only": -1, "r9k": 0, "slow": 0, "subs-only": 0},
    )
    notice = parse_line(
        "@msg-id=delete_message_success "
        ":tmi.twitch.tv NOTICE #bar :The message from foo is now deleted."
    )
    assert twitch_event(notice) == Notice(
        "#bar", "delete_message_success", "The message from foo is now deleted."
    )
    assert twitch_event(parse_line("PING :tmi.twitch.tv")) is None


def test_channel_modes_give_plain_irc_roles() -> None:
    prefixes = parse_isupport_prefix("(qaohv)~&@%+")
    assert prefixes == {"~": "q", "&": "a", "@": "o", "%": "h", "+": "v"}
    assert parse_isupport_prefix("nonsense") == {}
    assert split_names("@+bob", prefixes) == ("bob", frozenset({"o", "v"}))
    assert split_names("%carl!c@host", prefixes) == ("carl", frozenset({"h"}))
    assert irc_role({"o", "v"}) is Role.MODERATOR
    assert irc_role({"q"}) is Role.LEAD_MODERATOR
    assert irc_role({"v"}) is Role.VIP
    assert irc_role(set()) is Role.VIEWER


def test_mode_changes_pair_modes_with_their_arguments() -> None:
    params = ("#c", "+ovl-vk", "a", "b", "10", "c", "key")
    assert mode_changes(params, "qaohvbeIk") == [
        (True, "o", "a"),
        (True, "v", "b"),
        (True, "l", "10"),
        (False, "v", "c"),
        (False, "k", "key"),
    ]
    assert mode_changes(("#c",), "ov") == []
    assert mode_changes(("#c", "+o"), "ov") == [(True, "o", None)]
