"""End-to-end load on the chat service: N WebSocket clients on 127.0.0.1, one channel.

The server runs in a child process (uvicorn + the app from ``build_services``, as
``chatwarden serve`` runs it); this process drives N clients. Every client listens; ``--senders``
of them also send, each with up to ``--window`` messages in flight (closed loop: latency is then
in-flight / throughput, Little's law) or, with ``--rate``, at a fixed total rate (open loop).
Each message text carries its send time (CLOCK_MONOTONIC is shared by the two processes), so
every delivered copy gives a send->deliver latency. The run stops by itself after
``--duration`` seconds and prints:

  accepted/s   messages acknowledged by the server (decided + persisted: the ack comes after
               the commit), split by outcome (delivered, held, blocked, rejected)
  delivered/s  chat messages per second that reached every connected client
  frames/s     chat messages received summed over all clients
  p50/p99      send -> deliver latency over every delivered copy
  persisted    rows in the messages table afterwards (must equal the stored acks)

Examples:
  python bench/service_load.py                      # SQLite file in a temp dir, 100 clients, 10 s
  python bench/service_load.py --clients 20 --duration 5
  python bench/service_load.py --rate 2000 --window 64   # open loop at 2,000 msgs/s
  python bench/service_load.py --web-only           # experiment: the web edge alone (see below)
  python bench/service_load.py --regulars          # chatters with history (see _make_regulars)
  python bench/service_load.py --database-url postgresql://postgres@127.0.0.1:5432/cw_bench
      # a dedicated database (its tables are dropped first): createdb -U postgres cw_bench

Scale-out (``--bus``, docs/scaling.md): the deployment as it runs, ``--workers`` M
``chatwarden worker --bus URL`` and ``--gateways`` N ``chatwarden serve --bus URL`` subprocesses
over Redis Streams and PostgreSQL, in a fresh PostgreSQL schema and under a fresh Redis key
prefix (both removed afterwards). This process seeds the database (``--shards`` channels, one
on each shard, and the chatters), starts the workers, waits for their ``/readyz`` and for the
shards to be split between them, picks ``--channels`` channels whose shards different workers
own (round robin over the workers), starts the gateways and waits for their ``/readyz``. Client
i connects to gateway i mod N (round robin) and chats in channel (i div N) mod ``--channels``,
so each gateway has clients in every channel. A message counts delivered when it reached every
client of its channel, on whichever gateway; latency is over every delivered copy, as above.
Also printed: the stored acks over the whole run against the rows in PostgreSQL (equal when
nothing is lost or stored twice; the run waits for the last answers first), and the CPU
seconds (user+sys, /proc) of each gateway, each worker, redis-server and every PostgreSQL
server process on the machine (other work's included) in the measured window, as milliseconds
per accepted message, with the load average.

  python bench/service_load.py --bus redis://127.0.0.1:6379/0 --gateways 2 --workers 2 \
      --database-url postgresql://postgres@127.0.0.1:5432/test
      # --channels 2: a channel's shard has one owner, so one channel is decided by one worker
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHANNEL = "bench"

# what the server's frames look like (chatwarden/web/outbox.py, ws.py result_frame)
# The send time rides at the end of the text as 0.1 ms ticks of CLOCK_MONOTONIC, written as
# base-100 digit pairs ("t05 t83 t21 t47"): words from a 100-word vocabulary, like the rest
# of a chat line, so the engine's per-word caches see them as they see real chat. (A single
# 19-digit token, unique per message, made every message carry a never-seen word: about
# 30 us of extra server CPU per message spent tokenising the instrumentation.)
_TICK_NS = 100_000
_SENT_AT = re.compile(r'( t\d\d(?: t\d\d)*)","badges"')  # (?: t\d\d)+ is 10x slower


def _stamp(ns: int) -> str:
    ticks, pairs = ns // _TICK_NS, []
    while ticks:
        ticks, pair = divmod(ticks, 100)
        pairs.append(f" t{pair:02d}")
    return "".join(reversed(pairs))


_UNSTAMPED: dict[str, int] = {}  # every client sees the same stamps: decode each once


def _unstamp(stamp: str) -> int:
    ns = _UNSTAMPED.get(stamp)
    if ns is None:
        if len(_UNSTAMPED) > 100_000:
            _UNSTAMPED.clear()
        ns = _UNSTAMPED[stamp] = int(stamp.replace(" t", "")) * _TICK_NS
    return ns


_ACK = re.compile(r'"status":"(\w+)","idempotency_key"')
_ERROR = re.compile(r'"type":"error","code":"(\w+)","message":"(?:[^"\\]|\\.)*","idempotency_key"')


# -- server process ----------------------------------------------------------------------------


def serve(
    database_url: str, port: int, clients: int, web_only: bool = False, regulars: bool = False
) -> None:
    """Child process: seed the channel and users, print their sessions, run uvicorn."""
    import uvicorn

    from chatwarden.config import ServiceConfig
    from chatwarden.services import build_services
    from chatwarden.web import WebSettings, create_app
    from chatwarden.web.runtime import tune_gc, uvicorn_options

    config = ServiceConfig(
        database_url=database_url,
        rate_limit_messages_per_30s=10**9,  # the bench measures throughput, not the chat limit
        argon2_time_cost=1,
        argon2_memory_kib=64,
        ws_per_ip=0,  # every bench client connects from 127.0.0.1
        http_connections_per_ip=0,
    )
    services = build_services(config)
    from chatwarden.service.types import Actor

    password = "bench-password"
    owner = services.accounts.register("bench_owner", password)
    channel = services.channels.create_channel(Actor(owner.id, owner.username), CHANNEL)
    sessions = []
    for i in range(clients):
        user = services.accounts.register(f"bench_user_{i}", password)
        services.channels.follow(Actor(user.id, user.username), channel.id)
        sessions.append(services.accounts.login(user.username, password).token)
    if regulars:
        _make_regulars(services, channel.id)
    if web_only:
        _skip_decide_and_store(services)
    web = WebSettings(ws_frames_per_s=10**6, api_requests=10**6)
    app = create_app(services, web)
    interval_ms = os.environ.get("CHATWARDEN_BENCH_BATCH_MS")  # experiment: group-commit pace
    if interval_ms:
        app.state.edge.ingest.min_interval_s = float(interval_ms) / 1000
    print(json.dumps({"sessions": sessions}), flush=True)
    if not os.environ.get("CHATWARDEN_BENCH_DEFAULT_GC"):  # experiment: without tune_gc
        tune_gc()
    profile = os.environ.get("CHATWARDEN_BENCH_PROFILE")  # a file for the server's cProfile
    if profile:  # the event loop's thread only; written some seconds after the start
        import cProfile
        import threading

        prof = cProfile.Profile()
        after = float(os.environ.get("CHATWARDEN_BENCH_PROFILE_S", "8"))
        threading.Timer(after, prof.dump_stats, [profile]).start()
        prof.enable()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options(config))


def _make_regulars(services: Any, channel_id: int) -> None:
    """``--regulars``: the chatters become a channel's regulars (accounts 90 days old, following
    for 60 days, a first message here two days ago), as in a channel's everyday chat. Without
    it every chatter is a brand-new account chatting here for the first time: what a raid
    looks like, so proactive detection (raid watch, ban evasion) examines every message."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from chatwarden.ids import new_uuid7
    from chatwarden.store import messages as message_store
    from chatwarden.store.schema import channel_roles, users

    now = datetime.now(UTC)
    with services.db.write() as conn:
        conn.execute(
            sa.update(users)
            .where(users.c.username.like("bench_user_%"))
            .values(created_at=now - timedelta(days=90))
        )
        conn.execute(
            sa.update(channel_roles)
            .where(channel_roles.c.channel_id == channel_id)
            .values(followed_at=now - timedelta(days=60))
        )
        ids = conn.execute(
            sa.select(users.c.id).where(users.c.username.like("bench_user_%"))
        ).scalars()
        then = now - timedelta(days=2)
        message_store.insert_messages_txn(
            conn,
            [
                {
                    "public_id": new_uuid7(),
                    "channel_id": channel_id,
                    "sender_id": uid,
                    "text": "hi chat",
                    "status": "delivered",
                    "initial_status": "delivered",
                    "created_at": then,
                    "delivered_at": then,
                    "decision": {},
                }
                for uid in ids
            ],
        )


def _skip_decide_and_store(services: Any) -> None:
    """``--web-only``: an experiment, not a mode of ChatWarden. ``send_messages`` only publishes
    each message to the channel (no rules, AutoMod, detection or database), so what is left is
    the web edge's own cost: WebSocket frames in, group-commit ingest, the bus, fan-out to every
    client. It tells how fast the edge could go if deciding and storing were free."""
    from datetime import UTC, datetime

    from chatwarden.bus import channel_topic
    from chatwarden.ids import new_uuid
    from chatwarden.service import events
    from chatwarden.service.types import SendResult
    from chatwarden.store.channels import ChannelRow

    channels: dict[int, ChannelRow] = {}

    def send_messages(requests: list[Any]) -> list[Any]:
        now, published, results = datetime.now(UTC), [], []
        for req in requests:
            channel = channels.get(req.channel_id)
            if channel is None:  # the fields the events read: id, owner, name
                channel = ChannelRow(req.channel_id, CHANNEL, 0, now, {}, {}, 0, None)
                channels[req.channel_id] = channel
            message_id = new_uuid()
            event = events.chat_message(
                channel,
                message_id=message_id,
                sender_id=req.actor.user_id,
                sender_name=req.actor.username,
                text=req.text,
                sent_at=now,
                delivered_at=now,
                badges=[],
            )
            env = events.envelope(events.CHAT_MESSAGE, event, now)
            published.append((channel_topic(req.channel_id), env))
            results.append(SendResult("delivered", message_id))
        services.bus.publish_many(published)
        return results

    services.chat.send_messages = send_messages


# -- scale-out deployment (--bus) ----------------------------------------------------------------


def _with_schema(url: str, schema: str) -> str:
    """``url`` with every connection's search path set to ``schema`` (as bench/scale.py)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@dataclass
class Channel:
    id: int
    name: str
    owner: str = ""  # the worker holding its shard's lease when the run started


class Deployment:
    """The ``chatwarden worker`` and ``chatwarden serve`` subprocesses of one run, started as
    deployed (the settings in the environment, as a systemd unit's environment file gives
    them); each one's output goes to ``logs/<name>.log``."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *argv: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as out:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "chatwarden", *argv],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, name: str, port: int, timeout_s: float = 180) -> None:
        """Until ``GET /readyz`` on ``port`` answers 200 (the process has built its services
        and reaches the database and Redis)."""
        url = f"http://127.0.0.1:{port}/readyz"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise SystemExit(f"{name} exited at start-up:\n{self.tail(name)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:  # refused, 503 (HTTPError), timeout
                pass
            time.sleep(0.2)
        raise SystemExit(f"{name} was not ready within {timeout_s:.0f} s:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 20) -> str:
        text = (self.logs / f"{name}.log").read_text(errors="replace")
        return "\n".join(text.strip().splitlines()[-lines:])

    def close(self) -> None:
        """SIGTERM to all, the last started (the gateways) first, then wait."""
        for proc in reversed(self.procs.values()):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _seed_bus(
    services: Any, args: argparse.Namespace
) -> tuple[list[Channel], list[Any], list[str]]:
    """The owner, one channel per shard (``bench0``.. ; consecutive ids, so channel_id mod
    shards covers every shard), the chatters and their sessions."""
    from chatwarden.service.types import Actor

    password = "bench-password"
    owner = services.accounts.register("bench_owner", password)
    owner_actor = Actor(owner.id, owner.username)
    channels = [
        Channel(services.channels.create_channel(owner_actor, f"{CHANNEL}{j}").id, f"{CHANNEL}{j}")
        for j in range(args.shards)
    ]
    actors, sessions = [], []
    for i in range(args.clients):
        user = services.accounts.register(f"bench_user_{i}", password)
        actors.append(Actor(user.id, user.username))
        sessions.append(services.accounts.login(user.username, password).token)
    return channels, actors, sessions


def _wait_split(client: Any, prefix: str, shards: int, workers: int) -> dict[int, str]:
    """Until every shard is leased and each worker holds its share; the owner of each shard."""
    deadline = time.monotonic() + 90
    share = -(-shards // workers)
    while time.monotonic() < deadline:
        owners = [client.get(f"{prefix}lease:{s}") for s in range(shards)]
        held: dict[str, int] = {}
        for owner in owners:
            if owner is not None:
                name = owner.decode() if isinstance(owner, bytes) else str(owner)
                held[name] = held.get(name, 0) + 1
        if None not in owners and len(held) == workers and max(held.values()) <= share:
            return {
                s: (o.decode() if isinstance(o, bytes) else str(o)) for s, o in enumerate(owners)
            }
        time.sleep(0.1)
    raise SystemExit(f"the {workers} workers did not split the {shards} shards within 90 s")


def _pick_channels(
    channels: list[Channel], owners: dict[int, str], shards: int, count: int
) -> list[Channel]:
    """``count`` channels, taken round robin over the workers by the owner of their shard (so
    two channels are decided by two workers when there are two)."""
    by_owner: dict[str, list[Channel]] = {}
    for channel in channels:
        channel.owner = owners[channel.id % shards]
        by_owner.setdefault(channel.owner, []).append(channel)
    queues = [by_owner[name] for name in sorted(by_owner)]
    picked: list[Channel] = []
    turn = 0
    while len(picked) < min(count, len(channels)):
        queue = queues[turn % len(queues)]
        if queue:
            picked.append(queue.pop(0))
        turn += 1
    return picked


def _postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL server process on this machine: the live ones' own
    plus the postmaster's reaped children (backends that have exited). Other work's
    connections to the same server are included."""
    stats: dict[str, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
        except OSError:  # exited meanwhile
            continue
        if head.endswith("(postgres"):
            stats[entry.name] = rest.split()  # from field 3 (state) on
    total = 0
    for fields in stats.values():
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if fields[1] not in stats:  # the postmaster: its reaped backends' cutime, cstime
            total += int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


def _backlog(client: Any, prefix: str, shards: int) -> int:
    """Entries accepted and not yet acknowledged by a worker (workers delete what they ack)."""
    pipe = client.pipeline(transaction=False)
    for shard in range(shards):
        pipe.xlen(f"{prefix}in:{shard}")
    return int(sum(pipe.execute()))


def run_bus(args: argparse.Namespace) -> None:
    """``--bus``: the scale-out deployment end to end (see the module docstring)."""
    import uuid

    import redis
    import sqlalchemy as sa

    from chatwarden.config import ServiceConfig
    from chatwarden.services import build_services
    from chatwarden.store.engine import create_engine

    if args.web_only:
        raise SystemExit("--web-only replaces the server's decision path: single process only")
    if not args.database_url.startswith("postgres"):
        raise SystemExit("--bus needs PostgreSQL (--database-url postgresql://...)")
    client = redis.Redis.from_url(args.bus)
    tag = uuid.uuid4().hex[:8]
    prefix, schema = f"cwload-{tag}:", f"cw_bench_load_{tag}"
    admin = create_engine(args.database_url, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = _with_schema(args.database_url, schema)
    logs = Path(tempfile.mkdtemp(prefix="cw-bench-load-"))
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "CHATWARDEN_DATABASE_URL": url,
        "CHATWARDEN_BUS_KEY_PREFIX": prefix,
        "CHATWARDEN_BUS_SHARDS": str(args.shards),
        # the bench measures throughput, not the chat and edge limits (as in one process)
        "CHATWARDEN_RATE_LIMIT_MESSAGES_PER_30S": str(10**9),
        "CHATWARDEN_WS_PER_IP": "0",  # every bench client connects from 127.0.0.1
        "CHATWARDEN_HTTP_CONNECTIONS_PER_IP": "0",
        "CHATWARDEN_WEB_WS_FRAMES_PER_S": str(10**6),
        "CHATWARDEN_WEB_API_REQUESTS": str(10**6),
    }
    deployment = Deployment(env, logs)
    ok = False
    try:
        cheap = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}
        config = ServiceConfig.model_validate(
            {"database_url": url, "max_channels_per_account": 10**6, **cheap}
        )
        services = build_services(config)  # migrates the fresh schema before any process starts
        try:
            channels, actors, sessions = _seed_bus(services, args)
            ports = {}
            for n in range(args.workers):
                name, ports[f"worker {n + 1}"] = f"worker {n + 1}", _free_port()
                deployment.start(
                    name, "worker", "--bus", args.bus, "--name", f"bench-w{n + 1}",
                    "--metrics-port", str(ports[name]),
                )  # fmt: skip
            for n in range(args.workers):
                deployment.wait_ready(f"worker {n + 1}", ports[f"worker {n + 1}"])
            owners = _wait_split(client, prefix, args.shards, args.workers)
            chosen = _pick_channels(channels, owners, args.shards, args.channels)
            channel_of = [chosen[(i // args.gateways) % len(chosen)] for i in range(args.clients)]
            for actor, channel in zip(actors, channel_of, strict=True):
                services.channels.follow(actor, channel.id)
            if args.regulars:
                for channel in chosen:
                    _make_regulars(services, channel.id)
        finally:
            services.close()
        seeded = _count_rows(url)  # --regulars: their earlier messages
        for n in range(args.gateways):
            name, ports[f"gateway {n + 1}"] = f"gateway {n + 1}", _free_port()
            deployment.start(name, "serve", "--bus", args.bus, "--port", str(ports[name]))
        for n in range(args.gateways):
            deployment.wait_ready(f"gateway {n + 1}", ports[f"gateway {n + 1}"])
        urls = [
            f"ws://127.0.0.1:{ports[f'gateway {i % args.gateways + 1}']}"
            f"/api/v1/channels/{channel_of[i].name}/chat/ws"
            for i in range(args.clients)
        ]
        meters: dict[str, Callable[[], float]] = {
            name: functools.partial(_cpu_seconds, proc.pid)
            for name, proc in sorted(deployment.procs.items())
        }
        redis_pid = int(client.info("server")["process_id"])
        if Path(f"/proc/{redis_pid}/stat").exists():  # a Redis on this machine
            meters["redis-server"] = functools.partial(_cpu_seconds, redis_pid)
        if _postgres_cpu():  # a PostgreSQL on this machine whose processes we can read
            meters["postgres (all)"] = _postgres_cpu
        stats, elapsed = asyncio.run(drive(args, sessions, urls, meters))
        load = os.getloadavg()
        deadline = time.monotonic() + 60
        while _backlog(client, prefix, args.shards) and time.monotonic() < deadline:
            time.sleep(0.1)
        backlog = _backlog(client, prefix, args.shards)
        persisted = _count_rows(url) - seeded
        ok = True
    finally:
        deployment.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
        if ok:
            shutil.rmtree(logs, ignore_errors=True)
        else:
            print(f"process logs kept in {logs}", file=sys.stderr)
    _report_bus(args, stats, elapsed, persisted, backlog, chosen, load)


def _report_bus(
    args: argparse.Namespace,
    stats: Stats,
    elapsed: float,
    persisted: int,
    backlog: int,
    chosen: list[Channel],
    load: tuple[float, float, float],
) -> None:
    accepted = sum(v for k, v in stats.acks.items() if k in ("delivered", "held", "blocked"))
    stored = sum(v for k, v in stats.all_acks.items() if k in ("delivered", "held", "blocked"))
    answered = sum(stats.all_acks.values())
    per_channel = args.clients / len(chosen)
    deciders = ", ".join(f"{c.name} by {c.owner}" for c in chosen)
    print(
        f"deployment    {args.gateways} gateway(s), {args.workers} worker(s), {args.shards} "
        f"shards, PostgreSQL, Redis {args.bus}"
    )
    print(f"channels      {len(chosen)} ({deciders}), {per_channel:g} clients each")
    print(
        f"clients       {args.clients} connected (round robin over the gateways), "
        f"{args.senders} sending, window {args.window}"
        + (f", offered {args.rate:,.0f} msgs/s" if args.rate else ", closed loop")
    )
    print(f"duration      {elapsed:.1f} s (after {args.warmup:.0f} s warm-up)")
    print(f"accepted/s    {accepted / elapsed:,.0f}  (acks: {stats.acks})")
    print(
        f"delivered/s   {stats.received / per_channel / elapsed:,.0f} messages to every client "
        "of their channel"
    )
    print(f"frames/s      {stats.received / elapsed:,.0f} chat messages received over all clients")
    print(
        f"latency       p50 {_pct(stats.latencies_ms, 0.5):.1f} ms, "
        f"p99 {_pct(stats.latencies_ms, 0.99):.1f} ms send->deliver "
        f"({len(stats.latencies_ms):,} delivered copies)"
    )
    per_msg = 1000 / max(1, accepted)  # CPU seconds -> ms per accepted message
    print("CPU           in the window: share of a core, ms per accepted message")
    groups: dict[str, float] = {}
    for name, cpu in stats.cpu.items():
        print(f"  {name:<15} {cpu / elapsed:5.0%}  {cpu * per_msg:6.3f} ms/msg")
        group = name.split(" ")[0]
        groups[group] = groups.get(group, 0.0) + cpu
    sums = {f"{group}s (sum)": groups[group] for group in ("gateway", "worker")}
    sums["deployment"] = sum(v for k, v in stats.cpu.items() if k != "load generator")
    for name, cpu in sums.items():  # deployment: all but the load generator
        print(f"  {name:<15} {cpu / elapsed:5.0%}  {cpu * per_msg:6.3f} ms/msg")
    print(
        f"persisted     {persisted:,} message rows by the run; stored acks (whole run) {stored:,} "
        f"({'equal' if persisted == stored else 'NOT EQUAL'}); sent {stats.sent:,}, "
        f"unanswered {stats.sent - answered:,}, errors {stats.errors}, backlog left {backlog}"
    )
    print(
        f"load average  {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} at the end "
        f"({os.cpu_count()} cores, shared by every process)"
    )


# -- clients ------------------------------------------------------------------------------------


@dataclass
class Stats:
    acks: dict[str, int] = field(default_factory=dict)
    received: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds in the window, by process
    sent: int = 0  # over the whole run (warm-up and the end included), like all_acks
    all_acks: dict[str, int] = field(default_factory=dict)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _lines(n: int) -> list[str]:
    from chatwarden.textgen.chat import benign

    rng = random.Random(7)
    return [benign(rng)[0] for _ in range(n)]


async def client(
    url: str,
    session: str,
    cid: int,
    sender: bool,
    window: int,
    interval_s: float,
    lines: list[str],
    stats: Stats,
    stop: asyncio.Event,
    ready: asyncio.Barrier,
) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, additional_headers={"Cookie": f"cw_session={session}"}) as ws:
        json.loads(await ws.recv())  # welcome
        await ready.wait()
        credit = asyncio.Semaphore(window)

        async def send_loop() -> None:
            seq = 0
            loop = asyncio.get_running_loop()
            due = loop.time() + random.random() * interval_s
            while not stop.is_set():
                if interval_s:  # open loop: a fixed rate, whatever the answers do
                    due += interval_s
                    await asyncio.sleep(max(0.0, due - loop.time()))
                await credit.acquire()
                text = lines[(cid * 131 + seq) % len(lines)] + _stamp(time.perf_counter_ns())
                key = f"{cid}-{seq}"
                await ws.send(json.dumps({"type": "send", "text": text, "idempotency_key": key}))
                seq += 1
                stats.sent += 1

        sending = asyncio.create_task(send_loop()) if sender else None
        try:
            async for raw in ws:
                # Minimal parsing (the generator shares the CPU with the server): regular
                # expressions over the frame text instead of json.loads per frame.
                now = time.perf_counter_ns()
                text = raw if isinstance(raw, str) else raw.decode()
                sent = _SENT_AT.findall(text)
                if sent:
                    stats.received += len(sent)
                    stats.latencies_ms.extend([(now - _unstamp(t)) / 1e6 for t in sent])
                if '"idempotency_key"' in text:
                    for status in _ACK.findall(text):
                        stats.acks[status] = stats.acks.get(status, 0) + 1
                        stats.all_acks[status] = stats.all_acks.get(status, 0) + 1
                        credit.release()
                    for code in _ERROR.findall(text):
                        stats.acks[code] = stats.acks.get(code, 0) + 1
                        stats.all_acks[code] = stats.all_acks.get(code, 0) + 1
                        stats.errors += 1
                        credit.release()
                if stop.is_set() and not sender:
                    break
        finally:
            if sending is not None:
                sending.cancel()


async def drive(
    args: argparse.Namespace,
    sessions: list[str],
    urls: list[str],
    meters: Mapping[str, Callable[[], float]],
) -> tuple[Stats, float]:
    """Client i connects to ``urls[i]``; ``meters``: CPU seconds so far of what the window
    counts, by name (``load generator`` is added: this process)."""
    lines = _lines(2000)
    interval = args.senders / args.rate if args.rate else 0.0
    stats = Stats()
    stop = asyncio.Event()
    ready = asyncio.Barrier(len(sessions) + 1)
    tasks = [
        asyncio.create_task(
            client(
                urls[i], s, i, i < args.senders, args.window, interval, lines, stats, stop, ready
            )
        )
        for i, s in enumerate(sessions)
    ]
    await ready.wait()
    await asyncio.sleep(args.warmup)
    stats.acks.clear()
    stats.received = 0
    stats.latencies_ms.clear()
    start = time.perf_counter()
    cpu0 = {name: meter() for name, meter in meters.items()}
    load0 = time.process_time()
    await asyncio.sleep(args.duration)
    elapsed = time.perf_counter() - start
    snapshot = Stats(dict(stats.acks), stats.received, list(stats.latencies_ms), stats.errors)
    snapshot.cpu = {name: meter() - cpu0[name] for name, meter in meters.items()}
    snapshot.cpu["load generator"] = time.process_time() - load0
    stop.set()
    await asyncio.sleep(0.5)
    if args.bus:  # the last answers, so that the stored acks can be compared with the rows
        deadline = time.monotonic() + 60
        while stats.sent > sum(stats.all_acks.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    snapshot.sent, snapshot.all_acks = stats.sent, dict(stats.all_acks)
    return snapshot, elapsed


def _count_rows(database_url: str) -> int:
    import sqlalchemy as sa

    from chatwarden.store.engine import create_engine

    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("select count(*) from messages")).scalar_one()
    engine.dispose()
    return int(count)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--senders", type=int, default=None, help="default: all clients")
    parser.add_argument("--window", type=int, default=4, help="messages in flight per sender")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open loop: send this many messages/s in total (each sender still waits\n"
        "when --window of its messages are unanswered); default: closed loop",
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--web-only",
        action="store_true",
        help="experiment: skip rules, AutoMod, detection and storing (the web edge's ceiling)",
    )
    parser.add_argument(
        "--regulars",
        action="store_true",
        help="chatters are the channel's regulars (default: brand-new first-time chatters)",
    )
    parser.add_argument(
        "--bus",
        default=None,
        metavar="REDIS_URL",
        help="scale-out: run the deployment (--workers, --gateways) over this Redis",
    )
    parser.add_argument("--gateways", type=int, default=1, help="--bus: `serve --bus` processes")
    parser.add_argument("--workers", type=int, default=1, help="--bus: `worker` processes")
    parser.add_argument(
        "--shards", type=int, default=16, help="--bus: CHATWARDEN_BUS_SHARDS (the default)"
    )
    parser.add_argument(
        "--channels",
        type=int,
        default=1,
        help="--bus: channels the clients chat in, on shards of different workers",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.database_url, args.port, args.clients, args.web_only, args.regulars)
        return
    args.senders = args.clients if args.senders is None else min(args.senders, args.clients)
    if args.bus:
        args.database_url = args.database_url or "postgresql://postgres@127.0.0.1:5432/test"
        run_bus(args)
        return
    tmp = None
    if args.database_url is None:
        tmp = tempfile.TemporaryDirectory()
        args.database_url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    elif args.database_url.startswith("postgres"):
        _reset_postgres(args.database_url)
    port = _free_port()
    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--database-url",
            args.database_url,
            "--port",
            str(port),
            "--clients",
            str(args.clients),
            *(["--web-only"] if args.web_only else []),
            *(["--regulars"] if args.regulars else []),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert child.stdout is not None
        sessions = json.loads(child.stdout.readline())["sessions"]
        _wait_for(port)
        url = f"ws://127.0.0.1:{port}/api/v1/channels/{CHANNEL}/chat/ws"
        meters = {"server": functools.partial(_cpu_seconds, child.pid)}
        stats, elapsed = asyncio.run(drive(args, sessions, [url] * len(sessions), meters))
    finally:
        child.terminate()
        child.wait(timeout=30)
    persisted = _count_rows(args.database_url)
    accepted = sum(v for k, v in stats.acks.items() if k in ("delivered", "held", "blocked"))
    delivered_acks = stats.acks.get("delivered", 0)
    print(f"database      {args.database_url.split('://')[0]}")
    print(
        f"clients       {args.clients} connected, {args.senders} sending, window {args.window}"
        + (f", offered {args.rate:,.0f} msgs/s" if args.rate else ", closed loop")
    )
    print(f"duration      {elapsed:.1f} s (after {args.warmup:.0f} s warm-up)")
    print(f"accepted/s    {accepted / elapsed:,.0f}  (acks: {stats.acks})")
    print(f"delivered/s   {stats.received / args.clients / elapsed:,.0f} messages to every client")
    print(f"frames/s      {stats.received / elapsed:,.0f} chat messages received over all clients")
    print(
        f"latency       p50 {_pct(stats.latencies_ms, 0.5):.1f} ms, "
        f"p99 {_pct(stats.latencies_ms, 0.99):.1f} ms send->deliver"
    )
    server_cpu, load_cpu = stats.cpu["server"], stats.cpu["load generator"]
    per_msg = 1e6 / max(1, accepted)
    print(
        f"CPU           server {server_cpu / elapsed:.0%} of a core, "
        f"{server_cpu * per_msg:,.0f} us/accepted message; load generator "
        f"{load_cpu / elapsed:.0%}, {load_cpu * per_msg:,.0f} us/message"
    )
    print(f"persisted     {persisted} message rows in total (incl. warm-up); errors {stats.errors}")
    print(f"delivered acks {delivered_acks}")
    if tmp is not None:
        tmp.cleanup()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def _reset_postgres(url: str) -> None:
    """Empty the bench database so each run starts from nothing.

    The run drops every ChatWarden table in the database's ``public`` schema, so it refuses
    a database whose name does not contain "bench" (the test suite's ``test`` database, a
    real deployment); create a dedicated one first: ``createdb -h 127.0.0.1 -U postgres
    cw_bench``.
    """
    import sqlalchemy as sa

    from chatwarden.store.engine import create_engine
    from chatwarden.store.schema import metadata

    engine = create_engine(url)
    name = engine.url.database or ""
    if "bench" not in name:
        engine.dispose()
        raise SystemExit(
            f"refusing to reset database {name!r}: the bench drops its tables; use a dedicated"
            " database whose name contains 'bench' (createdb -h HOST -U USER cw_bench)"
        )
    with engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


if __name__ == "__main__":
    main()
