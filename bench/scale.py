"""Scale-out throughput (issue 16): messages/s through 1 and 2 workers with PostgreSQL.

For each worker count (``--workers 1,2``) on a fresh PostgreSQL schema and a fresh Redis key
prefix: seed ``--channels`` channels and ``--senders`` chatters, start the workers as
subprocesses (``chatwarden worker --name wN``, as deployed), wait until they have split the
shards, then this process acts as the gateway: ``StreamIngest`` (the same class ``serve --bus``
uses) sends ``--count`` distinct messages with at most ``--inflight`` waiting for their decision
(closed loop), each with its own idempotency key; ``--max-seconds`` stops sending earlier (what
was sent is still drained and counted). Printed per run:

  msgs/s        answers / (first send -> last answer): decisions answered to the gateway
  p50/p99       send -> decision latency at the gateway (the decision is stored before the
                answer: worker read, rules, AutoMod, detection, commit, answer over pub/sub)
  lost / dup    accepted messages without a stored row / rows beyond one per message, counted
                in PostgreSQL after the streams are drained (both must be 0)
  rejected      answers that were errors (chat rules, overload): none expected
  unanswered    accepted messages whose answer did not come within ``--answer-timeout``
                (the gateway's ``DecisionPending``); they are still counted for lost / dup
  CPU s         CPU seconds (user+sys, /proc) of each worker, of this gateway process and of
                redis-server during the run; this machine's cores are shared by all of them
                and PostgreSQL, so read msgs/s together with them

``--kill-every SECONDS`` is the fault run: every SECONDS one worker (round robin) gets SIGKILL
and is started again at once under the same name (systemd's Restart= with the unit's fixed
``--name``), until the gateway has its last answer. What the killed worker had read and not
acknowledged stays pending in Redis; a worker takes it over with XAUTOCLAIM once it has been
idle ``--claim-idle-ms`` (the deployed default, 30 s) and decides it again (a replay if the
first decision was committed). The gateway keeps waiting meanwhile (``--answer-timeout``, 120 s).
Also printed: the kills, the seconds from a restart to the worker's start line (median / max;
under load this can exceed a short ``--kill-every``, and then nothing is decided), the entries
the killed workers held, the seconds from a kill until all of them were decided or
dead-lettered (median / max over the kills that held some), the dead letters (each also lost).
A worker's CPU then includes its restarts (imports and start-up).

Examples:
  python bench/scale.py                       # 20,000 messages, 1 then 2 workers
  python bench/scale.py --count 5000 --workers 2
  python -m bench.scale --count 20000 --workers 1,2 --kill-every 5
  python -m bench.scale --count 1000000 --max-seconds 600
  python bench/scale.py --postgres postgresql://postgres@127.0.0.1:5432/test --redis redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from chatwarden.bus.redis_streams import GROUP, ChatStreams, StreamFull
from chatwarden.config import ServiceConfig
from chatwarden.service.scale.gateway import DecisionPending, StreamIngest
from chatwarden.service.types import Actor, SendRequest
from chatwarden.services import build_services
from chatwarden.store.engine import create_engine

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    workers: int
    count: int  # messages sent (accepted or not)
    wall_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    refused: list[int] = field(default_factory=list)  # not accepted (a full shard)
    lost: int = 0
    duplicated: int = 0
    rejected: int = 0
    unanswered: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    kills: int = 0
    held_at_kill: int = 0  # entries the killed workers had read and not acknowledged
    reclaim_s: list[float] = field(default_factory=list)  # kill -> all its entries decided
    restart_s: list[float] = field(default_factory=list)  # restart -> serving again
    unreclaimed: int = 0  # kills whose entries were still pending at the end
    dead_letters: int = 0
    backlog_left: int = 0
    load: str = ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


def seed(url: str, channels: int, senders: int) -> tuple[list[int], list[Actor]]:
    cheap = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}
    services = build_services(ServiceConfig.model_validate({"database_url": url, **cheap}))
    try:
        owner_user = services.accounts.register("owner", "correct horse")
        owner = Actor(owner_user.id, owner_user.username)
        ids = [services.channels.create_channel(owner, f"ch{i}").id for i in range(channels)]
        actors = []
        for i in range(senders):
            user = services.accounts.register(f"chatter{i}", "correct horse")
            actors.append(Actor(user.id, user.username))
        return ids, actors
    finally:
        services.close()


def key_of(i: int) -> str:
    return f"bench:{i}"


def request(i: int, channels: list[int], actors: list[Actor]) -> SendRequest:
    return SendRequest(
        actors[i % len(actors)],
        channels[i % len(channels)],
        f"message number {i} about the speedrun route {i * 7919 % 104729}",
        key_of(i),
    )


async def drive(
    ingest: StreamIngest,
    channels: list[int],
    actors: list[Actor],
    run: Run,
    inflight: int,
    max_seconds: float | None,
) -> None:
    """Send messages 0.. with at most ``inflight`` waiting (closed loop: ``inflight`` senders
    that each send the next message once their last one is answered) until ``run.count`` are
    sent or ``max_seconds`` have passed; then ``run.count`` is the number sent."""
    start = time.perf_counter()
    stop_at = start + max_seconds if max_seconds else float("inf")
    sent = 0

    async def sender() -> None:
        nonlocal sent
        while sent < run.count and time.perf_counter() < stop_at:
            i = sent
            sent += 1
            try:
                await ingest.send(request(i, channels, actors))
                run.answered += 1
            except DecisionPending:  # accepted, no answer within answer_timeout_s
                run.unanswered += 1
            except StreamFull:  # not accepted
                run.refused.append(i)
            except Exception:
                run.answered += 1
                run.rejected += 1

    await asyncio.gather(*(sender() for _ in range(max(1, min(inflight, run.count)))))
    run.wall_s = time.perf_counter() - start
    run.count = sent
    await ingest.close()


class Workers:
    """The worker subprocesses; with ``kill_every``, a thread kills and restarts them in turn
    and times how long each killed worker's pending entries wait for their decision."""

    def __init__(
        self, env: dict[str, str], logs: Path, count: int, client: redis.Redis, shards: int
    ) -> None:
        self.env = env
        self.logs = logs
        self.client = client
        self.shards = shards
        self.lock = threading.Lock()
        self.procs = [self._start(n) for n in range(count)]
        self.spent = [0.0] * count  # CPU of killed incarnations since ``measure``
        self.base = [0.0] * count  # CPU of the current incarnation when ``measure`` was called
        self.kills = 0
        self.held_at_kill = 0
        self.reclaim_s: list[float] = []
        self.restart_s: list[float] = []  # restart -> the worker's start line (it is serving)
        self._starting: list[tuple[int, float, int]] = []  # (worker, restarted at, log offset)
        self._watch: list[tuple[float, dict[int, set[str]]]] = []  # (kill time, pending ids)
        self._killing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start(self, n: int) -> subprocess.Popen[bytes]:
        with (self.logs / f"w{n}.log").open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "chatwarden", "worker", "--name", f"w{n}"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def measure(self) -> None:
        """CPU is counted from now on."""
        with self.lock:
            self.base = [cpu_seconds(p.pid) for p in self.procs]
            self.spent = [0.0] * len(self.procs)

    def cpu(self) -> list[float]:
        with self.lock:
            return [
                s + cpu_seconds(p.pid) - b
                for s, p, b in zip(self.spent, self.procs, self.base, strict=True)
            ]

    def start_killing(self, every: float) -> None:
        self._killing = True
        self._thread = threading.Thread(target=self._loop, args=(every,), daemon=True)
        self._thread.start()

    def stop_killing(self) -> None:
        """No more kills (the pending entries of the last ones are still watched)."""
        with self.lock:
            self._killing = False

    def unreclaimed(self) -> int:
        with self.lock:
            return len(self._watch)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()

    def _loop(self, every: float) -> None:
        next_kill = time.monotonic() + every
        turn = 0
        while not self._stop.wait(0.25):
            with self.lock:
                if self._killing and time.monotonic() >= next_kill:
                    self._kill(turn % len(self.procs))
                    turn += 1
                    next_kill += every
                self._check()
                self._started()

    def _kill(self, n: int) -> None:
        proc = self.procs[n]
        spent = cpu_seconds(proc.pid) - self.base[n]
        proc.kill()
        killed_at = time.monotonic()
        proc.wait()
        self.spent[n] += spent
        self.base[n] = 0.0
        self._starting = [s for s in self._starting if s[0] != n]  # killed while starting
        self._starting.append((n, time.monotonic(), (self.logs / f"w{n}.log").stat().st_size))
        self.procs[n] = self._start(n)  # at once, as Restart= would (after RestartSec=0)
        self.kills += 1
        held = self._pending(f"w{n}")
        count = sum(len(ids) for ids in held.values())
        self.held_at_kill += count
        if count:
            self._watch.append((killed_at, held))

    def _pending(self, consumer: str) -> dict[int, set[str]]:
        """Entry ids pending with ``consumer``, per shard."""
        pipe = self.client.pipeline(transaction=False)
        for shard in range(self.shards):
            pipe.xpending_range(
                self._stream(shard), GROUP, min="-", max="+", count=100_000, consumername=consumer
            )
        return {
            shard: {_text(p["message_id"]) for p in reply}
            for shard, reply in enumerate(pipe.execute())
            if reply
        }

    def _check(self) -> None:
        """Drop the kills none of whose entries is pending any more (decided and acknowledged,
        or dead-lettered), noting how long that took."""
        if not self._watch:
            return
        now = time.monotonic()
        pipe = self.client.pipeline(transaction=False)
        for _, held in self._watch:
            for shard, ids in held.items():
                first, last = min(ids, key=_id_order), max(ids, key=_id_order)
                pipe.xpending_range(self._stream(shard), GROUP, min=first, max=last, count=100_000)
        replies = iter(pipe.execute())
        left = []
        for killed_at, held in self._watch:
            still = {
                shard: ids & {_text(p["message_id"]) for p in next(replies)}
                for shard, ids in held.items()
            }
            still = {shard: ids for shard, ids in still.items() if ids}
            if still:
                left.append((killed_at, still))
            else:
                self.reclaim_s.append(now - killed_at)
        self._watch = left

    def _started(self) -> None:
        """Note the restarted workers that have printed their start line (built, connected)."""
        left = []
        for n, at, offset in self._starting:
            with (self.logs / f"w{n}.log").open("rb") as log:
                log.seek(offset)
                if f"worker w{n} on ".encode() in log.read():
                    self.restart_s.append(time.monotonic() - at)
                else:
                    left.append((n, at, offset))
        self._starting = left

    def _stream(self, shard: int) -> str:
        return self.env["CHATWARDEN_BUS_KEY_PREFIX"] + f"in:{shard}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _id_order(entry_id: str) -> tuple[int, int]:
    """A stream id ``"<ms>-<n>"`` as numbers (the strings do not sort)."""
    ms, _, n = entry_id.partition("-")
    return int(ms), int(n)


def run_once(args: argparse.Namespace, workers: int, console: Console) -> Run:
    client = redis.Redis.from_url(args.redis)
    prefix = f"cwbench-{uuid.uuid4().hex[:8]}:"
    schema = f"cw_bench_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = with_schema(args.postgres, schema)
    logs = Path(tempfile.mkdtemp(prefix="cw-bench-scale-"))
    run = Run(workers, args.count)
    pool: Workers | None = None
    max_len = max(args.count, 1000)
    try:
        channels, actors = seed(url, args.channels, args.senders)
        env = {
            **os.environ,
            "CHATWARDEN_DATABASE_URL": url,
            "CHATWARDEN_BUS_URL": args.redis,
            "CHATWARDEN_BUS_KEY_PREFIX": prefix,
            "CHATWARDEN_BUS_SHARDS": str(args.shards),
            "CHATWARDEN_BUS_LEASE_TTL_MS": "3000",
            "CHATWARDEN_BUS_CLAIM_IDLE_MS": str(args.claim_idle_ms),
            "CHATWARDEN_BUS_WORKER_BATCH": str(args.batch),
            "CHATWARDEN_BUS_STREAM_MAX_LEN": str(max_len),
            "CHATWARDEN_RATE_LIMIT_MESSAGES_PER_30S": "1000000",
        }
        streams = ChatStreams(
            client, prefix, shards=args.shards, max_len=max_len, claim_idle_ms=args.claim_idle_ms
        )
        streams.ensure_groups()
        pool = Workers(env, logs, workers, client, args.shards)
        wait_split(client, prefix, args.shards, workers)
        redis_pid = int(client.info("server")["process_id"])
        pool.measure()
        before = {"gateway (this)": time.process_time(), "redis-server": cpu_seconds(redis_pid)}
        ingest = StreamIngest(streams, answer_timeout_s=args.answer_timeout)
        ingest.latencies = deque()  # every answer's, not the last 100,000
        if args.kill_every:
            pool.start_killing(args.kill_every)
        asyncio.run(drive(ingest, channels, actors, run, args.inflight, args.max_seconds))
        pool.stop_killing()
        after = {"gateway (this)": time.process_time(), "redis-server": cpu_seconds(redis_pid)}
        run.cpu = {f"worker {n + 1}": cpu for n, cpu in enumerate(pool.cpu())}
        run.cpu |= {k: after[k] - before[k] for k in before}
        run.latencies = sorted(ingest.latencies)
        run.load = load_average()
        # what is still pending (a kill's entries wait claim_idle_ms to be taken over)
        deadline = time.monotonic() + 2 * args.claim_idle_ms / 1000 + 60
        while sum(streams.backlog().values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        while pool.unreclaimed() and time.monotonic() < deadline:
            time.sleep(0.25)  # the watcher's last look
        run.backlog_left = sum(streams.backlog().values())
        run.dead_letters = streams.dead_letter_count()
        run.kills, run.held_at_kill = pool.kills, pool.held_at_kill
        run.reclaim_s, run.unreclaimed = sorted(pool.reclaim_s), pool.unreclaimed()
        run.restart_s = sorted(pool.restart_s)
        count_rows(url, run)
    finally:
        if pool is not None:
            pool.close()
        for n in range(workers):
            last = (logs / f"w{n}.log").read_text().strip().splitlines()[-1:]
            console.print(f"  [dim]{' '.join(last)}[/dim]")
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    return run


def wait_split(client: redis.Redis, prefix: str, shards: int, workers: int) -> None:
    """Until every shard is leased and each worker holds some (they have balanced)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        owners = [client.get(f"{prefix}lease:{s}") for s in range(shards)]
        if None not in owners and len(set(owners)) == workers:
            return
        time.sleep(0.1)
    raise SystemExit(f"the {workers} workers did not take the {shards} shards within 60 s")


def count_rows(url: str, run: Run) -> None:
    """Lost: accepted messages (sent, not refused) without a row; dup: rows beyond one."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT idempotency_key, count(*), min(status) FROM messages GROUP BY 1")
            ).all()
    finally:
        engine.dispose()
    per_key = {str(k): int(n) for k, n, _ in rows}
    refused = set(run.refused)
    run.lost = sum(1 for i in range(run.count) if i not in refused and key_of(i) not in per_key)
    run.duplicated = sum(n - 1 for n in per_key.values())
    for _, n, status in rows:
        run.outcomes[str(status)] = run.outcomes.get(str(status), 0) + int(n)


def report(args: argparse.Namespace, runs: list[Run], console: Console) -> None:
    kill = f", a worker killed every {args.kill_every:g} s" if args.kill_every else ""
    table = Table(title=f"scale-out: {args.shards} shards, PostgreSQL{kill}")
    columns = ["workers", "sent", "msgs/s", "p50 ms", "p99 ms", "lost", "dup", "rejected"]
    columns += ["unanswered", "CPU s: workers", "gateway", "redis", "worker CPU ms/msg"]
    if args.kill_every:
        columns += ["kills", "restart s", "held", "kill→decided s", "dead letters"]
    for col in columns:
        table.add_column(col, justify="right")
    base = None
    for run in runs:
        rate = run.answered / run.wall_s
        base = base or rate
        lat = run.latencies or [0.0]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        worker_cpu = [v for k, v in run.cpu.items() if k.startswith("worker")]
        row = [
            str(run.workers),
            f"{run.count:,}",
            f"{rate:,.0f} ({rate / base:.2f}x)",
            f"{statistics.median(lat) * 1000:.0f}",
            f"{p99 * 1000:.0f}",
            str(run.lost),
            str(run.duplicated),
            str(run.rejected),
            str(run.unanswered),
            " + ".join(f"{v:.1f}" for v in worker_cpu),
            f"{run.cpu['gateway (this)']:.1f}",
            f"{run.cpu['redis-server']:.1f}",
            f"{sum(worker_cpu) / max(run.count, 1) * 1000:.2f}",
        ]
        if args.kill_every:
            times = run.reclaim_s or [0.0]
            left = f" ({run.unreclaimed} not)" if run.unreclaimed else ""
            starts = run.restart_s or [0.0]
            row += [
                str(run.kills),
                f"{statistics.median(starts):.1f} / {starts[-1]:.1f}",
                f"{run.held_at_kill:,}",
                f"{statistics.median(times):.1f} / {times[-1]:.1f}{left}",
                str(run.dead_letters),
            ]
        table.add_row(*row)
    console.print(table)
    for run in runs:
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(run.outcomes.items()))
        extra = f"; refused (full shard) {len(run.refused):,}" if run.refused else ""
        if run.backlog_left:
            extra += f"; [red]{run.backlog_left:,} entries still in the streams[/red]"
        console.print(
            f"{run.workers} worker(s): stored {outcomes}; wall {run.wall_s:.1f} s{extra}; "
            f"load average at the end {run.load}"
        )
    console.print(f"[dim]{os.cpu_count()} CPU cores on this machine, shared by every process[/dim]")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000, help="messages per run")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument(
        "--inflight",
        type=int,
        default=2000,
        help="sends awaiting a decision (enough to keep the workers busy: latency is then "
        "mostly queueing, inflight / throughput; lower it to see latency at lower load)",
    )
    parser.add_argument("--batch", type=int, default=256, help="worker batch (entries)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="stop sending after this long (what was sent is still drained and counted)",
    )
    parser.add_argument(
        "--kill-every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="SIGKILL one worker (round robin) every SECONDS and restart it at once",
    )
    parser.add_argument(
        "--claim-idle-ms",
        type=int,
        default=30_000,
        help="CHATWARDEN_BUS_CLAIM_IDLE_MS: a killed worker's entries are taken over after it",
    )
    parser.add_argument(
        "--answer-timeout",
        type=float,
        default=120.0,
        help="seconds the gateway waits for an answer (then the message counts as unanswered)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    console = Console(width=200)
    runs = []
    for n in (int(x) for x in args.workers.split(",")):
        limit = f", at most {args.max_seconds:g} s" if args.max_seconds else ""
        kill = f", a worker killed every {args.kill_every:g} s" if args.kill_every else ""
        console.print(
            f"{n} worker(s), {args.count:,} messages{limit}{kill} "
            f"(load average {load_average()}) ..."
        )
        runs.append(run_once(args, n, console))
    report(args, runs, console)


if __name__ == "__main__":
    main()
