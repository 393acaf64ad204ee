"""The cost of health analytics and shadow mode on the live chat path, in one run.

Four identical chat services, each on its own SQLite file, get the same simulated traffic
(``--rate`` messages per simulated second from ``--chatters`` viewers over ``--channels``
channels, texts from the functional suites, so some are held): every simulated second is one
``ChatService.send_messages`` batch (the group-commit path the WebSocket uses) followed by one
``Services.tick()``. A FakeClock moves one second per batch, so minutes finish and the roll-up
runs as in production (about once per channel-minute). The services differ only in what the
tick does:

  no-index   baseline without the three analytics indexes on messages/review_items/mod_log
             (what the live path would cost without this feature's schema)
  baseline   the schema with the indexes; analytics off in the tick
  rollup     + the minute roll-up (health analytics) in the tick
  shadow     + the roll-up, and a shadow-mode candidate on ONE of the channels

The four run interleaved, ``--chunk`` simulated seconds at a time, rotating the order, so
machine noise hits them alike. Throughput = messages / (CPU time in send_messages + CPU time in
the tick), CPU time of the one thread that runs everything (SQLite too), so that other processes
on a shared machine barely move the figures.
Printed: throughput per service and the ratio to ``baseline``, the cost of the indexes
(no-index vs baseline), the roll-up time per rolled channel-minute, and shadow time per
evaluated message.

  python bench/analytics.py                       # 4 channels, 100 msgs/s, 600 simulated s
  python bench/analytics.py --rate 200 --seconds 300
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from chatwarden.clock import FakeClock
from chatwarden.config import AnalyticsSettings, ServiceConfig
from chatwarden.model import Model, load_model
from chatwarden.service.types import Actor, SendRequest
from chatwarden.services import Services, build_services

SUITES = Path(__file__).resolve().parent.parent / "chatwarden" / "training" / "suites"
ANALYTICS_INDEXES = (
    "ix_messages_channel_id_created_at",
    "ix_review_items_channel_id_resolved_at",
    "ix_mod_log_channel_id_created_at",
)
OFF = AnalyticsSettings(enabled=False)
#: CPU time of this thread: every part measured (SQLite included) runs in it, and unlike wall
#: time it barely moves when other processes share the cores
CLOCK = time.thread_time


def texts() -> list[str]:
    out = []
    for path in sorted(SUITES.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                out.append(str(json.loads(line)["text"]))
    return out


@dataclass
class Env:
    name: str
    services: Services
    clock: FakeClock
    channels: list[int]
    viewers: list[Actor]
    rollup: bool
    shadow: bool
    rng: random.Random
    sent: int = 0
    send_s: float = 0.0
    tick_s: float = 0.0
    rollup_s: float = 0.0
    shadow_s: float = 0.0
    rolled_rows: int = 0
    channel_minutes: int = 0
    evaluated: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def build(name: str, folder: Path, args: argparse.Namespace, model: Model) -> Env:
    config = ServiceConfig(
        database_url=f"sqlite:///{folder / (name + '.db')}",
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        rate_limit_messages_per_30s=100_000,
        review_expiry_seconds=3600,
    )
    clock = FakeClock()
    services = build_services(config, clock=clock, model=model, analytics=OFF)
    if name == "no-index":
        with services.db.write() as conn:
            for index in ANALYTICS_INDEXES:
                conn.execute(sa.text(f"DROP INDEX {index}"))
    owners = []
    channels = []
    for i in range(args.channels):
        user = services.accounts.register(f"owner{i}", "bench-password")
        owner = Actor(user.id, user.username)
        owners.append(owner)
        channels.append(services.channels.create_channel(owner, f"chan{i}").id)
    viewers = []
    for i in range(args.chatters):
        user = services.accounts.register(f"viewer{i}", "bench-password")
        viewers.append(Actor(user.id, user.username))
    shadow = name == "shadow"
    if shadow:
        services.shadow.configure(owners[0], channels[0], candidate_settings={"overall_level": 3})
    return Env(
        name,
        services,
        clock,
        channels,
        viewers,
        rollup=name in ("rollup", "shadow"),
        shadow=shadow,
        rng=random.Random(args.seed),
    )


def run_chunk(env: Env, seconds: int, rate: int, pool: list[str]) -> None:
    services, rng = env.services, env.rng
    for _ in range(seconds):
        env.clock.advance(1.0)
        batch = []
        for _ in range(rate):
            env.sent += 1
            batch.append(
                SendRequest(
                    rng.choice(env.viewers),
                    env.channels[rng.randrange(len(env.channels))],
                    rng.choice(pool),
                    f"k{env.sent}",
                )
            )
        t0 = CLOCK()
        results = services.chat.send_messages(batch)
        t1 = CLOCK()
        services.tick()  # expiry, delayed messages, webhooks (analytics off in its settings)
        if env.rollup:
            t2 = CLOCK()
            env.rolled_rows += services.analytics.roll_up()
            env.rollup_s += CLOCK() - t2
        if env.shadow:
            t3 = CLOCK()
            env.evaluated += services.shadow.evaluate()
            env.shadow_s += CLOCK() - t3
        t4 = CLOCK()
        env.send_s += t1 - t0
        env.tick_s += t4 - t1
        for r in results:
            status = getattr(r, "status", "error")
            env.statuses[status] = env.statuses.get(status, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--chatters", type=int, default=300)
    parser.add_argument("--rate", type=int, default=100, help="messages per simulated second")
    parser.add_argument("--seconds", type=int, default=600, help="simulated seconds")
    parser.add_argument("--chunk", type=int, default=30, help="simulated seconds per turn")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pool = texts()
    model = load_model()
    names = ["no-index", "baseline", "rollup", "shadow"]
    with tempfile.TemporaryDirectory(prefix="cw-bench-analytics-") as tmp:
        envs = {n: build(n, Path(tmp), args, model) for n in names}
        # warm up every service once (engine caches, SQLite pages)
        for env in envs.values():
            run_chunk(env, 2, args.rate, pool)
            env.sent = 0
            env.send_s = env.tick_s = env.rollup_s = env.shadow_s = 0.0
            env.rolled_rows = env.evaluated = 0
            env.statuses.clear()
        done = 0
        turn = 0
        while done < args.seconds:
            step = min(args.chunk, args.seconds - done)
            order = names[turn % len(names) :] + names[: turn % len(names)]
            for n in order:
                run_chunk(envs[n], step, args.rate, pool)
            done += step
            turn += 1
        for env in envs.values():  # channel-minutes the roll-up covered (rows or empty)
            registry = env.services.metrics.registry
            value = registry.get_sample_value("chatwarden_rollup_channel_minutes_total")
            env.channel_minutes = int(value or 0)
        base = envs["baseline"]
        base_tput = base.sent / (base.send_s + base.tick_s)
        print(
            f"analytics cost on the live path: {args.channels} channels, {args.chatters} chatters,"
            f" {args.rate} msgs per simulated second, {args.seconds} simulated s"
            f" ({args.rate * args.seconds} messages per service), SQLite, one process"
        )
        print(f"outcomes (each service): {dict(sorted(base.statuses.items()))}")
        print()
        header = (
            f"{'service':<10} {'msgs/s':>9} {'vs baseline':>12} {'send cpu s':>11}"
            f" {'tick cpu s':>11} {'rollup s':>9} {'shadow s':>9}"
        )
        print(header)
        print("-" * len(header))
        for env in envs.values():
            tput = env.sent / (env.send_s + env.tick_s)
            print(
                f"{env.name:<10} {tput:>9.0f} {tput / base_tput:>11.3f}x {env.send_s:>11.2f}"
                f" {env.tick_s:>11.2f} {env.rollup_s:>9.2f} {env.shadow_s:>9.2f}"
            )
        print()
        noidx = envs["no-index"]
        noidx_tput = noidx.sent / (noidx.send_s + noidx.tick_s)
        print(
            f"analytics indexes (write cost on every message): baseline/no-index throughput ="
            f" {base_tput / noidx_tput:.3f} (send time {base.send_s / noidx.send_s:.3f}x)"
        )
        roll = envs["rollup"]
        roll_tput = roll.sent / (roll.send_s + roll.tick_s)
        print(
            f"roll-up: cost {100 * (1 - roll_tput / base_tput):+.1f} % of throughput;"
            f" {roll.rolled_rows} channel-minute rows written,"
            f" {1000 * roll.rollup_s / max(1, roll.rolled_rows):.2f} ms per written row"
            f" (each ~{args.rate * 60 // args.channels} messages),"
            f" {roll.channel_minutes} channel-minutes covered"
        )
        sh = envs["shadow"]
        sh_tput = sh.sent / (sh.send_s + sh.tick_s)
        print(
            f"roll-up + shadow on 1 of {args.channels} channels: cost"
            f" {100 * (1 - sh_tput / base_tput):+.1f} % of throughput;"
            f" shadow {1e6 * sh.shadow_s / max(1, sh.evaluated):.0f} us per evaluated message"
            f" ({sh.evaluated} evaluated)"
        )
        for env in envs.values():
            env.services.close()


if __name__ == "__main__":
    main()
