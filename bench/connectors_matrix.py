"""The Matrix connector on a real local homeserver (issue 17's "Measured", Matrix part):
``python -m bench.connectors --platform matrix``.

Starts Synapse on loopback (``tests/connectors/matrix/synapse.py``, the connector tests' own:
SQLite, rate limits raised), a public room made by its owner with the bot at power level 50,
the ChatWarden Matrix connector (``connectors/matrix``, as ``chatwarden connect run`` runs it)
on a fresh ChatWarden database, and plain client-server API clients for the members (httpx, one
kept-alive connection each).

Load: ``--chatters`` members each say ``--rate`` unique ordinary lines a second for
``--seconds``, and ``--threateners`` members each say a threat a second. Printed: lines sent,
decided and stored, decided per second (the first line sent to the last decided), ordinary
lines redacted (false holds), messages stored twice; the time from a threat's send request
leaving its member to the room's owner, syncing as any client does, seeing the bot's
redaction of it (Matrix's closest to a hold: apply.py), p50/p99; and the time from a timeout
in ChatWarden (``ActionService.timeout``) to the owner seeing the kick, p50/p99.

Soak (``--soak-seconds``; 0 skips it): ``--soak-chatters`` members say numbered lines at
``--rate`` and two say a numbered threat every 2 s in a room of their own; halfway Synapse is
killed (SIGKILL) and started again on the same port and database ``--down-seconds`` later; the
connector backs off and resumes from its sync token. At the end, the room's whole history as
Synapse keeps it (``/messages``) is the truth: every member's message in it has exactly one
stored decision (none missing, none twice), every threat in it is redacted by the bot and acted
on once. A line said while Synapse is down cannot be sent (counted apart); unlike IRC, a line
said while the bot is away is kept by the homeserver and read when it is back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from chatwarden.config import ServiceConfig
from chatwarden.connectors.base import PlatformUser
from chatwarden.connectors.matrix.client import MatrixConnector, MatrixSettings
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.rules.effects import Effect, Target
from chatwarden.service.chat.platform import PlatformSender
from chatwarden.service.types import Actor
from chatwarden.services import build_services
from chatwarden.store.schema import messages
from chatwarden.textgen.chat import benign
from tests.connectors.matrix.synapse import SERVER_NAME, MatrixUser, Synapse

THREAT = "i will kill you"
API = "/_matrix/client/v3"


class CountingApplier:
    """The connector's applier, counting its effects per event id (a count of 2: acted twice)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def apply(self, target: Target, effects: Sequence[Effect]) -> None:
        self.calls[target.message_id or ""] += 1
        self.inner.apply(target, effects)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


class Member:
    """A member speaking through the client-server API on one kept-alive connection."""

    def __init__(self, server: Synapse, user: MatrixUser, room_id: str) -> None:
        self.user, self.room_id = user, room_id
        self.http = httpx.AsyncClient(
            base_url=server.url + API,
            headers={"Authorization": f"Bearer {user.access_token}"},
            timeout=30,
        )
        self._txn = 0

    async def say(self, body: str) -> str:
        self._txn += 1
        path = f"/rooms/{quote(self.room_id)}/send/m.room.message/b{self._txn}"
        resp = await self.http.put(path, json={"msgtype": "m.text", "body": body})
        resp.raise_for_status()
        return str(resp.json()["event_id"])

    async def join(self) -> None:
        (await self.http.post(f"/join/{quote(self.room_id)}", json={})).raise_for_status()


class Observer(Member):
    """The room's owner, syncing: when each redaction (by the event it redacts) and each
    kick (by the user) was seen."""

    def __init__(self, server: Synapse, user: MatrixUser, room_id: str) -> None:
        super().__init__(server, user, room_id)
        self.redacted: dict[str, float] = {}
        self.kicked: dict[str, list[float]] = {}

    async def run(self) -> None:
        room_filter = {"room": {"rooms": [self.room_id], "timeline": {"limit": 500}}}
        params = {"filter": json.dumps(room_filter), "timeout": "0"}
        since = (await self.http.get("/sync", params=params)).json()["next_batch"]
        while True:
            params.update(since=since, timeout="10000")
            body = (await self.http.get("/sync", params=params, timeout=40)).json()
            now = time.perf_counter()
            since = body["next_batch"]
            room = body.get("rooms", {}).get("join", {}).get(self.room_id, {})
            for e in room.get("timeline", {}).get("events", []):
                if e.get("type") == "m.room.redaction":
                    target = e.get("redacts") or e.get("content", {}).get("redacts")
                    self.redacted.setdefault(str(target), now)
                elif (
                    e.get("type") == "m.room.member"
                    and e.get("content", {}).get("membership") == "leave"
                    and e.get("sender") != e.get("state_key")
                ):
                    self.kicked.setdefault(str(e["state_key"]), []).append(now)


async def run(args: argparse.Namespace, folder: Path, url: str) -> None:
    server = Synapse(folder / "synapse")
    server.folder.mkdir()
    server.start()
    try:
        if args.seconds > 0:
            await _bench(args, server, url)
        if args.soak_seconds > 0:
            await soak(args, server, url)
    finally:
        server.stop()


async def _bench(args: argparse.Namespace, server: Synapse, url: str) -> None:
    owner, bot = server.register("owner"), server.register("cwbot")
    body = {
        "preset": "public_chat",
        "room_alias_name": "bench",
        "power_level_content_override": {"users": {bot.user_id: 50}},
    }
    room_id = server.api(owner, "POST", f"{API}/createRoom", json=body)["room_id"]
    chatters = [
        Member(server, server.register(f"chatter{i}"), room_id) for i in range(args.chatters)
    ]
    threateners = [
        Member(server, server.register(f"threat{i}"), room_id) for i in range(args.threateners)
    ]
    await asyncio.gather(*(m.join() for m in (*chatters, *threateners)))
    observer = Observer(server, owner, room_id)
    watching = asyncio.create_task(observer.run())

    services = build_services(ServiceConfig.from_env({}, database_url=url))
    settings = MatrixSettings(server.url, f"#bench:{SERVER_NAME}", bot.user_id, bot.access_token)
    connector = MatrixConnector(settings)
    runner = ConnectorRunner(
        services, connector, "bench", PlatformUser("matrix", bot.user_id, bot.user_id)
    )
    task = asyncio.create_task(runner.run())
    await asyncio.wait_for(connector.ready.wait(), 30)
    await asyncio.sleep(0.5)

    per = int(args.rate * args.seconds)
    rng = random.Random(7)
    lines = [[f"{benign(rng)[0]} ~{c}-{i}" for i in range(per)] for c in range(len(chatters))]
    ordinary: list[str] = []
    threats: list[tuple[str, float]] = []
    first = [0.0]

    async def chat(member: Member, texts: list[str]) -> None:
        for text in texts:
            first[0] = first[0] or time.perf_counter()
            ordinary.append(await member.say(text))
            await asyncio.sleep(1 / args.rate)

    async def threaten(member: Member) -> None:
        end = time.perf_counter() + args.seconds
        n = 0
        while time.perf_counter() < end:
            start = time.perf_counter()
            first[0] = first[0] or start
            threats.append((await member.say(f"{THREAT} ~{member.user.user_id}-{n}"), start))
            n += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - start)))

    await asyncio.gather(
        *(chat(m, t) for m, t in zip(chatters, lines, strict=True)),
        *(threaten(m) for m in threateners),
    )
    sent = len(ordinary) + len(threats)
    last = all_sent = time.perf_counter()
    deadline = time.perf_counter() + 60
    decided_before = -1
    while time.perf_counter() < deadline:
        decided = runner.stats.decided + runner.stats.refused
        if decided != decided_before:
            decided_before, last = decided, time.perf_counter()
        if decided >= sent and all(e in observer.redacted for e, _ in threats):
            break
        await asyncio.sleep(0.01)
    decided = runner.stats.decided + runner.stats.refused
    latencies = [observer.redacted[e] - t for e, t in threats if e in observer.redacted]
    false_holds = sum(1 for e in ordinary if e in observer.redacted)

    # timeouts in ChatWarden -> kicks in the room
    channel_id = await runner.start()
    actor = Actor(services.channels.get_channel(channel_id).owner_id, "owner")
    kick_latency: list[float] = []
    for member in chatters[: min(len(chatters), args.kicks)]:
        uid = runner.platform.actor(
            PlatformSender("matrix", member.user.user_id, member.user.user_id)
        ).user_id
        start = time.perf_counter()
        await asyncio.to_thread(services.actions.timeout, actor, channel_id, uid, 60, "bench")
        while member.user.user_id not in observer.kicked and time.perf_counter() < start + 10:
            await asyncio.sleep(0.002)
        if member.user.user_id in observer.kicked:
            kick_latency.append(observer.kicked[member.user.user_id][0] - start)

    await runner.close()
    await asyncio.wait_for(task, 10)
    watching.cancel()
    for m in (*chatters, *threateners, observer):
        await m.http.aclose()
    with services.db.read() as conn:
        keys = conn.execute(
            sa.select(messages.c.idempotency_key).where(messages.c.channel_id == channel_id)
        ).scalars()
        twice = sum(1 for n in Counter(keys).values() if n > 1)
    services.close()
    elapsed = max(last - first[0], 1e-9)
    print(
        f"matrix load: Synapse {server.port}, {args.chatters} chatters x {args.rate}/s x "
        f"{args.seconds} s, {args.threateners} threateners at 1/s"
    )
    print(
        f"  messages sent {sent} ({len(threats)} threats), decided and stored {decided} "
        f"({decided / elapsed:.1f}/s, first sent to last decided); ordinary lines redacted "
        f"{false_holds}; stored twice {twice}; 429s met by the bot {connector.api.rate_limited}"
    )
    print(
        f"  sending took {all_sent - first[0]:.1f} s ({sent / max(all_sent - first[0], 1e-9):.1f}"
        f"/s reached Synapse); the last decided {max(0.0, last - all_sent):.2f} s after the "
        f"last was sent"
    )
    print(
        f"  threat send -> redaction seen by the room's owner: n={len(latencies)} of "
        f"{len(threats)}, p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms"
    )
    print(
        f"  timeout in ChatWarden -> kick seen by the room's owner: n={len(kick_latency)}, "
        f"p50 {pct(kick_latency, 0.5):.0f} ms, p99 {pct(kick_latency, 0.99):.0f} ms"
    )


async def soak(args: argparse.Namespace, server: Synapse, url: str) -> None:
    owner, bot = server.register("soakowner"), server.register("soakbot")
    body = {
        "preset": "public_chat",
        "room_alias_name": "soak",
        "power_level_content_override": {"users": {bot.user_id: 50}},
    }
    room_id = server.api(owner, "POST", f"{API}/createRoom", json=body)["room_id"]
    members = [
        Member(server, server.register(f"soak{i}"), room_id) for i in range(args.soak_chatters + 2)
    ]
    await asyncio.gather(*(m.join() for m in members))
    services = build_services(ServiceConfig.from_env({}, database_url=url))
    settings = MatrixSettings(
        server.url, f"#soak:{SERVER_NAME}", bot.user_id, bot.access_token, backoff_cap_s=5.0
    )
    connector = MatrixConnector(settings)
    runner = ConnectorRunner(
        services, connector, "soak", PlatformUser("matrix", bot.user_id, bot.user_id)
    )
    counting = CountingApplier(runner.applier)
    runner.applier = counting
    task = asyncio.create_task(runner.run())
    await asyncio.wait_for(connector.ready.wait(), 30)
    await asyncio.sleep(0.5)

    written: dict[str, bool] = {}  # event ids Synapse answered for: a threat
    unsent = [0]  # refused: the server was down
    unsure = [0]  # sent, the answer lost in the crash
    end = time.perf_counter() + args.soak_seconds

    async def speak(member: Member, threat: bool) -> None:
        n = 0
        interval = 2.0 if threat else 1 / args.rate
        who = member.user.user_id
        while time.perf_counter() < end:
            text = f"{THREAT} #{who}-{n}" if threat else f"line {who}-{n}"
            n += 1
            try:
                written[await member.say(text)] = threat
            except httpx.ConnectError:
                unsent[0] += 1
            except (httpx.HTTPError, ValueError):
                unsure[0] += 1
            await asyncio.sleep(interval)

    async def outage() -> tuple[float, float]:
        await asyncio.sleep(args.soak_seconds / 2)
        server.kill()
        killed = time.perf_counter()
        await asyncio.sleep(args.down_seconds)
        await asyncio.to_thread(server.start)
        restarted = time.perf_counter()
        while connector.connected and time.perf_counter() - restarted < 0.5:
            await asyncio.sleep(0.01)  # the sync that was cut may not have failed yet
        await asyncio.wait_for(connector.ready.wait(), 120)
        return restarted - killed, time.perf_counter() - restarted

    speakers = [speak(m, i >= args.soak_chatters) for i, m in enumerate(members)]
    *_, (down, back) = await asyncio.gather(*speakers, outage())

    wanted = set(await _history(members[0], room_id, bot.user_id))
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and not wanted <= _decided(services, runner):
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # the last redactions
    await connector.applier.drain()
    await runner.close()
    await asyncio.wait_for(task, 10)
    stored = _stored(services, runner)
    services.close()
    redacted = set(await _history(members[0], room_id, bot.user_id, redacted=True))
    # a line whose answer was lost in the crash: a threat if the bot redacted it
    threats = {e for e in wanted if written.get(e, e in redacted)}
    for m in members:
        await m.http.aclose()
    missing = [e for e in wanted if stored[f"matrix:{e}"] == 0]
    twice = [e for e in wanted if stored[f"matrix:{e}"] > 1]
    acted_twice = [e for e, n in counting.calls.items() if n > 1]
    print(
        f"matrix soak: {args.soak_seconds:.0f} s, {args.soak_chatters} chatters x {args.rate}/s "
        f"+ 2 threats every 2 s; Synapse killed at {args.soak_seconds / 2:.0f} s, back "
        f"{down:.1f} s later; the bot syncing again {back:.1f} s after the restart"
    )
    print(
        f"  written {len(written)} (Synapse answered), not sendable while it was down "
        f"{unsent[0]}, answer lost in the crash {unsure[0]}; in the room's history {len(wanted)}"
    )
    print(
        f"  of those: decided exactly once {len(wanted) - len(missing) - len(twice)}, never "
        f"{len(missing)}, twice or more {len(twice)}; threats {len(threats)}, redacted by the "
        f"bot {len(threats & redacted)}, acted on twice {len(acted_twice)}; ordinary lines "
        f"redacted {len(redacted - threats)}"
    )


async def _history(member: Member, room_id: str, bot: str, *, redacted: bool = False) -> list[str]:
    """The event ids of the room's members' messages as Synapse keeps them, oldest first;
    with ``redacted``, only those the bot redacted."""
    found: list[str] = []
    params = {"dir": "b", "limit": "1000", "filter": json.dumps({"types": ["m.room.message"]})}
    while True:
        body = (await member.http.get(f"/rooms/{quote(room_id)}/messages", params=params)).json()
        for e in body.get("chunk", []):
            if e.get("sender") == bot:
                continue
            because = e.get("unsigned", {}).get("redacted_because") or {}
            if redacted and because.get("sender") != bot:
                continue
            found.append(str(e["event_id"]))
        if not body.get("chunk") or not body.get("end"):
            break
        params["from"] = body["end"]
    return list(reversed(found))


def _stored(services: Any, runner: ConnectorRunner) -> Counter[str]:
    with services.db.read() as conn:
        keys = conn.execute(
            sa.select(messages.c.idempotency_key).where(messages.c.channel_id == runner.channel_id)
        ).scalars()
        return Counter(str(k) for k in keys)


def _decided(services: Any, runner: ConnectorRunner) -> set[str]:
    return {k.removeprefix("matrix:") for k in _stored(services, runner)}
