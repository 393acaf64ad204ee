"""The IRC connector against a real IRC server (ngIRCd), through the runner and the services:
a bot with operator rights acting on real messages from other clients."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa

from chatwarden.connectors.base import InboundMessage, PlatformUser
from chatwarden.connectors.irc.client import IrcConnector, IrcSettings
from chatwarden.connectors.irc.parse import Line, parse_line
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.errors import Unauthorized
from chatwarden.rules.effects import Hold, Target
from chatwarden.service.chat.platform import NO_PASSWORD, PlatformSender, platform_login
from chatwarden.services import Services
from chatwarden.settings import Role
from chatwarden.store.schema import messages, mod_log, review_items, users
from tests.connectors.conftest import OPER, IrcServer, RawClient

THREAT = "i will kill you"
BANTER = "gg everyone, nice play"


async def until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    async def wait() -> None:
        while not pred():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


def bot_for(host: str, port: int, channel: str) -> IrcConnector:
    settings = IrcSettings(
        host, port, channel, "cwbot", oper=OPER, backoff_base_s=0.05, backoff_cap_s=0.2
    )
    return IrcConnector(settings)


def kicks(client: RawClient, nick: str) -> list[Line]:
    return [ln for ln in client.lines if ln.command == "KICK" and ln.param(1) == nick]


def stored(services: Services, channel_id: int) -> list[dict[str, object]]:
    with services.db.read() as conn:
        rows = conn.execute(
            sa.select(messages.c.text, messages.c.status, messages.c.id)
            .where(messages.c.channel_id == channel_id)
            .order_by(messages.c.id)
        )
        return [dict(r._mapping) for r in rows]


def count(services: Services, query: sa.Select[Any]) -> int:
    with services.db.read() as conn:
        return int(conn.execute(query).scalar_one())


async def running(runner: ConnectorRunner, body: Callable[[], Awaitable[None]]) -> None:
    task = asyncio.create_task(runner.run())
    try:
        await body()
    finally:
        await runner.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_the_bot_kicks_a_threat_and_leaves_banter_alone(
    irc_server: IrcServer, services: Services
) -> None:
    bot = bot_for(irc_server.host, irc_server.port, "#alpha")
    runner = ConnectorRunner(services, bot, "alpha", PlatformUser("irc", "cwbot", "cwbot"))

    async def body() -> None:
        await until(lambda: bot.joined.is_set() and bot.is_op)
        alice = await RawClient.connect(irc_server, "alice")
        bob = await RawClient.connect(irc_server, "bob")
        await alice.join("#alpha")
        await bob.join("#alpha")
        alice.say("#alpha", BANTER)
        bob.say("#alpha", THREAT)
        kick = await alice.wait_for(lambda ln: ln.command == "KICK" and ln.param(1) == "bob")
        assert kick.prefix is not None and kick.prefix.nick == "cwbot"
        assert kick.param(2) == "ChatWarden: held for review (aggression)"
        await until(lambda: runner.stats.decided == 2)
        await asyncio.sleep(0.2)  # anything more would have arrived by now
        assert kicks(alice, "alice") == []
        assert len(kicks(alice, "bob")) == 1
        await alice.close()
        await bob.close()

    asyncio.run(running(runner, body))
    assert runner.channel_id is not None
    rows = stored(services, runner.channel_id)
    assert [(r["text"], r["status"]) for r in rows] == [(BANTER, "delivered"), (THREAT, "held")]
    held = rows[1]["id"]
    assert count(services, sa.select(sa.func.count()).where(review_items.c.message_id == held)) == 1
    holds = sa.select(sa.func.count()).where(
        mod_log.c.channel_id == runner.channel_id, mod_log.c.action == "automod.hold"
    )
    assert count(services, holds) == 1
    # bob is a ChatWarden user now, named as on IRC, with no way to log in
    login = platform_login("irc", "bob")
    with services.db.read() as conn:
        user = conn.execute(sa.select(users).where(users.c.login == login)).mappings().one()
    assert user["username"] == "bob"
    with pytest.raises(Unauthorized):
        services.accounts.login(login, NO_PASSWORD)


class Bouncer:
    """Between the bot and the server, as a bouncer or an IRCv3 server with history is: it
    gives each channel message a ``msgid`` tag and, when the bot connects again, plays back
    what it had sent before, after the channel's end of NAMES."""

    def __init__(self, server: IrcServer) -> None:
        self.server = server
        self.sent: list[bytes] = []
        self.connections = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._listener = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self._listener.sockets[0].getsockname()[1])

    async def close(self) -> None:
        self._listener.close()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._listener.wait_closed()

    async def _client(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        self.connections += 1
        playback = list(self.sent) if self.connections > 1 else []
        sreader, swriter = await asyncio.open_connection(self.server.host, self.server.port)

        async def up() -> None:
            while data := await creader.readline():
                swriter.write(data)

        async def down() -> None:
            nonlocal playback
            while data := await sreader.readline():
                line = parse_line(data.decode())
                if line.command == "PRIVMSG" and line.param(0).startswith("#"):
                    data = f"@msgid=m{len(self.sent) + 1} ".encode() + data
                    self.sent.append(data)
                cwriter.write(data)
                if line.command == "366" and playback:
                    cwriter.writelines(playback)
                    playback = []

        async def pipe() -> None:
            halves = [asyncio.create_task(up()), asyncio.create_task(down())]
            try:
                await asyncio.wait(halves, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for half in halves:  # the bot's side was reset: end both, keep no error
                    half.cancel()
                await asyncio.gather(*halves, return_exceptions=True)
                for writer in (swriter, cwriter):
                    writer.close()
                    with contextlib.suppress(Exception):
                        await writer.wait_closed()

        task = asyncio.create_task(pipe())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def test_a_message_played_back_after_a_reconnect_is_decided_once(
    irc_server: IrcServer, services: Services
) -> None:
    bouncer = Bouncer(irc_server)

    async def scenario() -> ConnectorRunner:
        port = await bouncer.start()
        bot = bot_for("127.0.0.1", port, "#beta")
        runner = ConnectorRunner(services, bot, "beta", PlatformUser("irc", "cwbot", "cwbot"))

        async def body() -> None:
            await until(lambda: bot.joined.is_set() and bot.is_op)
            alice = await RawClient.connect(irc_server, "alice2")
            bob = await RawClient.connect(irc_server, "bob2")
            await alice.join("#beta")
            await bob.join("#beta")
            bob.say("#beta", THREAT)
            await alice.wait_for(lambda ln: ln.command == "KICK" and ln.param(1) == "bob2")
            await until(lambda: runner.stats.decided == 1)
            bot.disconnect()  # the connection drops; the bot comes back with back-off
            await until(lambda: bot.connects == 2 and bot.joined.is_set() and bot.is_op)
            await until(lambda: runner.stats.replayed == 1)  # the played-back threat
            await bob.join("#beta")
            bob.say("#beta", "sorry, that was out of line")
            await until(lambda: runner.stats.decided == 2)
            await asyncio.sleep(0.2)
            assert len(kicks(alice, "bob2")) == 1  # acted on once
            await alice.close()
            await bob.close()

        try:
            await running(runner, body)
        finally:
            await bouncer.close()
        return runner

    runner = asyncio.run(scenario())
    assert bouncer.connections == 2
    assert runner.channel_id is not None
    rows = stored(services, runner.channel_id)
    assert [(r["text"], r["status"]) for r in rows] == [
        (THREAT, "held"),
        ("sorry, that was out of line", "delivered"),
    ]
    assert [o.replayed for o in runner.stats.outcomes] == [False, True, False]


class FakeTwitch:
    """A local stand-in for irc.chat.twitch.tv that speaks exactly the documented line shapes:
    the capabilities, the welcome, JOIN with NAMES, tagged PRIVMSGs; it records what the bot
    sends."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.joined = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        self._server.close()
        await self._server.wait_closed()

    def push(self, line: str) -> None:
        assert self._writer is not None
        self._writer.write(line.encode() + b"\r\n")

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        while data := await reader.readline():
            line = parse_line(data.decode())
            self.received.append(data.decode().rstrip("\r\n"))
            if line.command == "CAP" and line.param(0) == "REQ":
                self.push(f":tmi.twitch.tv CAP * ACK :{line.param(1)}")
            elif line.command == "NICK":
                self.push(f":tmi.twitch.tv 001 {line.param(0)} :Welcome, GLHF!")
            elif line.command == "JOIN":
                chan = line.param(0)
                self.push(f":cwbot!cwbot@cwbot.tmi.twitch.tv JOIN {chan}")
                self.push(f":cwbot.tmi.twitch.tv 353 cwbot = {chan} :cwbot")
                self.push(f":cwbot.tmi.twitch.tv 366 cwbot {chan} :End of /NAMES list")
                self.joined.set()


def twitch_privmsg(
    msg_id: str, user_id: str, login: str, badges: str, text: str, emotes: str = ""
) -> str:
    return (
        f"@badge-info=;badges={badges};color=#0D4200;display-name={login};emotes={emotes};"
        f"first-msg=0;id={msg_id};mod=0;room-id=1337;subscriber=0;tmi-sent-ts=1507246572675;"
        f"turbo=0;user-id={user_id};user-type= :{login}!{login}@{login}.tmi.twitch.tv "
        f"PRIVMSG #streamer :{text}"
    )


def test_twitch_dialect_deletes_by_message_id_and_learns_badges_and_emotes(
    services: Services,
) -> None:
    twitch = FakeTwitch()

    async def scenario() -> ConnectorRunner:
        port = await twitch.start()
        settings = IrcSettings(
            "127.0.0.1", port, "#streamer", "cwbot", dialect="twitch", password="oauth:t0ken"
        )
        bot = IrcConnector(settings)
        runner = ConnectorRunner(services, bot, "streamer", PlatformUser("twitch", "99", "cwbot"))

        async def body() -> None:
            await asyncio.wait_for(twitch.joined.wait(), 5)
            twitch.push(twitch_privmsg("m-1", "501", "mia", "moderator/1", "welcome all"))
            twitch.push(twitch_privmsg("m-2", "502", "vic", "", "Kappa gg Kappa", "25:0-4,9-13"))
            twitch.push(twitch_privmsg("m-3", "503", "mal", "", THREAT))
            await until(lambda: runner.stats.decided == 3)
            await until(lambda: any("/delete" in r for r in twitch.received))

        try:
            await running(runner, body)
        finally:
            await twitch.close()
        return runner

    runner = asyncio.run(scenario())
    sent = twitch.received
    assert sent[:3] == [
        "CAP REQ :twitch.tv/tags twitch.tv/commands twitch.tv/membership",
        "PASS oauth:t0ken",
        "NICK cwbot",
    ]
    assert [r for r in sent if r.startswith("PRIVMSG")] == ["PRIVMSG #streamer :/delete m-3"]
    assert [o.status for o in runner.stats.outcomes] == ["delivered", "delivered", "held"]
    assert runner.channel_id is not None
    assert services.modes.get(runner.channel_id).emote_set == ("Kappa",)
    mia = runner.platform.actor(PlatformSender("twitch", "501", "mia"))
    assert services.channels.role_of(runner.channel_id, mia.user_id) is Role.MODERATOR


class Wire:
    """A connector whose writer is one end of a socket pair; ``lines()`` reads the other end."""

    def __init__(self, settings: IrcSettings) -> None:
        self.settings = settings

    async def __aenter__(self) -> Wire:
        import socket

        ours, theirs = socket.socketpair()
        self._ours = await asyncio.open_connection(sock=ours)
        self._theirs = await asyncio.open_connection(sock=theirs)
        self.bot = IrcConnector(self.settings)
        self.bot._writer = self._ours[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for _, writer in (self._ours, self._theirs):
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def lines(self) -> list[str]:
        reader, data = self._theirs[0], b""
        while True:
            try:
                data += await asyncio.wait_for(reader.read(65536), 0.05)
            except TimeoutError:
                return data.decode().splitlines()


def test_the_client_keeps_track_of_the_channel_and_answers_the_server() -> None:
    async def run() -> tuple[IrcConnector, list[str], list[InboundMessage | None]]:
        async with Wire(IrcSettings("h", 1, "#c", "cw", oper=OPER)) as wire:
            return wire.bot, *(await talk(wire))

    async def talk(wire: Wire) -> tuple[list[str], list[InboundMessage | None]]:
        bot = wire.bot
        feed = [
            "PING :irc.example",
            ":s CAP * LS * :multi-prefix",
            ":s CAP * LS :server-time sasl=PLAIN",
            ":s CAP cw ACK :server-time multi-prefix",
            ":s 433 * cw :Nickname is already in use",
            ":s 001 cw_ :Welcome",
            ":s 005 cw_ PREFIX=(ov)@+ CHANTYPES=# :are supported",
            ":cw_!u@h JOIN #c",
            ":s 353 cw_ = #c :cw_ @ann +bob carl",
            ":s 366 cw_ #c :End of NAMES list",
            ":ann!a@h MODE #c +o cw_",
            ":ann!a@h MODE #c +v-v+l carl bob 10",
            ":carl!c@h NICK carla",
            ":bob!b@h PART #c",
            ":x!x@h QUIT :bye",
            ":ann!a@h KICK #c cw_ :out",
            "ERROR :Closing link",
            ":s 482 cw_ #c :You're not channel operator",
        ]
        for raw in feed:
            assert bot._handle(parse_line(raw)) is None
        said = [
            bot._handle(parse_line(raw))
            for raw in [
                ":carla!c@h.example PRIVMSG #c :hi there",
                ":ann!a@h PRIVMSG #other :elsewhere",
                ":cw_!u@h PRIVMSG #c :our own echo",
                ":carla!c@h.example PRIVMSG #c :\x01VERSION\x01",
            ]
        ]
        return await wire.lines(), said

    bot, sent, said = asyncio.run(run())
    assert sent == [
        "PONG irc.example",
        "CAP REQ :server-time multi-prefix",
        "CAP END",
        "NICK cw_",
        f"OPER {OPER[0]} {OPER[1]}",
        "JOIN #c",
        "MODE #c +o cw_",  # joined without operator status: an IRC operator takes it
        "JOIN #c",  # kicked: back in
    ]
    assert bot.nick == "cw_" and bot.connects == 1 and bot.is_op
    assert not bot.joined.is_set()  # kicked (until the JOIN comes back)
    assert bot.state.modes == {"ann": {"o"}, "carla": {"v"}}
    assert bot.last_error is not None and "channel operator" in bot.last_error
    msg = said[0]
    assert isinstance(msg, InboundMessage) and msg.role is Role.VIP and msg.text == "hi there"
    assert bot.applier.hosts == {"carla": "h.example"}
    assert said[1:] == [None, None, None]


def test_twitch_lines_are_read_and_the_dialect_sends_no_oper() -> None:
    async def run() -> list[str]:
        settings = IrcSettings("h", 1, "#c", "cw", dialect="twitch", oper=OPER)
        async with Wire(settings) as wire:
            for raw in [
                ":tmi.twitch.tv 001 cw :Welcome, GLHF!",
                "@login=ronni;target-msg-id=abc :tmi.twitch.tv CLEARMSG #c :HeyGuys",
                "@msg-id=no_permission :tmi.twitch.tv NOTICE #c :You don't have permission.",
            ]:
                assert wire.bot._handle(parse_line(raw)) is None
            return await wire.lines()

    assert asyncio.run(run()) == ["JOIN #c"]


def test_a_server_that_is_not_there_is_retried_with_back_off_until_close() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def run() -> IrcConnector:
        settings = IrcSettings("127.0.0.1", port, "#c", "cw", backoff_base_s=0.01)
        bot = IrcConnector(settings)
        bot.send("PRIVMSG #c :not connected")  # dropped, with a warning

        async def read() -> list[InboundMessage]:
            return [m async for m in bot.messages()]

        task = asyncio.create_task(read())
        await until(lambda: bot.last_error is not None)
        await asyncio.sleep(0.1)  # a few more tries
        await bot.close()
        assert await asyncio.wait_for(task, 2) == []
        return bot

    bot = asyncio.run(run())
    assert bot.last_error is not None and "Connect" in bot.last_error
    assert bot.connects == 0


def test_an_action_decided_while_the_bot_is_disconnected_is_carried_out_once_it_is_back(
    irc_server: IrcServer, services: Services
) -> None:
    """A message read just before the connection drops is decided after it: its kick waits for
    the reconnect (it was dropped before), and is sent once."""
    bot = bot_for(irc_server.host, irc_server.port, "#gamma")
    runner = ConnectorRunner(services, bot, "gamma", PlatformUser("irc", "cwbot", "cwbot"))

    async def body() -> None:
        await until(lambda: bot.joined.is_set() and bot.is_op)
        alice = await RawClient.connect(irc_server, "alice3")
        bob = await RawClient.connect(irc_server, "bob3")
        await alice.join("#gamma")
        await bob.join("#gamma")
        bob.say("#gamma", BANTER)
        await until(lambda: runner.stats.decided == 1)
        bot.disconnect()
        bot.applier.apply(Target(1, 1, "bob3", None, THREAT), [Hold("threat", "a threat")])
        await until(lambda: bot.connects == 2 and bot.joined.is_set() and bot.is_op)
        await alice.wait_for(lambda ln: ln.command == "KICK" and ln.param(1) == "bob3")
        await asyncio.sleep(0.3)
        assert len(kicks(alice, "bob3")) == 1
        await alice.close()
        await bob.close()

    asyncio.run(running(runner, body))
