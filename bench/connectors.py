"""The IRC connector on a real local IRC server (issue 17's "Measured", IRC part).

Starts ngIRCd on loopback (``tests/connectors/ngircd.py``, the connector tests' own server), the
ChatWarden IRC connector (``connectors/irc``, a bot with operator rights, as ``chatwarden
connect irc`` runs it) on a fresh SQLite database, and bare socket clients (the tests' kind; the
connector itself has no IRC library either).

Load: ``--chatters`` clients each say ``--rate`` ordinary chat lines a second for ``--seconds``,
and ``--threateners`` clients each say a threat a second. Prints lines sent and decided (stored
with their decision), decided per second, ordinary lines kicked (false holds), the time from a
threat's PRIVMSG leaving its sender to an observer client in the channel seeing the bot's KICK
(plain IRC's closest to a hold: apply.py), p50/p99, and messages decided twice; and, in the same
run, the decision path alone (``PlatformChatService.send`` of one message at a time, no IRC) on
the same texts. ngIRCd throttles each client to about 3 lines/s after a short burst (its flood
protection), so the offered load is chatters x rate.

Soak (``--soak-seconds``, 60; the issue's 30 minutes is ``--soak-seconds 1800``; 0 skips it):
``--soak-chatters`` clients say numbered lines (every line unique) at ``--rate`` and two say a
numbered threat every 2 s; halfway the server is killed (SIGKILL) and restarted on the same port
``--down-seconds`` later, and everyone, the connector included (its own back-off), reconnects.
At the end, counted in the database and in what the bot read: every line the server delivered
to the bot has exactly one stored decision, none is acted on twice (the applier's calls per
message), and every line written to the server is accounted for. IRC has no history: a line
said while the server is down cannot be sent at all, and one said while the server is up but
the bot is still reconnecting is never delivered to it; both are counted apart, not as lost.

``--postgres URL``: each run on a fresh schema of that database (dropped at the end) instead of
a fresh SQLite file.

    python -m bench.connectors                      # load 30 x 2/s x 10 s, then a 60 s soak
    python -m bench.connectors --chatters 60 --seconds 20 --soak-seconds 0
    python -m bench.connectors --seconds 0 --soak-seconds 1800     # the issue's 30-minute soak
    python -m bench.connectors --postgres postgresql://postgres@127.0.0.1:5432/test
    python -m bench.connectors --platform matrix --chatters 20 --seconds 10   # Synapse
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ when run as a script

from bench.scale import with_schema
from chatwarden.config import ServiceConfig
from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.irc.client import IrcConnector, IrcSettings
from chatwarden.connectors.irc.parse import Line, parse_line
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.rules.effects import Effect, EffectApplier, Target
from chatwarden.service.chat.platform import PlatformSend, PlatformSender
from chatwarden.services import Services, build_services
from chatwarden.store.engine import create_engine
from chatwarden.store.schema import channels, messages
from chatwarden.textgen.chat import benign
from tests.connectors.ngircd import OPER, Ngircd, ngircd_binary

THREAT = "i will kill you"


class Client:
    """A bare IRC client in one channel: registers, joins, answers PING, rejoins after a KICK
    and records the KICKs it sees (nick -> times). ``up`` is False once the server is gone."""

    def __init__(
        self,
        server: Ngircd,
        nick: str,
        channel: str,
        kicks: dict[str, list[float]] | None = None,
    ) -> None:
        self.server, self.nick, self.channel = server, nick, channel
        self.writer: asyncio.StreamWriter | None = None
        self.up = False
        self.kicks: dict[str, list[float]] = kicks if kicks is not None else {}
        self.kicked_me = asyncio.Event()
        self.banned = 0
        self._task: asyncio.Task[None] | None = None

    async def connect(self, timeout: float = 5.0) -> None:
        reader, writer = await asyncio.open_connection(self.server.host, self.server.port)
        self.writer = writer
        joined = asyncio.Event()
        self._task = asyncio.create_task(self._read(reader, joined))
        self.send(f"NICK {self.nick}")
        self.send(f"USER {self.nick} 0 * :{self.nick}")
        self.send(f"JOIN {self.channel}")
        await asyncio.wait_for(joined.wait(), timeout)
        self.up = True

    def send(self, line: str) -> None:
        assert self.writer is not None
        self.writer.write(line.encode() + b"\r\n")

    async def _read(self, reader: asyncio.StreamReader, joined: asyncio.Event) -> None:
        try:
            while data := await reader.readline():
                line = parse_line(data.decode("utf-8", "replace"))
                self._handle(line, joined)
        except (OSError, ConnectionError):
            pass
        self.up = False

    def _handle(self, line: Line, joined: asyncio.Event) -> None:
        if line.command == "PING":
            self.send(f"PONG :{line.param(0)}")
        elif line.command == "366":
            joined.set()
        elif line.command == "474":  # banned from the channel
            self.banned += 1
        elif line.command == "KICK":
            self.kicks.setdefault(line.param(1), []).append(time.perf_counter())
            if line.param(1) == self.nick:
                self.kicked_me.set()
                self.send(f"JOIN {self.channel}")

    async def close(self) -> None:
        if self.writer is not None and self.up:
            self.send("QUIT :done")
            self.writer.close()
        if self._task is not None:
            self._task.cancel()


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


@contextmanager
def fresh_database(postgres: str | None, folder: Path, name: str) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema of ``postgres`` (dropped at the end)."""
    if postgres is None:
        yield f"sqlite:///{folder / name}.db"
        return
    schema = f"cw_bench_connectors_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_schema(postgres, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


async def start_bot(
    server: Ngircd, url: str, channel: str
) -> tuple[Services, IrcConnector, ConnectorRunner, asyncio.Task[None]]:
    config = ServiceConfig.from_env({}, database_url=url)
    services = build_services(config)
    bot = IrcConnector(IrcSettings(server.host, server.port, channel, "cwbot", oper=OPER))
    runner = ConnectorRunner(
        services, bot, channel.lstrip("#"), PlatformUser("irc", "cwbot", "cwbot")
    )
    task = asyncio.create_task(runner.run())
    while not (bot.joined.is_set() and bot.is_op):
        await asyncio.sleep(0.05)
    return services, bot, runner, task


async def stop_bot(runner: ConnectorRunner, task: asyncio.Task[None]) -> None:
    await runner.close()
    try:
        await asyncio.wait_for(task, 5)
    except (TimeoutError, asyncio.CancelledError):
        task.cancel()


def stored_per_text(services: Services, channel_id: int) -> Counter[str]:
    with services.db.read() as conn:
        rows = conn.execute(
            sa.select(messages.c.text, sa.func.count())
            .where(messages.c.channel_id == channel_id)
            .group_by(messages.c.text)
        ).all()
    return Counter({str(text): int(n) for text, n in rows})


# -- load: throughput and threat -> KICK ---------------------------------------------------


async def chatter(server: Ngircd, nick: str, texts: list[str], rate: float) -> Client:
    client = Client(server, nick, "#bench")
    await client.connect(60.0)  # ngIRCd registers a burst of connections slowly
    for text in texts:
        client.send(f"PRIVMSG #bench :{text}")
        await asyncio.sleep(1 / rate)
    await asyncio.sleep(2.0)
    await client.close()
    return client


async def threatener(
    server: Ngircd, nick: str, seconds: float, observer: Client, latencies: list[float]
) -> int:
    """Says a threat, times it until the observer sees the bot's KICK, and repeats a second
    later (having joined again)."""
    client = Client(server, nick, "#bench")
    await client.connect()
    sent, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        client.kicked_me.clear()
        client.send(f"PRIVMSG #bench :{THREAT} ~{nick}-{sent}")
        sent += 1
        deadline = start + 10
        while time.perf_counter() < deadline:
            seen = [t for t in observer.kicks.get(nick, []) if t > start]
            if seen:
                latencies.append(seen[0] - start)
                break
            await asyncio.sleep(0.002)
        await asyncio.wait_for(client.kicked_me.wait(), 10)
        await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - start)))
    await asyncio.sleep(2.0)
    await client.close()
    return sent


async def load(args: argparse.Namespace, server: Ngircd, url: str) -> None:
    services, bot, runner, task = await start_bot(server, url, "#bench")
    observer = Client(server, "observer", "#bench")
    await observer.connect()
    per = int(args.rate * args.seconds)
    rng = random.Random(7)
    pool = [f"{benign(rng)[0]} ~{i}" for i in range(args.chatters * per)]  # each unique
    latencies: list[float] = []
    read: list[float] = []  # when the bot read each chat line

    def on_line(line: Line) -> None:
        if line.command == "PRIVMSG" and line.param(0) == "#bench":
            read.append(time.perf_counter())

    bot.on_line = on_line
    last_decided = [0.0]  # when the count of decided lines last grew

    async def watch() -> None:
        seen = 0
        while True:
            if (n := runner.stats.decided + runner.stats.refused) != seen:
                seen, last_decided[0] = n, time.perf_counter()
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    plans = [
        chatter(server, f"chatter{c}", pool[c * per : (c + 1) * per], args.rate)
        for c in range(args.chatters)
    ]
    threats = [
        threatener(server, f"threat{t}", args.seconds, observer, latencies)
        for t in range(args.threateners)
    ]
    results = await asyncio.gather(asyncio.gather(*plans), asyncio.gather(*threats))
    sent, threat_count = len(pool), sum(results[1])
    for _ in range(1000):  # until every line read is decided
        decided = runner.stats.decided + runner.stats.refused
        if decided >= len(read):
            break
        await asyncio.sleep(0.01)
    watcher.cancel()
    elapsed = last_decided[0] - read[0] if read else 0.0  # first line read .. last decided
    kicked = sum(len(observer.kicks.get(f"chatter{c}", [])) for c in range(args.chatters))
    await observer.close()
    await stop_bot(runner, task)
    assert runner.channel_id is not None
    twice = sum(1 for n in stored_per_text(services, runner.channel_id).values() if n > 1)
    # the decision path alone, one message at a time, on the same texts
    alone: list[float] = []
    sender = PlatformSender("irc", "baseline", "baseline")
    for text in pool[: min(300, len(pool))]:
        t = time.perf_counter()
        await asyncio.to_thread(
            runner.platform.send, runner.channel_id, [PlatformSend(sender, text)]
        )
        alone.append(time.perf_counter() - t)
    services.close()
    print(
        f"load: ngIRCd {server.port}, {args.chatters} chatters x {args.rate}/s x {args.seconds} s"
    )
    print(
        f"  lines sent {sent + threat_count} ({threat_count} threats), read by the bot "
        f"{len(read)}, decided and stored {decided} ({decided / max(elapsed, 1e-9):.1f}/s, "
        f"first read to last decided); ordinary lines kicked {kicked}"
    )
    print(
        f"  threat PRIVMSG -> KICK seen by an observer: n={len(latencies)} of {threat_count}, "
        f"p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms"
    )
    print(f"  messages stored twice: {twice}")
    print(
        f"  baseline, the decision path alone (1 message per call, no IRC): "
        f"p50 {pct(alone, 0.5):.1f} ms, p99 {pct(alone, 0.99):.1f} ms"
    )


# -- soak: the server killed and restarted mid-way -----------------------------------------


class CountingApplier:
    """The connector's applier, counting its calls per message text (every soak line is
    unique, so a count of 2 is a message acted on twice)."""

    def __init__(self, inner: EffectApplier) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.while_down = 0  # effects applied while the bot had no connection (dropped lines)
        self.connected = lambda: True

    def apply(self, target: Target, effects: Sequence[Effect]) -> None:
        self.calls[target.text or ""] += 1
        if not self.connected():
            self.while_down += 1
        self.inner.apply(target, effects)


@dataclass
class Said:
    written: list[tuple[float, str]] = field(default_factory=list)  # (time, text)
    unsent: list[tuple[float, str]] = field(default_factory=list)  # the server was gone


async def soak_sender(
    server: Ngircd, nick: str, end: float, interval: float, make: str, said: Said
) -> Client:
    """Says a numbered line every ``interval`` until ``end``; when the server is gone the line
    cannot be sent (counted), and it reconnects (at most every 0.5 s) until it is back."""
    client = Client(server, nick, "#soak")
    i, retry_at = 0, 0.0
    while (now := time.perf_counter()) < end:
        if not client.up and now >= retry_at:
            retry_at = now + 0.5
            client = Client(server, nick, "#soak")
            try:
                await client.connect(2.0)
            except (OSError, TimeoutError):
                client.up = False
        text = f"{make if make else benign(random.Random(hash((nick, i))))[0]} ~{nick}-{i}"
        i += 1
        if client.up:
            client.send(f"PRIVMSG #soak :{text}")
            said.written.append((time.perf_counter(), text))
        else:
            said.unsent.append((time.perf_counter(), text))
        await asyncio.sleep(interval)
    await client.close()
    return client


async def observe(server: Ngircd, end: float, kicks: dict[str, list[float]]) -> None:
    """An observer in the channel until ``end``, reconnecting while the server is gone; the
    KICKs it sees go to ``kicks``."""
    client = Client(server, "observer", "#soak", kicks)
    while time.perf_counter() < end:
        if not client.up:
            client = Client(server, "observer", "#soak", kicks)
            try:
                await client.connect(2.0)
            except (OSError, TimeoutError):
                client.up = False
        await asyncio.sleep(0.2)
    await client.close()


async def soak(args: argparse.Namespace, server: Ngircd, url: str) -> None:
    services, bot, runner, task = await start_bot(server, url, "#soak")
    counting = CountingApplier(runner.applier)
    counting.connected = lambda: bot._writer is not None and not bot._writer.is_closing()
    runner.applier = counting
    delivered: Counter[str] = Counter()
    by_op: set[str] = set()  # said by a channel operator (a moderator: not held)

    def on_line(line: Line) -> None:
        if line.command == "PRIVMSG" and line.param(0) == "#soak":
            delivered[line.param(1)] += 1
            nick = line.prefix.nick.lower() if line.prefix else ""
            if bot.state.modes.get(nick, set()) & {"q", "a", "o", "h"}:
                by_op.add(line.param(1))

    bot.on_line = on_line
    kicks: dict[str, list[float]] = {}
    said = Said()
    start = time.perf_counter()
    end = start + args.soak_seconds
    senders = [
        soak_sender(server, f"soak{c}", end, 1 / args.rate, "", said)
        for c in range(args.soak_chatters)
    ]
    senders += [soak_sender(server, f"menace{t}", end, 2.0, THREAT, said) for t in range(2)]
    run = asyncio.gather(*senders, observe(server, end + 2.0, kicks))
    await asyncio.sleep(args.soak_seconds / 2)
    killed = time.perf_counter()
    server.kill()
    await asyncio.sleep(args.down_seconds)
    await asyncio.to_thread(server.start)
    restarted = time.perf_counter()
    while not (bot.joined.is_set() and bot.is_op):
        await asyncio.sleep(0.01)
    bot_back = time.perf_counter()
    await run
    await asyncio.sleep(3.0)  # the last lines decided
    await stop_bot(runner, task)
    assert runner.channel_id is not None
    stored = stored_per_text(services, runner.channel_id)
    with services.db.read() as conn:
        rows = conn.execute(
            sa.select(messages.c.text, messages.c.status)
            .join(channels, channels.c.id == messages.c.channel_id)
            .where(channels.c.id == runner.channel_id)
        ).all()
    status = Counter(str(s) for _, s in rows)
    services.close()
    written = {text: t for t, text in said.written}
    not_delivered = [text for text in written if text not in delivered]
    in_gap = [t for t in not_delivered if killed - 0.5 <= written[t] <= bot_back]
    lost = [t for t in not_delivered if t not in in_gap]
    once = sum(1 for t in delivered if stored.get(t) == 1)
    missing = [t for t in delivered if stored.get(t, 0) == 0]
    twice = [t for t in delivered if stored.get(t, 0) > 1]
    strays = [t for t in stored if t not in delivered]
    delivered_twice = [t for t, n in delivered.items() if n > 1]
    acted = sum(counting.calls.values())
    acted_twice = [t for t, n in counting.calls.items() if n > 1]
    kicks_seen = sum(len(v) for v in kicks.values())
    threats = [t for t in delivered if t.startswith(THREAT) and t not in by_op]
    op_threats = sum(1 for t in by_op if t.startswith(THREAT))
    threats_acted = sum(1 for t in threats if counting.calls[t] == 1)
    stored_status = {str(text): str(st) for text, st in rows}
    unacted = [f"{t} ({stored_status.get(t)})" for t in threats if counting.calls[t] != 1]
    print(
        f"soak: {args.soak_seconds:.0f} s, {args.soak_chatters} chatters x {args.rate}/s "
        f"+ 2 threats every 2 s; ngIRCd killed at {killed - start:.1f} s, restarted "
        f"{restarted - killed:.1f} s later, bot back in the channel (op) "
        f"{bot_back - restarted:.1f} s after that; connector connects {bot.connects}"
    )
    print(
        f"  lines written {len(written)}, delivered to the bot {len(delivered)} "
        f"(delivered twice by the server: {len(delivered_twice)})"
    )
    print(
        f"  delivered lines with exactly one stored decision: {once} of {len(delivered)}; "
        f"none {len(missing)}, two or more {len(twice)}, stored but never read {len(strays)}"
    )
    print(
        f"  acted on: {acted} messages (applier calls), twice {len(acted_twice)}; while the bot "
        f"had no connection (kept, written on its return) {counting.while_down}; "
        f"KICKs an observer saw {kicks_seen}; "
        f"threats delivered {len(threats)}, acted on once {threats_acted} (and {op_threats} "
        f"said as channel operator, not acted on: whoever joins the emptied channel first "
        f"after the restart is made its operator, and an operator is a moderator); "
        f"stored statuses {dict(status)}"
    )
    print(
        f"  IRC cannot queue: {len(said.unsent)} lines not sendable (server down), "
        f"{len(in_gap)} written around the outage (kill - 0.5 s .. bot back) never reached the "
        f"bot; written outside the outage and lost: {len(lost)}"
    )
    for text in (missing + twice + acted_twice + lost + unacted)[:8]:
        print(f"    e.g. {text!r}")


async def main(args: argparse.Namespace, server: Ngircd, folder: Path) -> None:
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
    if args.seconds > 0:
        with fresh_database(args.postgres, folder, "load") as url:
            await load(args, server, url)
    if args.soak_seconds > 0:
        with fresh_database(args.postgres, folder, "soak") as url:
            await soak(args, server, url)
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--chatters", type=int, default=30)
    parser.add_argument("--rate", type=float, default=2.0, help="lines per second per chatter")
    parser.add_argument("--seconds", type=float, default=10.0, help="the load run (0: skip)")
    parser.add_argument("--threateners", type=int, default=3, help="each: a threat a second")
    parser.add_argument("--soak-seconds", type=float, default=60.0, help="0: skip the soak")
    parser.add_argument("--soak-chatters", type=int, default=10)
    parser.add_argument("--down-seconds", type=float, default=5.0, help="the server's outage")
    parser.add_argument(
        "--postgres", default=None, help="a PostgreSQL URL (a fresh schema) instead of SQLite"
    )
    parser.add_argument(
        "--platform",
        choices=("irc", "matrix"),
        default="irc",
        help="matrix: the load run against a local Synapse (bench/connectors_matrix.py)",
    )
    parser.add_argument("--kicks", type=int, default=20, help="matrix: timeouts timed to a kick")
    args = parser.parse_args()
    if args.platform == "matrix":
        from bench.connectors_matrix import run as run_matrix

        with tempfile.TemporaryDirectory() as tmp:
            with fresh_database(args.postgres, Path(tmp), "matrix") as url:
                asyncio.run(run_matrix(args, Path(tmp), url))
        print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        raise SystemExit(0)
    binary = ngircd_binary()
    if binary is None:
        raise SystemExit("ngircd is not installed (apt-get install ngircd)")
    with tempfile.TemporaryDirectory() as tmp:
        server = Ngircd(binary, Path(tmp))
        server.start()
        try:
            asyncio.run(main(args, server, Path(tmp)))
        finally:
            server.stop()
