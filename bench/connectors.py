"""The IRC connector on a real local IRC server (issue 17's "Measured", first part).

Starts ngIRCd on loopback, a bot (``connectors/irc``) with operator rights and ``--chatters``
bare socket clients that each say ``--rate`` ordinary chat lines a second for ``--seconds``, and
``--threateners`` clients that each say a threat a second (waiting for the kick, then joining
again), on a fresh SQLite database.
Prints: lines sent and decided, decided per second, the time from a threat leaving its sender to
the sender seeing the bot's KICK (p50/p99), messages decided twice (must be 0); and, in the same
run, the decision path alone (``PlatformChatService.send`` of one message at a time, no IRC) p50/p99
on the same texts, so the connector's own cost shows. ngIRCd throttles each client to about
3 lines/s after a short burst (its flood protection), so the offered load is chatters × rate.

    python bench/connectors.py                      # 30 chatters, 2 lines/s each, 10 s
    python bench/connectors.py --chatters 60 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from chatwarden.config import ServiceConfig
from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.irc.client import IrcConnector, IrcSettings
from chatwarden.connectors.irc.parse import parse_line
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.service.chat.platform import PlatformSend, PlatformSender
from chatwarden.services import build_services
from chatwarden.textgen.chat import benign

OPER = ("cwbot", "bench-oper-password")
THREAT = "i will kill you"


def start_ngircd(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    conf = folder / "ngircd.conf"
    conf.write_text(
        f"[Global]\nName = irc.bench.test\nInfo = bench\nAdminInfo1 = bench\nAdminInfo2 = bench\n"
        f"AdminEMail = nobody@example.invalid\nListen = 127.0.0.1\nPorts = {port}\n"
        "MotdPhrase = bench\n[Limits]\nMaxConnectionsIP = 0\nPingTimeout = 300\n"
        "[Options]\nPAM = no\nIdent = no\nDNS = no\nOperCanUseMode = yes\nConnectIPv6 = no\n"
        f"[Operator]\nName = {OPER[0]}\nPassword = {OPER[1]}\n"
    )
    binary = shutil.which("ngircd") or "/usr/sbin/ngircd"
    proc = subprocess.Popen(
        [binary, "--nodaemon", "--config", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("ngircd did not start")


async def connect(port: int, nick: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\nJOIN #bench\r\n".encode())
    return reader, writer


async def chatter(port: int, nick: str, texts: list[str], rate: float, kicked: list[str]) -> int:
    """Says ordinary lines at ``rate``; a KICK of this chatter (a false hold) is counted."""
    reader, writer = await connect(port, nick)

    async def read() -> None:
        while data := await reader.readline():
            line = parse_line(data.decode("utf-8", "replace"))
            if line.command == "PING":
                writer.write(f"PONG :{line.param(0)}\r\n".encode())
            elif line.command == "KICK" and line.param(1) == nick:
                kicked.append(nick)
                writer.write(b"JOIN #bench\r\n")

    task = asyncio.create_task(read())
    await asyncio.sleep(1.0)  # registered and joined
    for text in texts:
        writer.write(f"PRIVMSG #bench :{text}\r\n".encode())
        await asyncio.sleep(1 / rate)
    await asyncio.sleep(2.0)
    writer.write(b"QUIT :done\r\n")
    task.cancel()
    writer.close()
    return len(texts)


async def threatener(port: int, nick: str, seconds: float, latencies: list[float]) -> int:
    """Says a threat, times it until the bot's KICK reaches them, joins again, and repeats."""
    reader, writer = await connect(port, nick)
    await asyncio.sleep(1.0)
    sent, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        writer.write(f"PRIVMSG #bench :{THREAT}\r\n".encode())
        sent += 1
        while data := await asyncio.wait_for(reader.readline(), 10):
            line = parse_line(data.decode("utf-8", "replace"))
            if line.command == "PING":
                writer.write(f"PONG :{line.param(0)}\r\n".encode())
            elif line.command == "KICK" and line.param(1) == nick:
                latencies.append(time.perf_counter() - start)
                break
        writer.write(b"JOIN #bench\r\n")
        await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - start)))
    await asyncio.sleep(2.0)
    writer.write(b"QUIT :done\r\n")
    writer.close()
    return sent


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


async def main(args: argparse.Namespace, port: int, folder: Path) -> None:
    config = ServiceConfig.from_env({}, database_url=f"sqlite:///{folder / 'bench.db'}")
    services = build_services(config)
    settings = IrcSettings("127.0.0.1", port, "#bench", "cwbot", oper=OPER)
    bot = IrcConnector(settings)
    runner = ConnectorRunner(services, bot, "bench", PlatformUser("irc", "cwbot", "cwbot"))
    task = asyncio.create_task(runner.run())
    while not (bot.joined.is_set() and bot.is_op):
        await asyncio.sleep(0.05)
    per = int(args.rate * args.seconds)
    rng = random.Random(7)
    pool = [benign(rng)[0] for _ in range(args.chatters * per)]
    kicked: list[str] = []
    latencies: list[float] = []
    started = time.perf_counter()
    plans = [
        chatter(port, f"chatter{c}", pool[c * per : (c + 1) * per], args.rate, kicked)
        for c in range(args.chatters)
    ]
    plans += [
        threatener(port, f"threat{t}", args.seconds, latencies) for t in range(args.threateners)
    ]
    counts = await asyncio.gather(*plans)
    elapsed = time.perf_counter() - started - 3.0  # the join wait and the tail
    sent, threats = sum(counts[: args.chatters]), sum(counts[args.chatters :])
    decided = runner.stats.decided + runner.stats.refused
    await runner.close()
    task.cancel()
    with services.db.read() as conn:
        import sqlalchemy as sa

        from chatwarden.store.schema import messages

        rows = conn.execute(
            sa.select(messages.c.idempotency_key, sa.func.count())
            .group_by(messages.c.sender_id, messages.c.idempotency_key)
            .having(sa.func.count() > 1)
            .where(messages.c.idempotency_key.is_not(None))
        ).all()
    # the decision path alone, one message at a time, on the same texts
    platform = runner.platform
    channel_id = runner.channel_id
    assert channel_id is not None
    alone: list[float] = []
    sender = PlatformSender("irc", "baseline", "baseline")
    for text in pool[: min(300, len(pool))]:
        t = time.perf_counter()
        await asyncio.to_thread(platform.send, channel_id, [PlatformSend(sender, text)])
        alone.append(time.perf_counter() - t)
    services.close()
    print(f"ngIRCd {port}: {args.chatters} chatters x {args.rate}/s x {args.seconds} s")
    print(
        f"  lines sent {sent + threats} ({threats} threats), decided {decided} "
        f"({decided / max(elapsed, 1e-9):.1f}/s); ordinary lines kicked {len(kicked)}"
    )
    print(
        f"  threat -> KICK seen by its sender: n={len(latencies)} of {threats}, "
        f"p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms"
    )
    print(f"  messages decided twice: {len(rows)}; replayed: {runner.stats.replayed}")
    print(
        f"  baseline, the decision path alone (1 message per call, no IRC): "
        f"p50 {pct(alone, 0.5):.1f} ms, p99 {pct(alone, 0.99):.1f} ms"
    )
    print(f"  load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chatters", type=int, default=30)
    parser.add_argument("--rate", type=float, default=2.0, help="lines per second per chatter")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threateners", type=int, default=3, help="each: a threat a second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_ngircd(Path(tmp))
        try:
            asyncio.run(main(args, port, Path(tmp)))
        finally:
            proc.terminate()
            proc.wait(5)
