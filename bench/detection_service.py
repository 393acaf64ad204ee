"""What proactive detection costs on the chat path: ``ChatService.send_messages`` throughput
with the channel's detectors off vs on, same messages, same run, in process (no web edge).

Traffic: ``--chatters`` accounts (half of them established followers, half new accounts)
sending ordinary chat lines (words, emotes, an occasional link or shout) in batches of
``--batch`` (what the group-commit ingest hands the service under load), the fake clock
moving ``--gap`` seconds per batch. Each configuration gets a fresh channel, so the detectors
start empty. Configurations: ``no-hook`` (the chat service without detection code),
``off`` (the hook, live detectors off), ``default`` (a new channel: ban evasion and raid
alerts), ``on`` (every detector, the opt-in ones too), ``on-noraid`` (all detectors but the
raid one). Printed: messages/s for each, the ratios, and the outcome
counts (the detectors' deletes show they really ran). The machine's load moves the absolute
figures; compare the ratios of one run.

  python bench/detection_service.py                 # SQLite file in a temp dir
  python bench/detection_service.py --messages 20000 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

WORDS = (
    "gg wp nice play lol that was close what a clutch no way he did it again chat is wild "
    "today stream pog team fight love this song hello from brazil first time here how long "
    "have you been streaming can you explain the build why did he go there omg"
).split()
EMOTES = ["Kappa", "PogChamp", "LUL", "KEKW", "monkaS", "Pog", "<3"]
FILTERS = ("caps", "symbols", "repetition", "emote_flood", "length", "links", "mentions", "rate")
#: every detector on: the opt-in ones (spam filters, flood limit, bot waves) too
ALL_DETECTORS: dict[str, object] = {
    "spam": {name: {"enabled": True} for name in FILTERS},
    "waves": {"enabled": True},
}
ALL_ON: dict[str, object] = {"enabled": True, "detectors": ALL_DETECTORS}


def line(rng: random.Random) -> str:
    n = rng.randint(2, 12)
    words = [rng.choice(WORDS) if rng.random() > 0.15 else rng.choice(EMOTES) for _ in range(n)]
    text = " ".join(words)
    roll = rng.random()
    if roll < 0.02:
        text += " https://example.org/clip" + str(rng.randint(1, 99))
    elif roll < 0.04:
        text = text.upper()
    return text


def run(url: str, messages: int, chatters: int, batch: int, gap: float, seed: int) -> None:
    from chatwarden.clock import FakeClock
    from chatwarden.config import ServiceConfig
    from chatwarden.service.types import Actor, SendRequest
    from chatwarden.services import build_services

    config = ServiceConfig(
        database_url=url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        rate_limit_messages_per_30s=10_000,
    )
    clock = FakeClock()
    services = build_services(config, clock=clock)
    owner_user = services.accounts.register("benchowner", "correct horse")
    owner = Actor(owner_user.id, owner_user.username)
    people = []
    for i in range(chatters):
        u = services.accounts.register(f"chatter{i}", "correct horse")
        people.append(Actor(u.id, u.username))
    clock.advance(30 * 86400)  # half the chatters become established followers below
    rng = random.Random(seed)
    texts = [(rng.randrange(chatters), line(rng)) for _ in range(messages)]
    results: dict[str, tuple[float, Counter[str]]] = {}
    configs: list[tuple[str, dict[str, object]]] = [
        ("no-hook", {"enabled": False}),  # the chat service without the detection hook at all
        ("off", {"enabled": False}),
        ("default", {"enabled": True}),  # a new channel: ban evasion and raid alerts only
        ("on", ALL_ON),
        ("on-noraid", {**ALL_ON, "detectors": {**ALL_DETECTORS, "raid": {"enabled": False}}}),
    ]
    channels = {}
    for name, settings in configs:
        channel = services.channels.create_channel(owner, f"bench{name.replace('-', '')}")
        services.detection.update(owner, channel.id, settings)
        for actor in people[: chatters // 2]:
            services.channels.follow(actor, channel.id)
        channels[name] = channel.id
    clock.advance(8 * 86400)
    hook = services.chat.detection
    outcomes: dict[str, Counter[str]] = {name: Counter() for name in channels}
    elapsed = dict.fromkeys(channels, 0.0)
    # round-robin: every configuration sends the same chunk in turn, so the machine's load
    # changes touch them all alike
    for start in range(0, messages, batch):
        for name, cid in channels.items():
            services.chat.detection = None if name == "no-hook" else hook
            chunk = [
                SendRequest(people[who], cid, text) for who, text in texts[start : start + batch]
            ]
            t0 = time.perf_counter()
            out = services.chat.send_messages(chunk)
            elapsed[name] += time.perf_counter() - t0
            outcomes[name].update(getattr(r, "status", type(r).__name__) for r in out)
        clock.advance(gap)
    services.chat.detection = hook
    for name in channels:
        results[name] = (messages / elapsed[name], outcomes[name])
    services.close()
    off, on = results["off"][0], results["on"][0]
    print(
        f"database: {url.split('://')[0]}  messages: {messages}  chatters: {chatters}"
        f"  batch: {batch}"
    )
    for name, (rate, seen) in results.items():
        counts = dict(sorted(seen.items()))
        print(f"detection {name:>9}: {rate:8.0f} msgs/s  outcomes: {counts}")
    print(f"ratio on/off: {on / off:.2f} (the target: detection must not halve throughput, > 0.50)")
    print(f"ratio default/off: {results['default'][0] / off:.2f} (a new channel's defaults)")
    noraid = results["on-noraid"][0]
    print(f"ratio on-noraid/off: {noraid / off:.2f} (every detector but the raid one)")
    print(f"ratio off/no-hook: {off / results['no-hook'][0]:.2f} (the hook's cost when unused)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chatters", type=int, default=300)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--gap", type=float, default=5.0, help="fake seconds between batches")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, _database(args.database_url, Path(tmp)) as url:
        run(url, args.messages, args.chatters, args.batch, args.gap, args.seed)


@contextlib.contextmanager
def _database(url: str | None, tmp: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema in the PostgreSQL database (dropped after)."""
    if url is None or not url.startswith("postgres"):
        yield url or f"sqlite:///{tmp / 'bench.db'}"
        return
    import sqlalchemy as sa

    from chatwarden.store.engine import create_engine

    admin = create_engine(url, pool_size=1, max_overflow=0)
    schema = f"cw_bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
