"""Parsing slash commands as Twitch moderators type them (pure: no database)."""

from __future__ import annotations

import pytest

from chatwarden.errors import InputError
from chatwarden.service.moderation.slash import USAGE, SlashCommand, duration, is_command, parse


def test_what_counts_as_a_command() -> None:
    for text in ("/ban x", "  /timeout x 60", "/CLEAR", "/foo"):
        assert is_command(text), text
    for text in ("hello", "/ hi", "//", "/", "a /ban x", "/5 stars", ""):
        assert not is_command(text), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/ban @Alice spam bot", SlashCommand("ban", "Alice", reason="spam bot")),
        ("/ban alice", SlashCommand("ban", "alice")),
        ("/unban alice", SlashCommand("unban", "alice")),
        ("/timeout alice", SlashCommand("timeout", "alice", 600)),
        ("/timeout alice 60", SlashCommand("timeout", "alice", 60)),
        ("/timeout alice 10m caps lock", SlashCommand("timeout", "alice", 600, "caps lock")),
        ("/timeout alice 1h", SlashCommand("timeout", "alice", 3600)),
        ("/timeout alice 2d", SlashCommand("timeout", "alice", 172800)),
        ("/timeout alice 1w", SlashCommand("timeout", "alice", 604800)),
        ("/timeout alice be nice", SlashCommand("timeout", "alice", 600, "be nice")),
        ("/untimeout alice", SlashCommand("untimeout", "alice")),
        ("/warn alice no slurs here", SlashCommand("warn", "alice", reason="no slurs here")),
        ("/delete abc-123", SlashCommand("delete", message_id="abc-123")),
        ("/clear", SlashCommand("clear")),
        ("/slow", SlashCommand("slow", duration_s=30)),
        ("/slow 10", SlashCommand("slow", duration_s=10)),
        ("/slowoff", SlashCommand("slowoff")),
        ("/followers", SlashCommand("followers", duration_s=0)),
        ("/followers 10m", SlashCommand("followers", duration_s=600)),
        ("/followersoff", SlashCommand("followersoff")),
        ("/subscribers", SlashCommand("subscribers")),
        ("/subscribersoff", SlashCommand("subscribersoff")),
        ("/emoteonly", SlashCommand("emoteonly")),
        ("/emoteonlyoff", SlashCommand("emoteonlyoff")),
        ("/uniquechat", SlashCommand("uniquechat")),
        ("/uniquechatoff", SlashCommand("uniquechatoff")),
        ("/shield raid incoming", SlashCommand("shield", reason="raid incoming")),
        ("/shieldoff", SlashCommand("shieldoff")),
        ("/mod bob", SlashCommand("mod", "bob")),
        ("/UNMOD bob", SlashCommand("unmod", "bob")),
        ("/vip bob", SlashCommand("vip", "bob")),
        ("/unvip bob", SlashCommand("unvip", "bob")),
    ],
)
def test_commands_parse(text: str, expected: SlashCommand) -> None:
    assert parse(text) == expected


def test_every_listed_command_parses_with_its_usage_example() -> None:
    """Each usage line, with its placeholders filled, is a valid command."""
    for name, usage in USAGE.items():
        line = usage.replace("<user>", "alice").replace("<reason>", "because")
        line = line.replace("<message id>", "m1").split(" [")[0]
        assert parse(line).name == name, line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/frobnicate x", "unknown command /frobnicate: not sent to chat"),
        ("/ban", "/ban needs a user; usage: /ban <user> [reason]"),
        ("/ban no!pe", "/ban: 'no!pe' is not a username"),
        ("/warn alice", "/warn needs a reason"),
        ("/delete", "/delete needs one message id"),
        ("/delete a b", "/delete needs one message id"),
        ("/slow fast", "/slow: 'fast' is not a duration"),
        ("/slow 1 2", "/slow takes at most one duration"),
        ("/clear now", "/clear takes no arguments; usage: /clear"),
        ("/unban alice please", "/unban takes no more arguments"),
    ],
)
def test_bad_commands_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(text)
    assert message in caught.value.message


def test_durations() -> None:
    assert [duration(w) for w in ("0", "45", "45s", "3m", "3min", "2H", "1d", "1w")] == [
        0,
        45,
        45,
        180,
        180,
        7200,
        86400,
        604800,
    ]
    assert duration("ten") is None and duration("-5") is None and duration("5y") is None
