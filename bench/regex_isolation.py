"""Other channels' chat throughput with and without a regex-terms attacker in the same batches
(issue 11, high 1). ``ChatService.send_messages`` in process (no web edge), SQLite or PostgreSQL.

``--channels`` ordinary channels each send ``--per-channel`` messages per batch (group commit
mixes channels in one batch). The attacker's channel sends as many per batch as one of them,
in one of these scenarios, every scenario in turn on the same batch so machine load touches
them alike:

* ``alone``: no attacker traffic at all;
* ``benign``: the attacker's channel is an ordinary one: no terms, ordinary chat lines
  (normal: the target compares the attacks with this);
* ``long``: no terms either, but the attackers' texts below (what long messages cost anyway);
* ``planted``: its database rows hold 1,001 regex terms and 1,000 costly patterns such as
  ``(?:.{N}|[a-z]{N})(?:x|y)*z`` (saved before the checks existed: imports are now refused);
* ``budget``: the costliest set of such patterns the budget still admits, added through the
  service (the engine is switched off once it averages over ``automod_slow_ms_per_message``).

In ``long``, ``planted`` and ``budget`` the attacker sends 500-character texts made to defeat
RE2's DFA cache.

Printed: the attacks' refusals, each scenario's others-only throughput (their messages per
CPU-second of the thread running ``send_messages``: the server is one CPU-bound process, and
other processes' load does not move it; the wall-clock ratio is printed too) and the ratios
to ``benign`` and ``alone`` (target: the attacks within 10 % of ``benign``).

  python bench/regex_isolation.py
  python bench/regex_isolation.py --batches 60 --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

WORDS = "gg wp nice play lol that was close what a clutch no way pog hello first time here".split()
SCENARIOS = ("alone", "benign", "long", "planted", "budget")
ATTACKS = ("planted", "budget")


def costly(i: int) -> str:
    n = 20 + i % 400
    return rf"(?:.{{{n}}}|[a-z]{{{n}}})(?:x|y)*{'zwv'[i // 400]}"


def run(url: str, channels: int, per_channel: int, batches: int, seed: int) -> None:
    import re2

    from chatwarden.clock import FakeClock
    from chatwarden.config import ServiceConfig
    from chatwarden.errors import InputError
    from chatwarden.service.types import Actor, SendRequest
    from chatwarden.services import build_services
    from chatwarden.store import channels as channel_store

    config = ServiceConfig(
        database_url=url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        rate_limit_messages_per_30s=1_000_000,
    )
    clock = FakeClock()
    services = build_services(config, clock=clock)

    def actor(name: str) -> Actor:
        user = services.accounts.register(name, "correct horse")
        return Actor(user.id, user.username)

    owners = [actor(f"owner{i}") for i in range(channels)]
    normal = [services.channels.create_channel(o, f"chan{i}").id for i, o in enumerate(owners)]
    chatters = [actor(f"chatter{i}") for i in range(per_channel * 4)]
    mallory = actor("mallory")
    evil = {s: services.channels.create_channel(mallory, f"evil{s}").id for s in SCENARIOS[1:]}

    # the attacks, through the service: refused
    for label, patterns in (
        ("1,001 regex terms", [rf"\bq{i:04d}z+\b" for i in range(1001)]),
        ("1,000 costly patterns", [costly(i) for i in range(1000)]),
    ):
        data = json.dumps([{"text": p, "is_regex": True} for p in patterns])
        started = time.perf_counter()
        try:
            services.automod.import_terms(mallory, evil["planted"], data, "json")
            print(f"attack {label}: ACCEPTED (the fix is missing)")
        except InputError as exc:
            took = time.perf_counter() - started
            print(f"attack {label}: refused in {took:.2f} s: {exc.message}")
    # ... but rows saved before the checks existed are still there
    with services.db.write() as conn:
        texts = [rf"\bq{i:04d}z+\b" for i in range(1001)] + [costly(i) for i in range(1000)]
        for text in texts:
            channel_store.insert_term_txn(
                conn,
                channel_id=evil["planted"],
                text=text,
                kind="blocked",
                private=False,
                is_regex=True,
                created_by=None,
                created_at=clock.now(),
            )
        channel_store.bump_settings_rev_txn(conn, evil["planted"])
    # the costliest set the budget admits, added the ordinary way
    options = re2.Options()
    options.case_sensitive = False
    admitted, size = [], 0
    for i in range(1000):
        prog = re2.compile(costly(i), options).programsize
        if size + prog > config.regex_max_program_size * 0.97:
            break
        admitted.append(costly(i))
        size += prog
    data = json.dumps([{"text": p, "is_regex": True} for p in admitted])
    services.automod.import_terms(mallory, evil["budget"], data, "json")
    print(f"budget scenario: {len(admitted)} costly patterns admitted, ~{size} RE2 instructions")

    rng = random.Random(seed)
    elapsed = dict.fromkeys(SCENARIOS, 0.0)  # CPU seconds of the thread that sends
    wall = dict.fromkeys(SCENARIOS, 0.0)
    per_batch: dict[str, list[float]] = {s: [] for s in SCENARIOS}
    outcomes: dict[str, Counter[str]] = {s: Counter() for s in SCENARIOS}
    others = 0
    for b in range(batches):
        base = [
            SendRequest(
                rng.choice(chatters),
                cid,
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 10))),
                uuid.uuid4().hex,
            )
            for _ in range(per_channel)
            for cid in normal
        ]
        others += len(base)
        hostile = [
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz xyz") for _ in range(499)) + "z"
            for _ in range(per_channel)
        ]
        k = b % len(SCENARIOS)
        order = list(SCENARIOS[k:] + SCENARIOS[:k])  # rotate who goes first
        for scenario in order:
            requests = [SendRequest(r.actor, r.channel_id, r.text, uuid.uuid4().hex) for r in base]
            if scenario != "alone":
                cid = evil[scenario]
                at = rng.sample(range(len(requests) + 1), 1)[0]
                texts = [r.text for r in base[:per_channel]] if scenario == "benign" else hostile
                requests[at:at] = [
                    SendRequest(mallory, cid, text, uuid.uuid4().hex) for text in texts
                ]
            started, cpu = time.perf_counter(), time.thread_time()
            results = services.chat.send_messages(requests)
            took = time.thread_time() - cpu
            wall[scenario] += time.perf_counter() - started
            elapsed[scenario] += took
            per_batch[scenario].append(len(base) / took)
            for req, result in zip(requests, results, strict=True):
                who = "attacker" if req.actor is mallory else "others"
                status = getattr(result, "status", type(result).__name__)
                outcomes[scenario][f"{who}:{status}"] += 1
        clock.advance(31)
    services.close()

    print(
        f"database: {url.split('://')[0]}  ordinary channels: {channels}  per channel per "
        f"batch: {per_channel}  batches: {batches}"
    )
    rate = {s: others / elapsed[s] for s in SCENARIOS}
    wall_rate = {s: others / wall[s] for s in SCENARIOS}
    median = {s: statistics.median(per_batch[s]) for s in SCENARIOS}
    for s in SCENARIOS:
        print(
            f"{s:>8}: others {rate[s]:6.0f} msgs/CPU-s, ratio to benign "
            f"{rate[s] / rate['benign']:.3f} (median batch {median[s] / median['benign']:.3f}; "
            f"wall clock {wall_rate[s] / wall_rate['benign']:.3f}), to alone "
            f"{rate[s] / rate['alone']:.3f}  outcomes {dict(sorted(outcomes[s].items()))}"
        )
    worst = min(rate[s] for s in ATTACKS) / rate["benign"]
    verdict = "met" if worst >= 0.9 else "NOT met"
    print(f"worst attacked/benign ratio: {worst:.3f} (target >= 0.90: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--per-channel", type=int, default=10)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, _database(args.database_url, Path(tmp)) as url:
        run(url, args.channels, args.per_channel, args.batches, args.seed)


@contextlib.contextmanager
def _database(url: str | None, tmp: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema in the PostgreSQL database (dropped after)."""
    if url is None or not url.startswith("postgres"):
        yield url or f"sqlite:///{tmp / 'bench.db'}"
        return
    import sqlalchemy as sa

    from chatwarden.store.engine import create_engine
    from chatwarden.store.migrate import upgrade

    admin = create_engine(url, pool_size=1, max_overflow=0)
    schema = f"cw_bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    scoped = f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    try:
        engine = create_engine(scoped, pool_size=1, max_overflow=0)
        upgrade(engine)
        engine.dispose()
        yield scoped
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
