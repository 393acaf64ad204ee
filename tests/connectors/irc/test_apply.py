"""ChatWarden's effects as IRC lines: plain IRC's closest behaviour, and Twitch's commands."""

from __future__ import annotations

import asyncio

import pytest

from chatwarden.connectors.irc.apply import IrcApplier, ban_mask, commands_for
from chatwarden.rules.effects import (
    Alert,
    Ban,
    Delete,
    Deliver,
    Effect,
    Flag,
    Hold,
    ShieldMode,
    Strike,
    Target,
    Timeout,
    Warn,
)

BOB = Target(1, 7, "bob", "m-1", "i will kill you")


@pytest.mark.parametrize(
    ("effect", "lines"),
    [
        (Hold("aggression (level 2)"), ["KICK #c bob :aggression (level 2)"]),
        (Delete("blocked"), ["KICK #c bob blocked"]),
        (Timeout("spam", 600), ["MODE #c +b *!*@h.example", "KICK #c bob spam"]),
        (Ban("hate raid"), ["MODE #c +b *!*@h.example", "KICK #c bob :hate raid"]),
        (Warn("be nice"), ["NOTICE bob :Warning from the moderators: be nice"]),
        (Deliver(""), []),
        (Delete("wave", user_ids=(7,)), []),  # earlier lines of a bot wave: not on IRC
        (ShieldMode("raid"), []),
        (Strike("x", "automod.block"), []),
        (Alert("x", "finding"), []),
        (Flag("x", "monitored", "auto", ("x",)), []),
    ],
)
def test_plain_irc_removes_the_speaker(effect: Effect, lines: list[str]) -> None:
    assert commands_for("irc", "#c", BOB, effect, host="h.example") == lines


@pytest.mark.parametrize(
    ("effect", "lines"),
    [
        (Hold("held"), ["PRIVMSG #c :/delete m-1"]),
        (Delete("blocked"), ["PRIVMSG #c :/delete m-1"]),
        (Timeout("spam", 600), ["PRIVMSG #c :/timeout bob 600 spam"]),
        (Timeout("spam", 0), ["PRIVMSG #c :/timeout bob 1 spam"]),
        (Ban("hate  raid\n"), ["PRIVMSG #c :/ban bob hate raid"]),
        (Warn("be nice"), []),  # a Helix call, not an IRC command
        (Deliver(""), []),
    ],
)
def test_twitch_dialect_uses_its_commands(effect: Effect, lines: list[str]) -> None:
    assert commands_for("twitch", "#c", BOB, effect) == lines


def test_twitch_cannot_delete_a_message_without_its_id() -> None:
    no_id = Target(1, 7, "bob", None)
    assert commands_for("twitch", "#c", no_id, Delete("blocked")) == []


def test_ban_mask_prefers_the_host() -> None:
    assert ban_mask("bob", "h.example") == "*!*@h.example"
    assert ban_mask("bob", None) == "bob!*@*"


def test_a_plain_irc_timeout_is_lifted_when_it_ends() -> None:
    async def run() -> list[str]:
        sent: list[str] = []
        applier = IrcApplier("irc", "#c", sent.append)
        applier.note_host("Bob", "h.example")
        applier.apply(BOB, [Timeout("spam", 1), Deliver("")])
        assert sent == ["MODE #c +b *!*@h.example", "KICK #c bob spam"]
        await asyncio.sleep(1.1)
        return sent

    sent = asyncio.run(run())
    assert sent[-1] == "MODE #c -b *!*@h.example"
