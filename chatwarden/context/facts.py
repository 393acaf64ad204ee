"""What the context scorer may know about one message, as plain frozen values.

Everything here is something live chat, replay and shadow mode all have (or honestly lack):
the sender's own recent lines in the channel, the sender's record there, the last lines of
chat, whom the message addresses and who runs the channel. Times are seconds *before* the
message being scored, never wall-clock times, so the same facts give the same score whenever
they are scored. A fact that is not known is ``None`` or empty, and a signal that needs it
then stays silent: "no history" is not evidence of anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "ChatLine",
    "Context",
    "OwnMessage",
    "Record",
    "addressees",
    "mentions",
]


@dataclass(frozen=True, slots=True)
class OwnMessage:
    """One of the sender's own earlier messages in the channel.

    ``harm`` is the AutoMod harm score the message got when it was sent (``None`` when it was
    not scored, e.g. a log replayed without its decisions).
    """

    text: str
    seconds_before: float
    harm: float | None = None


@dataclass(frozen=True, slots=True)
class ChatLine:
    """A line of the channel's chat before the message, by anyone (the sender included)."""

    user: str
    text: str
    seconds_before: float


@dataclass(frozen=True, slots=True)
class Record:
    """The sender's standing in the channel: what moderators have done to them so far.

    Counts are over the channel's history; the ages are ``None`` when not known (a replayed
    log knows neither).
    """

    warnings: int = 0
    timeouts: int = 0
    bans_lifted: int = 0
    denied_holds: int = 0
    account_age_s: float | None = None
    follow_age_s: float | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """Everything known about one message's context.

    ``history`` is the sender's own earlier messages and ``chat_before`` the channel's last
    lines, each newest last or in any order (signals look at ``seconds_before``, not the
    position). ``reply_to`` is the user a reply was addressed to; @mentions come from the text
    (``mentions``). ``broadcaster`` and ``moderators`` name the channel's staff when known, so
    an explanation can say "at @x (the streamer)".
    """

    user: str | None = None
    history: tuple[OwnMessage, ...] = ()
    record: Record | None = None
    chat_before: tuple[ChatLine, ...] = ()
    reply_to: str | None = None
    broadcaster: str | None = None
    moderators: frozenset[str] = field(default_factory=frozenset)

    def role_of(self, name: str) -> str | None:
        """``"the streamer"`` / ``"a moderator"`` for the channel's staff, else ``None``."""
        key = name.lower()
        if self.broadcaster is not None and key == self.broadcaster.lower():
            return "the streamer"
        if key in {m.lower() for m in self.moderators}:
            return "a moderator"
        return None


# an @mention as Twitch draws it: @ then a login (letters, digits, underscore), not inside an
# e-mail address ("a@b.com")
_MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,25})")


def mentions(text: str) -> tuple[str, ...]:
    """The users ``text`` @mentions, lower case, each once, in order of appearance."""
    if "@" not in text:
        return ()
    return tuple(dict.fromkeys(m.lower() for m in _MENTION_RE.findall(text)))


def addressees(text: str, reply_to: str | None = None) -> tuple[str, ...]:
    """Whom a message addresses: the user it replies to, then its @mentions (each once)."""
    found = mentions(text)
    if reply_to is None:
        return found
    return tuple(dict.fromkeys((reply_to.lower(), *found)))
