"""Replay throughput (messages/s, parse + pipeline + summary + HTML report written) against the
engine's own ``check_batch`` throughput on the same texts, in the same run.

The log is synthetic but shaped like a real stream export: a TwitchDownloader JSON chat of
``--messages`` lines from ``chatwarden.textgen.chat`` (about 5 % insults and threats),
from a pool of chatters with a few heavy talkers, subscriber/moderator/VIP badges, about 8
messages a second. ``--devset`` replays a devset's texts instead (evaluation input only: read
in place, never copied; the report goes to a temporary folder).

    python bench/replay.py
    python bench/replay.py --messages 50000 --compare
    python bench/replay.py --devset ../shared/devsets/normvio_dev.jsonl
    python bench/replay.py --preview     # also: the Mod View preview at its 20,000-message cap

``--preview`` stores the messages in a temporary SQLite database through the chat service and
times ``PreviewService.preview`` (read the window, replay it with the current and the proposed
settings, summarise) as a moderator would call it.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chatwarden.model import load_model
from chatwarden.pipeline import AutoMod
from chatwarden.replay import (
    ReplaySettings,
    Variant,
    build_summary,
    parse_log,
    render_report,
    replay_records,
)
from chatwarden.settings import AutoModSettings
from chatwarden.textgen.chat import generate

BATCH = 512


def synthetic_texts(n: int, seed: int) -> list[str]:
    toxic = n // 20
    lines = generate(n - toxic, toxic, seed=seed)
    random.Random(seed).shuffle(lines)
    return [text for text, _ in lines]


def devset_texts(path: Path, n: int) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text")
            if isinstance(text, str) and text.strip():
                texts.append(text)
    return texts[:n] if n else texts


def twitchdownloader_log(texts: list[str], seed: int) -> bytes:
    """A TwitchDownloader-style chat JSON document for ``texts``."""
    rng = random.Random(seed)
    users = [f"viewer{i}" for i in range(2000)]
    weights = [1.0 / (i + 1) for i in range(len(users))]  # a few heavy talkers
    start = datetime(2024, 6, 1, 18, 0, tzinfo=UTC)
    t = 0.0
    comments = []
    for i, text in enumerate(texts):
        t += rng.expovariate(8.0)
        user = rng.choices(users, weights)[0]
        roll = rng.random()
        badges = (
            [{"_id": "moderator", "version": "1"}]
            if roll < 0.01
            else [{"_id": "vip", "version": "1"}]
            if roll < 0.02
            else [{"_id": "subscriber", "version": "12"}]
            if roll < 0.3
            else []
        )
        comments.append(
            {
                "_id": f"c{i}",
                "created_at": (start + timedelta(seconds=t)).isoformat().replace("+00:00", "Z"),
                "content_offset_seconds": round(t, 3),
                "commenter": {"display_name": user, "_id": str(users.index(user)), "name": user},
                "message": {"body": text, "user_badges": badges},
            }
        )
    doc = {"streamer": {"name": "benchstream", "id": 1}, "video": {}, "comments": comments}
    return json.dumps(doc).encode()


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def preview_bench(texts: list[str]) -> None:
    """Store ``texts`` through the chat service, then time one policy preview over them."""
    from chatwarden.clock import FakeClock
    from chatwarden.config import ServiceConfig
    from chatwarden.service.health.preview import MAX_MESSAGES
    from chatwarden.service.types import SendRequest
    from chatwarden.services import build_services

    folder = Path(tempfile.mkdtemp(prefix="chatwarden-preview-bench-"))
    config = ServiceConfig.model_validate(
        {
            "database_url": f"sqlite:///{folder / 'bench.db'}",
            "argon2_time_cost": 1,
            "argon2_memory_kib": 8,
            "argon2_parallelism": 1,
            "rate_limit_messages_per_30s": 1_000_000,
        }
    )
    clock = FakeClock(datetime.now(UTC) - timedelta(days=3))
    services = build_services(config, clock=clock)
    try:
        accounts = services.accounts
        owner_user = accounts.register("benchowner", "password123")
        owner = accounts.authenticate(accounts.login(owner_user.username, "password123").token)
        channel = services.channels.create_channel(owner, "bench")
        chatters = []
        for i in range(50):
            accounts.register(f"chatter{i}", "password123")
            chatters.append(
                accounts.authenticate(accounts.login(f"chatter{i}", "password123").token)
            )
        t0 = time.perf_counter()
        for start in range(0, len(texts), 500):
            chunk = texts[start : start + 500]
            services.chat.send_messages(
                [
                    SendRequest(chatters[(start + j) % 50], channel.id, text, f"k{start + j}")
                    for j, text in enumerate(chunk)
                ]
            )
            clock.advance(60)
        stored = time.perf_counter() - t0
        proposal = {"overall_level": 4, "add_terms": [{"text": "noob"}]}
        services.preview.preview(owner, channel.id, proposal, days=1)  # warm caches
        t_preview = float("inf")
        for _ in range(3):
            t_preview = min(
                t_preview, timed(lambda: services.preview.preview(owner, channel.id, proposal))
            )
        out = services.preview.preview(owner, channel.id, proposal)
        window = out["window"]
        print(
            f"stored {len(texts)} messages through the chat service in {stored:.1f} s; "
            f"preview of the last 7 days: {window['messages_replayed']} messages replayed "
            f"twice (cap {MAX_MESSAGES}, capped={window['capped']}) in {t_preview:.2f} s "
            f"= {window['messages_replayed'] / t_preview:.0f} msgs/s of history, "
            f"{out['comparison']['differ']} differ"
        )
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--devset", type=Path, default=None)
    parser.add_argument("--compare", action="store_true", help="also time an A/B replay")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many rounds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preview", action="store_true", help="also time a policy preview")
    args = parser.parse_args()

    if args.devset is not None:
        texts = devset_texts(args.devset, args.messages)
        source = f"devset {args.devset.name}"
    else:
        texts = synthetic_texts(args.messages, args.seed)
        source = "synthetic TwitchDownloader JSON (chatgen)"
    data = twitchdownloader_log(texts, args.seed)
    n = len(texts)
    settings = AutoModSettings()
    load_model()  # load once, outside the timings
    automod = AutoMod(settings)
    automod.check_batch(texts[:BATCH])  # warm up

    def engine() -> None:
        for i in range(0, n, BATCH):
            automod.check_batch(texts[i : i + BATCH])

    out_dir = Path(tempfile.mkdtemp(prefix="chatwarden-replay-bench-"))
    report = out_dir / "report.html"
    sizes: dict[str, int] = {}

    def replay(variants: list[Variant]) -> None:
        log = parse_log(data)
        assert len(log.records) == n, (len(log.records), log.problem_count)
        runs = replay_records(log.records, variants, batch_size=BATCH)
        summary = build_summary(log, runs, variants, source="bench")
        report.write_text(render_report(summary), encoding="utf-8")
        sizes[str(len(variants))] = report.stat().st_size

    one = [Variant("A", ReplaySettings(settings))]
    two = [*one, Variant("B", ReplaySettings(AutoModSettings(overall_level=4)))]
    # interleaved rounds, best of each: a busy machine slows all of them alike
    t_engine = t_replay = t_ab = float("inf")
    for _ in range(args.repeat):
        t_engine = min(t_engine, timed(engine))
        t_replay = min(t_replay, timed(lambda: replay(one)))
        if args.compare:
            t_ab = min(t_ab, timed(lambda: replay(two)))
    print(f"input: {source}, {n} messages, log {len(data) / 1e6:.1f} MB")
    print(f"engine check_batch (batches of {BATCH}):   {n / t_engine:9.0f} msgs/s")
    print(
        f"replay, parse + pipeline + report written: {n / t_replay:9.0f} msgs/s"
        f"  (report {sizes['1'] / 1e6:.1f} MB)"
    )
    print(f"ratio replay / engine: {t_engine / t_replay:.2f}")
    if args.compare:
        print(
            f"A/B replay (two settings), report written: {n / t_ab:9.0f} msgs/s of log"
            f"  (ratio to engine {t_engine / t_ab:.2f}; two pipeline runs per message)"
        )
    print(f"(report in {report})")
    if args.preview:
        preview_bench(texts)


if __name__ == "__main__":
    main()
