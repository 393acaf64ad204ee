"""IRC lines as values: RFC 1459/2812 with IRCv3 message tags, and the Twitch IRC dialect.

Every function here is pure (a line in, a value out), so the whole protocol contract is the
documented line shapes in ``tests/connectors/irc/test_parse.py``. The client
(``connectors/irc/client.py``) only reads and writes lines; what a line *means* is decided here.

Twitch's dialect: ``PRIVMSG`` with the ``badges``, ``emotes``, ``id``, ``user-id``,
``display-name``, ``room-id`` and ``tmi-sent-ts`` tags; ``CLEARMSG`` (one message deleted),
``CLEARCHAT`` (a user timed out or banned, or the whole chat cleared), ``ROOMSTATE`` (chat
modes), ``USERNOTICE`` (subs, raids, announcements: may carry the user's own text) and
``NOTICE`` (the server's answers to commands, with a ``msg-id`` tag). Emote positions are
code-point offsets, end inclusive (``emotes=25:0-4,12-16/1902:6-10``), which is what Python's
``str`` indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from chatwarden.connectors.base import EmoteSpan, InboundMessage, PlatformUser
from chatwarden.settings import Role

Dialect = Literal["irc", "twitch"]

#: mIRC formatting: bold, colour (with its digits), hex colour, reset, monospace, reverse,
#: italics, strike-through, underline
_FORMATTING = re.compile(
    r"\x03(?:\d{1,2}(?:,\d{1,2})?)?"
    r"|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
    r"|[\x02\x0f\x11\x16\x1d\x1e\x1f]"
)

_TAG_ESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}


@dataclass(frozen=True, slots=True)
class Prefix:
    """``nick!user@host`` (a server prefix has only ``nick``, the server name)."""

    nick: str
    user: str = ""
    host: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    """One IRC line: tags (unescaped), the prefix, the command (upper case) and its params
    (the trailing param last, with its spaces)."""

    command: str
    params: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    prefix: Prefix | None = None

    def param(self, i: int, default: str = "") -> str:
        return self.params[i] if i < len(self.params) else default


def unescape_tag(value: str) -> str:
    """An IRCv3 tag value: ``\\:`` ``;``, ``\\s`` space, ``\\\\`` backslash, ``\\r``, ``\\n``;
    any other escaped character stands for itself and a lone trailing backslash is dropped."""
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            if i + 1 < len(value):
                nxt = value[i + 1]
                out.append(_TAG_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def escape_tag(value: str) -> str:
    """The inverse of ``unescape_tag`` (for tests and for sending client tags)."""
    back = {v: k for k, v in _TAG_ESCAPES.items()}
    return "".join("\\" + back[c] if c in back else c for c in value)


def parse_tags(raw: str) -> dict[str, str]:
    """``key=value;key2;key3=`` → a dict; a key without a value maps to ``""``."""
    tags: dict[str, str] = {}
    for item in raw.split(";"):
        if not item:
            continue
        key, _, value = item.partition("=")
        tags[key] = unescape_tag(value)
    return tags


def parse_prefix(raw: str) -> Prefix:
    nick, _, rest = raw.partition("!")
    user, _, host = rest.partition("@")
    if not rest and "@" in nick:  # nick@host
        nick, _, host = nick.partition("@")
    return Prefix(nick, user, host)


def parse_line(raw: str) -> Line:
    """One line (without its CR LF). ``ValueError`` for a line with no command."""
    rest = raw.rstrip("\r\n")
    tags: dict[str, str] = {}
    prefix: Prefix | None = None
    if rest.startswith("@"):
        raw_tags, _, rest = rest[1:].partition(" ")
        tags = parse_tags(raw_tags)
        rest = rest.lstrip(" ")
    if rest.startswith(":"):
        raw_prefix, _, rest = rest[1:].partition(" ")
        prefix = parse_prefix(raw_prefix)
        rest = rest.lstrip(" ")
    trailing: str | None = None
    if " :" in rest:
        rest, _, trailing = rest.partition(" :")
    elif rest.startswith(":"):
        rest, trailing = "", rest[1:]
    words = rest.split()
    if not words:
        raise ValueError(f"not an IRC line (no command): {raw!r}")
    params = tuple(words[1:]) + (() if trailing is None else (trailing,))
    return Line(words[0].upper(), params, tags, prefix)


def format_line(command: str, *params: str) -> str:
    """A line to send: the last param becomes the trailing one when it needs to be (spaces,
    a leading colon, empty). CR and LF are removed so no caller can inject a second line."""
    clean = [p.replace("\r", " ").replace("\n", " ") for p in params]
    if clean and (not clean[-1] or " " in clean[-1] or clean[-1].startswith(":")):
        clean[-1] = ":" + clean[-1]
    return " ".join([command, *clean])


def strip_formatting(text: str) -> str:
    """The text without mIRC formatting codes: a colour code inside a word must neither hide
    it from AutoMod nor make the chat service refuse the line for its control characters."""
    return _FORMATTING.sub("", text)


# -- Twitch tags ------------------------------------------------------------------------------


def parse_badges(raw: str) -> dict[str, str]:
    """``broadcaster/1,subscriber/12`` → ``{"broadcaster": "1", "subscriber": "12"}``."""
    out: dict[str, str] = {}
    for item in raw.split(","):
        if item:
            name, _, version = item.partition("/")
            out[name] = version
    return out


#: Twitch badges that are channel roles, strongest first (staff, partner, turbo... are not)
TWITCH_BADGE_ROLES: tuple[tuple[str, Role], ...] = (
    ("broadcaster", Role.OWNER),
    ("lead_moderator", Role.LEAD_MODERATOR),
    ("moderator", Role.MODERATOR),
    ("vip", Role.VIP),
    ("subscriber", Role.SUBSCRIBER),
    ("founder", Role.SUBSCRIBER),
)


def twitch_role(tags: dict[str, str]) -> Role:
    """The channel role a Twitch message's tags give its sender (``mod=1`` counts as the
    moderator badge, as Twitch documents; a ``subscriber=1`` tag as the subscriber badge)."""
    badges = parse_badges(tags.get("badges", ""))
    if tags.get("mod") == "1":
        badges.setdefault("moderator", "1")
    if tags.get("vip") == "1":
        badges.setdefault("vip", "1")
    if tags.get("subscriber") == "1":
        badges.setdefault("subscriber", "0")
    for badge, role in TWITCH_BADGE_ROLES:
        if badge in badges:
            return role
    return Role.VIEWER


def parse_emotes(raw: str, text: str) -> tuple[EmoteSpan, ...]:
    """``25:0-4,12-16/1902:6-10`` on ``text`` → the spans (end exclusive, code points), in
    text order; a range outside the text is skipped (Twitch counts code points; a client that
    counted UTF-16 units would be off)."""
    spans: list[EmoteSpan] = []
    for group in raw.split("/"):
        emote_id, _, ranges = group.partition(":")
        for r in ranges.split(","):
            start_s, _, end_s = r.partition("-")
            if not (start_s.isdigit() and end_s.isdigit()):
                continue
            start, end = int(start_s), int(end_s) + 1
            if 0 <= start < end <= len(text):
                spans.append(EmoteSpan(text[start:end], start, end, emote_id))
    return tuple(sorted(spans, key=lambda s: s.start))


# -- plain IRC channel user modes -------------------------------------------------------------

#: RFC 2812 and the common extensions: the prefix characters in NAMES and their roles
DEFAULT_PREFIXES = "(qaohv)~&@%+"

_MODE_ROLES: dict[str, Role] = {
    "q": Role.LEAD_MODERATOR,  # channel owner (~): ChatWarden's owner is whoever created it
    "a": Role.LEAD_MODERATOR,  # channel admin (&)
    "o": Role.MODERATOR,  # operator (@)
    "h": Role.MODERATOR,  # half-operator (%)
    "v": Role.VIP,  # voice (+)
}


def parse_isupport_prefix(value: str) -> dict[str, str]:
    """``(ov)@+`` (ISUPPORT ``PREFIX``) → ``{"@": "o", "+": "v"}``."""
    if not value.startswith("(") or ")" not in value:
        return {}
    modes, _, chars = value[1:].partition(")")
    return dict(zip(chars, modes, strict=False))


def irc_role(modes: set[str] | frozenset[str]) -> Role:
    """The strongest role of a member's channel modes (``{"o", "v"}`` → moderator)."""
    for mode in "qaohv":
        if mode in modes:
            return _MODE_ROLES[mode]
    return Role.VIEWER


def split_names(entry: str, prefixes: dict[str, str]) -> tuple[str, frozenset[str]]:
    """A NAMES entry (``@+nick``, or ``@nick!user@host`` with userhost-in-names) → the nick
    and its channel modes."""
    modes: set[str] = set()
    i = 0
    while i < len(entry) and entry[i] in prefixes:
        modes.add(prefixes[entry[i]])
        i += 1
    return entry[i:].partition("!")[0], frozenset(modes)


def mode_changes(params: tuple[str, ...], with_arg: str) -> list[tuple[bool, str, str | None]]:
    """A channel ``MODE`` line's changes: ``("#c", "+ov-v", "a", "b", "c")`` →
    ``[(True, "o", "a"), (True, "v", "b"), (False, "v", "c")]``. ``with_arg``: the modes that
    take an argument in both directions (the prefix modes and ``b``, ``e``, ``I``, ``k``);
    ``l`` takes one only when set."""
    out: list[tuple[bool, str, str | None]] = []
    if len(params) < 2:
        return out
    args = list(params[2:])
    adding = True
    for ch in params[1]:
        if ch in "+-":
            adding = ch == "+"
            continue
        arg = None
        if ch in with_arg or (ch == "l" and adding):
            arg = args.pop(0) if args else None
        out.append((adding, ch, arg))
    return out


# -- what a line means to ChatWarden ---------------------------------------------------------


def user_of(line: Line, dialect: Dialect) -> PlatformUser | None:
    """The sender of a PRIVMSG/USERNOTICE: Twitch's ``user-id`` (stable across renames) with
    its login; on plain IRC the ``account`` tag (IRCv3 account-tag) where the server sends it,
    else the nick, case-folded (nicks are the only identity plain IRC has)."""
    prefix = line.prefix
    if dialect == "twitch":
        uid = line.tags.get("user-id")
        login = line.tags.get("login") or (prefix.nick if prefix else "")
        if not uid or not login:
            return None
        return PlatformUser("twitch", uid, login.lower(), line.tags.get("display-name") or login)
    if prefix is None or not prefix.nick:
        return None
    account = line.tags.get("account")
    uid = f"account:{account.lower()}" if account and account != "*" else prefix.nick.lower()
    return PlatformUser("irc", uid, prefix.nick, prefix.nick)


def message_id_of(line: Line) -> str | None:
    """The platform's id of a message: Twitch's ``id`` tag, IRCv3's ``msgid``; none on a
    plain IRC server, which never sends a message twice (a bouncer replaying history adds
    ``msgid`` or at least ``time``, see ``InboundMessage.idempotency_key``)."""
    return line.tags.get("id") or line.tags.get("msgid") or None


def inbound_message(
    line: Line, dialect: Dialect, role: Role = Role.VIEWER
) -> InboundMessage | None:
    """A PRIVMSG to a channel (or a Twitch USERNOTICE with the user's own text) as a
    ChatWarden inbound message; None for anything else (a private message, a CTCP other than
    ACTION, a USERNOTICE without text). ``role``: on plain IRC the sender's role from the
    channel modes the client tracks; Twitch's comes from the line's own badges."""
    if line.command not in ("PRIVMSG", "USERNOTICE") or not line.params:
        return None
    channel = line.params[0]
    if not channel.startswith(("#", "&")):
        return None
    text = line.param(1)
    if line.command == "USERNOTICE" and (dialect != "twitch" or len(line.params) < 2):
        return None
    if text.startswith("\x01ACTION ") and text.endswith("\x01"):
        text = text[8:-1]  # /me
    elif text.startswith("\x01"):
        return None
    text = strip_formatting(text)
    user = user_of(line, dialect)
    if user is None or not text.strip():
        return None
    emotes: tuple[EmoteSpan, ...] = ()
    if dialect == "twitch":
        role = twitch_role(line.tags)
        emotes = parse_emotes(line.tags.get("emotes", ""), text)
    sent = line.tags.get("tmi-sent-ts")
    return InboundMessage(
        platform=user.platform,
        channel=channel,
        message_id=message_id_of(line),
        user=user,
        text=text,
        role=role,
        emotes=emotes,
        sent_at_ms=int(sent) if sent and sent.isdigit() else None,
        server_time=line.tags.get("time"),
    )


@dataclass(frozen=True, slots=True)
class ClearMessage:
    """Twitch ``CLEARMSG``: one message was deleted (by a moderator or by us)."""

    channel: str
    login: str
    target_message_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ClearChat:
    """Twitch ``CLEARCHAT``: ``user`` timed out (``duration_s``) or banned (no duration), or
    the whole chat cleared (no user)."""

    channel: str
    login: str | None
    user_id: str | None
    duration_s: int | None


@dataclass(frozen=True, slots=True)
class RoomState:
    """Twitch ``ROOMSTATE``: the chat modes that came with the line (absent: unchanged)."""

    channel: str
    room_id: str | None
    modes: dict[str, int]


@dataclass(frozen=True, slots=True)
class Notice:
    """``NOTICE``: Twitch's answer to a command (``msg_id``: ``delete_message_success``,
    ``no_permission``, ``msg_banned``...) or a plain server notice."""

    target: str
    msg_id: str | None
    text: str


TwitchEvent = ClearMessage | ClearChat | RoomState | Notice


def twitch_event(line: Line) -> TwitchEvent | None:
    """The dialect's moderation and state lines as values (None for other lines)."""
    cmd, tags = line.command, line.tags
    if cmd == "CLEARMSG" and line.params:
        return ClearMessage(
            line.params[0], tags.get("login", ""), tags.get("target-msg-id", ""), line.param(1)
        )
    if cmd == "CLEARCHAT" and line.params:
        login = line.param(1) or None
        duration = tags.get("ban-duration")
        return ClearChat(
            line.params[0],
            login,
            tags.get("target-user-id") or None,
            int(duration) if duration and duration.isdigit() else None,
        )
    if cmd == "ROOMSTATE" and line.params:
        modes = {
            k: int(v)
            for k, v in tags.items()
            if k in ("emote-only", "followers-only", "r9k", "slow", "subs-only")
            and v.lstrip("-").isdigit()
        }
        return RoomState(line.params[0], tags.get("room-id") or None, modes)
    if cmd == "NOTICE" and line.params:
        return Notice(line.params[0], tags.get("msg-id") or None, line.param(1))
    return None
