"""Slash commands as Twitch moderators type them in chat (``/timeout alice 10m spam``): parsing
only, no effects. ``is_command`` says whether a chat line is a command at all (a ``/`` then a
letter); ``parse`` reads one into a ``SlashCommand`` or raises ``InputError`` naming the command
and its usage. ``commands.py`` runs a parsed command through the moderation services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from chatwarden.errors import InputError

#: name -> usage; the order is the one ``/help`` style listings use
USAGE: Final[dict[str, str]] = {
    "ban": "/ban <user> [reason]",
    "unban": "/unban <user>",
    "timeout": "/timeout <user> [duration, e.g. 600, 10m, 1h, 1d; default 10m] [reason]",
    "untimeout": "/untimeout <user>",
    "warn": "/warn <user> <reason>",
    "delete": "/delete <message id>",
    "clear": "/clear",
    "slow": "/slow [seconds, default 30]",
    "slowoff": "/slowoff",
    "followers": "/followers [minimum follow age, e.g. 10m, 1d; default 0]",
    "followersoff": "/followersoff",
    "subscribers": "/subscribers",
    "subscribersoff": "/subscribersoff",
    "emoteonly": "/emoteonly",
    "emoteonlyoff": "/emoteonlyoff",
    "uniquechat": "/uniquechat",
    "uniquechatoff": "/uniquechatoff",
    "shield": "/shield [reason]",
    "shieldoff": "/shieldoff",
    "mod": "/mod <user>",
    "unmod": "/unmod <user>",
    "vip": "/vip <user>",
    "unvip": "/unvip <user>",
}
#: commands whose first argument is a user
TARGETED: Final = frozenset(
    {"ban", "unban", "timeout", "untimeout", "warn", "mod", "unmod", "vip", "unvip"}
)
DEFAULT_TIMEOUT_S: Final = 600
DEFAULT_SLOW_S: Final = 30
UNITS: Final = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_COMMAND = re.compile(r"^\s*/([A-Za-z]\S*)(.*)$", re.S)
_DURATION = re.compile(r"^(\d{1,9})(s|m|min|h|d|w)?$", re.I)
_USER = re.compile(r"^@?(\w{1,64})$")


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """One parsed command: its canonical ``name`` and the arguments it takes."""

    name: str
    user: str | None = None
    duration_s: int | None = None
    reason: str = ""
    message_id: str | None = None


def is_command(text: str) -> bool:
    """A chat line that is a command: ``/`` and a letter first (``/ hi`` or ``//`` are chat)."""
    return _COMMAND.match(text) is not None


def duration(word: str) -> int | None:
    """``600``, ``10m``, ``1h``, ``2d``, ``1w`` as seconds; None if ``word`` is not one."""
    found = _DURATION.match(word)
    if found is None:
        return None
    return int(found.group(1)) * UNITS[(found.group(2) or "s").lower()]


def parse(text: str) -> SlashCommand:
    """Read one command line; ``InputError`` for an unknown command or missing arguments."""
    found = _COMMAND.match(text)
    if found is None:
        raise InputError("not a command: a command starts with / and its name, e.g. /ban")
    name = found.group(1).lower()
    if name not in USAGE:
        raise InputError(f"unknown command /{found.group(1)}: not sent to chat")
    words = found.group(2).split()
    usage = f"usage: {USAGE[name]}"
    user = None
    if name in TARGETED:
        user, words = _target(name, words, usage)
    return _arguments(name, user, words, usage)


def _target(name: str, words: list[str], usage: str) -> tuple[str, list[str]]:
    """The user a targeted command names first, and the words after it."""
    if not words:
        raise InputError(f"/{name} needs a user; {usage}")
    matched = _USER.match(words[0])
    if matched is None:
        raise InputError(f"/{name}: {words[0]!r} is not a username; {usage}")
    return matched.group(1), words[1:]


def _arguments(name: str, user: str | None, words: list[str], usage: str) -> SlashCommand:
    """The command with the rest of its arguments (after the user, if it names one)."""
    if name == "timeout":
        seconds = duration(words[0]) if words else None
        if seconds is not None:
            words = words[1:]
        seconds = DEFAULT_TIMEOUT_S if seconds is None else seconds
        return SlashCommand(name, user, seconds, " ".join(words))
    if name in ("ban", "warn", "shield"):
        reason = " ".join(words)
        if name == "warn" and not reason:
            raise InputError(f"/warn needs a reason; {usage}")
        return SlashCommand(name, user, reason=reason)
    if name == "delete":
        if len(words) != 1:
            raise InputError(f"/delete needs one message id; {usage}")
        return SlashCommand(name, message_id=words[0])
    if name in ("slow", "followers"):
        return SlashCommand(name, duration_s=_mode_duration(name, words, usage))
    if words:
        raise InputError(f"/{name} takes no {'more ' if user else ''}arguments; {usage}")
    return SlashCommand(name, user)


def _mode_duration(name: str, words: list[str], usage: str) -> int:
    """``/slow`` and ``/followers``: one optional duration (slow mode's default, or none)."""
    if len(words) > 1:
        raise InputError(f"/{name} takes at most one duration; {usage}")
    default = DEFAULT_SLOW_S if name == "slow" else 0
    seconds = duration(words[0]) if words else default
    if seconds is None:
        raise InputError(f"/{name}: {words[0]!r} is not a duration; {usage}")
    return seconds
