"""ChatWarden's effects as IRC lines, and the applier that sends them.

``commands_for`` is pure: one effect on one target → the lines that carry it out. Plain IRC
cannot hold or delete a line others have already seen, so the closest it offers (with the bot
a channel operator) is to remove the speaker: a held or blocked message's sender is kicked with
the reason, a timeout is a ban on their host mask plus a kick, lifted when it ends, a ban is a
ban plus a kick, and a warning is a notice to them. The Twitch dialect has the commands
(``/delete <message id>``, ``/timeout <login> <seconds> <reason>``, ``/ban <login> <reason>``
sent as a PRIVMSG to the channel); a hold there is a deletion at once, the message waiting in
Mod View. See docs/connectors.md for the whole table.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from chatwarden.connectors.irc.parse import Dialect, format_line
from chatwarden.rules.effects import Ban, Delete, Effect, Hold, Target, Timeout, Warn

log = logging.getLogger(__name__)


def ban_mask(nick: str, host: str | None) -> str:
    """``*!*@host`` when the host is known (a nick change does not escape it), else
    ``nick!*@*``."""
    return f"*!*@{host}" if host else f"{nick}!*@*"


def _reason(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text[:limit] or "ChatWarden"


def commands_for(
    dialect: Dialect, channel: str, target: Target, effect: Effect, host: str | None = None
) -> list[str]:
    """The lines that carry out ``effect`` on ``target`` in ``channel`` (none: nothing to do
    or not possible on this platform). ``target.username`` is the platform login,
    ``target.message_id`` the platform's message id."""
    nick = target.username
    if dialect == "twitch":
        return [format_line("PRIVMSG", channel, cmd) for cmd in _twitch(target, effect)]
    reason = _reason(effect.reason)
    match effect:
        case Hold() | Delete(user_ids=()):
            return [format_line("KICK", channel, nick, reason)]
        case Timeout() | Ban():
            return [
                format_line("MODE", channel, "+b", ban_mask(nick, host)),
                format_line("KICK", channel, nick, reason),
            ]
        case Warn():
            return [format_line("NOTICE", nick, f"Warning from the moderators: {reason}")]
    return []


def _twitch(target: Target, effect: Effect) -> list[str]:
    login, reason = target.username, _reason(effect.reason)
    match effect:
        case Hold() | Delete(user_ids=()):
            return [f"/delete {target.message_id}"] if target.message_id else []
        case Timeout(seconds=seconds):
            return [f"/timeout {login} {max(1, seconds)} {reason}"]
        case Ban():
            return [f"/ban {login} {reason}"]
    return []  # Twitch's warnings are a Helix call, not an IRC command


def unban_line(channel: str, nick: str, host: str | None) -> str:
    return format_line("MODE", channel, "-b", ban_mask(nick, host))


class IrcApplier:
    """``EffectApplier`` for one IRC channel: writes the lines through ``send`` (the client's
    non-blocking write) and, on plain IRC, lifts a timeout's ban when it ends."""

    def __init__(
        self,
        dialect: Dialect,
        channel: str,
        send: Callable[[str], None],
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.dialect = dialect
        self.channel = channel
        self.send = send
        self.loop = loop
        self.hosts: dict[str, str] = {}  # nick (case-folded) -> host, from their messages
        self.sent: list[str] = []  # every line sent, newest last (bounded)

    def note_host(self, nick: str, host: str) -> None:
        if host:
            self.hosts[nick.lower()] = host

    def apply(self, target: Target, effects: Sequence[Effect]) -> None:
        for effect in effects:
            host = self.hosts.get(target.username.lower())
            lines = commands_for(self.dialect, self.channel, target, effect, host)
            for line in lines:
                self.send(line)
                self.sent.append(line)
            del self.sent[:-200]
            if lines and isinstance(effect, Timeout) and self.dialect == "irc":
                self._lift_later(effect.seconds, unban_line(self.channel, target.username, host))
            if lines:
                log.info(
                    "%s on %s: %s (%s)",
                    type(effect).__name__,
                    self.channel,
                    target.username,
                    effect.reason,
                )

    def _lift_later(self, seconds: int, line: str) -> None:
        loop = self.loop or asyncio.get_running_loop()
        loop.call_later(max(1, seconds), self.send, line)
