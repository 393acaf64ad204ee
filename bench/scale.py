"""Scale-out throughput (issue 16): messages/s through 1 and 2 workers with PostgreSQL.

For each worker count (``--workers 1,2``) on a fresh PostgreSQL schema and a fresh Redis key
prefix: seed ``--channels`` channels and ``--senders`` chatters, start the workers as
subprocesses (``chatwarden worker``, as deployed), wait until they have split the shards, then
this process acts as the gateway: ``StreamIngest`` (the same class ``serve --bus`` uses) sends
``--count`` distinct messages with at most ``--inflight`` waiting for their decision (closed
loop), each with its own idempotency key. Printed per run:

  msgs/s        count / (first send -> last decision), decisions answered to the gateway
  p50/p99       send -> decision latency at the gateway (the decision is stored before the
                answer: worker read, rules, AutoMod, detection, commit, answer over pub/sub)
  lost / dup    accepted messages without a stored row / rows beyond one per message, counted
                in PostgreSQL after the streams are drained (both must be 0)
  rejected      answers that were errors (chat rules, overload): none expected
  CPU s         CPU seconds (user+sys, /proc) of each worker, of this gateway process and of
                redis-server during the run; this machine's cores are shared by all of them
                and PostgreSQL, so read msgs/s together with them

Examples:
  python bench/scale.py                       # 20,000 messages, 1 then 2 workers
  python bench/scale.py --count 5000 --workers 2
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
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import redis
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from chatwarden.bus.redis_streams import ChatStreams
from chatwarden.config import ServiceConfig
from chatwarden.service.scale.gateway import StreamIngest
from chatwarden.service.types import Actor, SendRequest
from chatwarden.services import build_services
from chatwarden.store.engine import create_engine

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    workers: int
    count: int
    wall_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    rejected: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


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


def make_requests(count: int, channels: list[int], actors: list[Actor]) -> list[SendRequest]:
    return [
        SendRequest(
            actors[i % len(actors)],
            channels[i % len(channels)],
            f"message number {i} about the speedrun route {i * 7919 % 104729}",
            f"bench:{i}",
        )
        for i in range(count)
    ]


async def drive(ingest: StreamIngest, reqs: list[SendRequest], inflight: int) -> tuple[float, int]:
    """Send everything with at most ``inflight`` waiting; (wall seconds, error answers)."""
    gate = asyncio.Semaphore(inflight)
    errors = 0

    async def one(req: SendRequest) -> None:
        nonlocal errors
        async with gate:
            try:
                await ingest.send(req)
            except Exception:
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(one(r) for r in reqs))
    wall = time.perf_counter() - start
    await ingest.close()
    return wall, errors


def run_once(args: argparse.Namespace, workers: int, console: Console) -> Run:
    client = redis.Redis.from_url(args.redis)
    prefix = f"cwbench-{uuid.uuid4().hex[:8]}:"
    schema = f"cw_bench_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = with_schema(args.postgres, schema)
    procs: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="cw-bench-scale-"))
    run = Run(workers, args.count)
    try:
        channels, actors = seed(url, args.channels, args.senders)
        env = {
            **os.environ,
            "CHATWARDEN_DATABASE_URL": url,
            "CHATWARDEN_BUS_URL": args.redis,
            "CHATWARDEN_BUS_KEY_PREFIX": prefix,
            "CHATWARDEN_BUS_SHARDS": str(args.shards),
            "CHATWARDEN_BUS_LEASE_TTL_MS": "3000",
            "CHATWARDEN_BUS_WORKER_BATCH": str(args.batch),
            "CHATWARDEN_BUS_STREAM_MAX_LEN": str(max(args.count, 1000)),
            "CHATWARDEN_RATE_LIMIT_MESSAGES_PER_30S": "1000000",
        }
        streams = ChatStreams(client, prefix, shards=args.shards, max_len=max(args.count, 1000))
        streams.ensure_groups()
        for n in range(workers):
            with (logs / f"w{n}.log").open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "chatwarden", "worker", "--name", f"w{n}"],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        wait_split(client, prefix, args.shards, workers)
        redis_pid = int(client.info("server")["process_id"])
        before = {f"worker {n + 1}": cpu_seconds(p.pid) for n, p in enumerate(procs)}
        before["gateway (this)"] = time.process_time()
        before["redis-server"] = cpu_seconds(redis_pid)
        ingest = StreamIngest(streams, answer_timeout_s=120)
        reqs = make_requests(args.count, channels, actors)
        run.wall_s, run.rejected = asyncio.run(drive(ingest, reqs, args.inflight))
        after = {f"worker {n + 1}": cpu_seconds(p.pid) for n, p in enumerate(procs)}
        after["gateway (this)"] = time.process_time()
        after["redis-server"] = cpu_seconds(redis_pid)
        run.cpu = {k: after[k] - before[k] for k in before}
        run.latencies = sorted(ingest.latencies)
        deadline = time.monotonic() + 60
        while sum(streams.backlog().values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        count_rows(url, reqs, run)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        for n in range(len(procs)):
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


def count_rows(url: str, reqs: list[SendRequest], run: Run) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT idempotency_key, count(*), min(status) FROM messages GROUP BY 1")
            ).all()
    finally:
        engine.dispose()
    per_key = {str(k): int(n) for k, n, _ in rows}
    run.lost = sum(1 for r in reqs if r.idempotency_key not in per_key)
    run.duplicated = sum(n - 1 for n in per_key.values())
    for _, n, status in rows:
        run.outcomes[str(status)] = run.outcomes.get(str(status), 0) + int(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
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
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    console = Console(width=140)
    runs = []
    for n in (int(x) for x in args.workers.split(",")):
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        console.print(f"{n} worker(s), {args.count:,} messages (load average {load}) ...")
        runs.append(run_once(args, n, console))
    table = Table(title=f"scale-out: {args.count:,} messages, {args.shards} shards, PostgreSQL")
    columns = ["workers", "msgs/s", "p50 ms", "p99 ms", "lost", "dup", "rejected"]
    columns += ["CPU s: workers", "gateway", "redis", "worker CPU ms/msg"]
    for col in columns:
        table.add_column(col, justify="right")
    base = None
    for run in runs:
        rate = run.count / run.wall_s
        base = base or rate
        lat = run.latencies or [0.0]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        worker_cpu = [v for k, v in run.cpu.items() if k.startswith("worker")]
        table.add_row(
            str(run.workers),
            f"{rate:,.0f} ({rate / base:.2f}x)",
            f"{statistics.median(lat) * 1000:.0f}",
            f"{p99 * 1000:.0f}",
            str(run.lost),
            str(run.duplicated),
            str(run.rejected),
            " + ".join(f"{v:.1f}" for v in worker_cpu),
            f"{run.cpu['gateway (this)']:.1f}",
            f"{run.cpu['redis-server']:.1f}",
            f"{sum(worker_cpu) / run.count * 1000:.2f}",
        )
    console.print(table)
    for run in runs:
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(run.outcomes.items()))
        console.print(f"{run.workers} worker(s): stored {outcomes}; wall {run.wall_s:.1f} s")
    console.print(f"[dim]{os.cpu_count()} CPU cores on this machine, shared by every process[/dim]")


if __name__ == "__main__":
    main()
