"""The IRC connector: a small asyncio line client, reconnecting with back-off.

Hand-written rather than a library: of the PyPI clients, ``irc`` (jaraco) is built around its
own reactor with asyncio as an adaptor and does not parse IRCv3 tag escapes the way Twitch's
dialect needs them; ``pydle`` and ``bottom`` have had no release in years. What a connector needs
from IRC is small (register, CAP, JOIN, PING/PONG, NAMES/MODE bookkeeping, read and write
lines), the meaning of every line is in the pure ``parse.py``, and no new dependency has to be
locked and audited. Credentials (the server password, the operator password) are sent once at
registration and never logged: the debug log masks ``PASS`` and ``OPER`` lines.

With an operator block (``oper``), the bot becomes an IRC operator after registering and gives
itself channel operator (``MODE #chan +o``) when it joined without it, which the moderation
effects on plain IRC need (kick, ban). The Twitch dialect asks for the ``twitch.tv/tags``,
``twitch.tv/commands`` and ``twitch.tv/membership`` capabilities; moderation there needs the
bot account to be a moderator of the channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from chatwarden.connectors.base import InboundMessage, backoff_delays
from chatwarden.connectors.irc.apply import IrcApplier
from chatwarden.connectors.irc.parse import (
    DEFAULT_PREFIXES,
    Dialect,
    Line,
    format_line,
    inbound_message,
    irc_role,
    mode_changes,
    parse_isupport_prefix,
    parse_line,
    split_names,
    twitch_event,
)

log = logging.getLogger(__name__)

#: IRCv3 capabilities a plain server may offer and that make messages better keyed and named
_WANTED_CAPS = ("message-tags", "server-time", "account-tag", "multi-prefix")
_TWITCH_CAPS = ("twitch.tv/tags", "twitch.tv/commands", "twitch.tv/membership")
_SECRET_COMMANDS = ("PASS", "OPER")
_PENDING_ACTIONS = 500  # moderation lines kept while disconnected (oldest dropped beyond)


@dataclass(frozen=True)
class IrcSettings:
    host: str
    port: int
    channel: str
    nick: str
    dialect: Dialect = "irc"
    password: str | None = None  # the server password (Twitch: "oauth:<token>")
    oper: tuple[str, str] | None = None  # (name, password) of an operator block
    tls: bool = False
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    connect_timeout_s: float = 10.0


@dataclass
class ChannelState:
    """What the client knows of the channel: members' modes (plain IRC roles)."""

    prefixes: dict[str, str] = field(
        default_factory=lambda: parse_isupport_prefix(DEFAULT_PREFIXES)
    )
    modes: dict[str, set[str]] = field(default_factory=dict)  # nick (case-folded) -> modes

    def modes_of(self, nick: str) -> set[str]:
        return self.modes.setdefault(nick.lower(), set())


class IrcConnector:
    """``Connector`` for one IRC channel (plain or Twitch dialect)."""

    def __init__(self, settings: IrcSettings, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.platform = "twitch" if settings.dialect == "twitch" else "irc"
        self._rng = rng
        self._writer: asyncio.StreamWriter | None = None
        self._closed = asyncio.Event()
        self.state = ChannelState()
        self.nick = settings.nick
        self.connects = 0  # successful registrations (a reconnect adds one)
        self.joined = asyncio.Event()  # set once the channel is joined (cleared on disconnect)
        self.is_op = False
        self.last_error: str | None = None
        self.on_line: Callable[[Line], None] | None = None  # every line read (tests, status)
        self._pending: deque[str] = deque(maxlen=_PENDING_ACTIONS)
        self._applier = IrcApplier(settings.dialect, settings.channel, self.act)
        self._offered: set[str] = set()  # capabilities offered so far (CAP LS may span lines)

    @property
    def applier(self) -> IrcApplier:
        return self._applier

    @property
    def connected(self) -> bool:
        """Registered and in the channel (``Presence``)."""
        return self.joined.is_set()

    # -- writing --------------------------------------------------------------------------

    def send(self, line: str) -> None:
        """Write one line now (non-blocking); dropped, with a warning, while disconnected."""
        writer = self._writer
        if writer is None or writer.is_closing():
            log.warning("not connected; dropped: %s", _masked(line))
            return
        log.debug(">> %s", _masked(line))
        data = line.encode("utf-8", "replace")
        if len(data) > 510:  # the protocol's limit; never cut a character in two
            data = data[:510].decode("utf-8", "ignore").encode()
        writer.write(data + b"\r\n")

    def act(self, line: str) -> None:
        """Write a moderation line (the applier's): now when the bot is in the channel with the
        rights to act, else kept and written once it is back (a message read just before the
        connection dropped is decided after it; its action is not lost)."""
        if self._ready():
            self.send(line)
        else:
            self._pending.append(line)
            log.info("not in the channel with rights; kept for the reconnect: %s", _masked(line))

    def _ready(self) -> bool:
        writer = self._writer
        if writer is None or writer.is_closing() or not self.joined.is_set():
            return False
        return self.is_op or self.settings.dialect == "twitch"

    def _flush(self) -> None:
        while self._pending and self._ready():
            self.send(self._pending.popleft())

    def disconnect(self) -> None:
        """Drop the connection (it reconnects with back-off); tests use it."""
        if self._writer is not None:
            self._writer.transport.abort()

    async def close(self) -> None:
        self._closed.set()
        writer = self._writer
        if writer is not None and not writer.is_closing():
            with contextlib.suppress(Exception):
                writer.write(b"QUIT :ChatWarden leaving\r\n")
                await writer.drain()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    # -- reading --------------------------------------------------------------------------

    async def messages(self) -> AsyncIterator[InboundMessage]:
        """The channel's messages; connects, and reconnects after a drop, with back-off (reset
        after each successful registration) until ``close``."""
        s = self.settings
        delays = backoff_delays(s.backoff_base_s, s.backoff_cap_s, self._rng)
        while not self._closed.is_set():
            registered = False
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(s.host, s.port, ssl=s.tls or None),
                    s.connect_timeout_s,
                )
                self._writer = writer
                self._register()
                async for msg in self._read(reader):
                    if not registered and self.connects:
                        registered = True
                        delays = backoff_delays(s.backoff_base_s, s.backoff_cap_s, self._rng)
                    if msg is not None:
                        yield msg
            except (OSError, TimeoutError, ConnectionError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("IRC connection to %s:%d: %s", s.host, s.port, self.last_error)
            finally:
                self.joined.clear()
                self.is_op = False
                if self._writer is not None:
                    self._writer.close()
                self._writer = None
            if self._closed.is_set():
                break
            delay = next(delays)
            log.info("reconnecting to %s:%d in %.1f s", s.host, s.port, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)

    def _register(self) -> None:
        s = self.settings
        self.nick = s.nick
        self.state = ChannelState()
        if s.dialect == "twitch":  # Twitch documents a plain REQ of its capabilities
            self.send(format_line("CAP", "REQ", " ".join(_TWITCH_CAPS)))
        else:
            self.send("CAP LS 302")
        if s.password:
            self.send(format_line("PASS", s.password))
        self.send(format_line("NICK", self.nick))
        self.send(format_line("USER", self.nick, "0", "*", "ChatWarden"))

    async def _read(self, reader: asyncio.StreamReader) -> AsyncIterator[InboundMessage | None]:
        while True:
            raw = await reader.readline()
            if not raw:
                return
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                continue
            try:
                line = parse_line(text)
            except ValueError:
                log.debug("unparsable line: %r", text)
                continue
            log.debug("<< %s", text)
            if self.on_line is not None:
                self.on_line(line)
            msg = self._handle(line)
            if self._pending:
                self._flush()
            yield msg

    def _handle(self, line: Line) -> InboundMessage | None:
        """Protocol bookkeeping for one line; the chat message it carries, if any."""
        cmd, s = line.command, self.settings
        if cmd == "PING":
            self.send(format_line("PONG", *line.params))
        elif cmd == "CAP":
            self._cap(line)
        elif cmd == "001":
            self.connects += 1
            self.last_error = None
            if s.oper is not None and s.dialect == "irc":
                self.send(format_line("OPER", *s.oper))
            self.send(format_line("JOIN", s.channel))
        elif cmd == "005":
            for token in line.params[1:]:
                if token.startswith("PREFIX="):
                    self.state.prefixes = parse_isupport_prefix(token[7:])
        elif cmd == "433":  # nick in use
            self.nick += "_"
            self.send(format_line("NICK", self.nick))
        elif cmd in ("JOIN", "PART", "KICK", "NICK", "QUIT", "MODE", "353", "366"):
            self._membership(line)
        elif cmd == "PRIVMSG" or cmd == "USERNOTICE":
            if line.prefix is not None and line.prefix.nick.lower() == self.nick.lower():
                return None  # our own line (echo-message)
            if line.param(0).lower() != s.channel.lower():
                return None
            if line.prefix is not None:
                self.applier.note_host(line.prefix.nick, line.prefix.host)
            modes = self.state.modes.get(line.prefix.nick.lower(), set()) if line.prefix else set()
            return inbound_message(line, s.dialect, irc_role(modes))
        elif s.dialect == "twitch":
            event = twitch_event(line)
            if event is not None:
                log.info("twitch: %s", event)
        elif cmd in ("ERROR", "464", "465", "471", "473", "474", "475", "481", "482"):
            self.last_error = " ".join(line.params)
            log.warning("IRC server: %s %s", cmd, self.last_error)
        return None

    def _cap(self, line: Line) -> None:
        sub = line.param(1).upper()
        if sub == "LS":
            if line.param(2) == "*":  # more LS lines follow
                self._offered |= set(line.param(3).split())
                return
            offered, self._offered = self._offered | set(line.param(2).split()), set()
            names = {o.partition("=")[0] for o in offered}
            wanted = _TWITCH_CAPS if self.settings.dialect == "twitch" else _WANTED_CAPS
            req = [c for c in wanted if c in names]
            if req:
                self.send(format_line("CAP", "REQ", " ".join(req)))
            else:
                self.send("CAP END")
        elif sub in ("ACK", "NAK"):
            self.send("CAP END")

    def _membership(self, line: Line) -> None:
        cmd, chan = line.command, self.settings.channel.lower()
        nick = line.prefix.nick if line.prefix else ""
        me = nick.lower() == self.nick.lower()
        if cmd == "JOIN" and line.param(0).lower() == chan:
            self.state.modes_of(nick)
            if me:
                self.joined.set()
        elif cmd == "353" and line.param(2).lower() == chan:
            for entry in line.param(3).split():
                who, given = split_names(entry, self.state.prefixes)
                self.state.modes[who.lower()] = set(given)
        elif cmd == "366" and line.param(1).lower() == chan:
            self.is_op = bool(self.state.modes_of(self.nick) & {"q", "a", "o", "h"})
            if not self.is_op and self.settings.oper is not None and self.settings.dialect == "irc":
                self.send(format_line("MODE", self.settings.channel, "+o", self.nick))
        elif cmd == "MODE" and line.param(0).lower() == chan:
            with_arg = "".join(self.state.prefixes.values()) + "beIk"
            for adding, mode, arg in mode_changes(line.params, with_arg):
                if arg is None or mode not in self.state.prefixes.values():
                    continue
                member = self.state.modes_of(arg)
                if adding:
                    member.add(mode)
                else:
                    member.discard(mode)
                if arg.lower() == self.nick.lower():
                    self.is_op = bool(member & {"q", "a", "o", "h"})
        elif cmd in ("PART", "KICK") and line.param(0).lower() == chan:
            gone = line.param(1) if cmd == "KICK" else nick
            self.state.modes.pop(gone.lower(), None)
            if gone.lower() == self.nick.lower():
                self.joined.clear()
                self.send(format_line("JOIN", self.settings.channel))  # kicked: come back
        elif cmd == "QUIT":
            self.state.modes.pop(nick.lower(), None)
        elif cmd == "NICK":
            new = line.param(0)
            if me:
                self.nick = new
            self.state.modes[new.lower()] = self.state.modes.pop(nick.lower(), set())


def _masked(line: str) -> str:
    """A line fit for the log: credentials replaced."""
    head = line.split(" ", 1)[0].upper()
    return f"{head} ********" if head in _SECRET_COMMANDS else line
