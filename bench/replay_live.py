"""Live vs replay on the demo's own traffic: how many exported messages replay the same.

Runs ``chatwarden serve --demo``'s traffic (``chatwarden.demo``: seeded lines, one per 0.8 s on
average, on a simulated clock) through the live chat service on a fresh SQLite database, with
the demo channel's settings (its spam filters and bot-wave actions), exports the channel the
way ``chatwarden export`` does, and runs ``chatwarden replay`` on the export three times: with
the channel's detection settings, with the live defaults (no ``[detection]`` table) and with
detection off. Each run prints the replay command's own "A vs live" line; the script also
prints what the replay before issue 13 compared (AutoMod's recorded action only).

    python bench/replay_live.py --minutes 12 --out /tmp/demo-replay
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from chatwarden import demo
from chatwarden.bus import InProcessBus
from chatwarden.clock import FakeClock
from chatwarden.config import ServiceConfig
from chatwarden.detect.settings import to_json
from chatwarden.errors import ChatWardenError
from chatwarden.model import load_model
from chatwarden.service.types import Actor
from chatwarden.services import build_services


def demo_export(minutes: float, seed: int, out: Path) -> tuple[Path, dict[str, object]]:
    """The demo's traffic through the live service; the export and the channel's detection."""
    clock = FakeClock()
    config = ServiceConfig.model_validate(
        {
            "database_url": f"sqlite:///{out / 'demo.db'}",
            "argon2_time_cost": 1,
            "argon2_memory_kib": 8,
            "argon2_parallelism": 1,
        }
    )
    services = build_services(config, clock=clock, bus=InProcessBus(), model=load_model())
    try:
        demo.seed(services)
        channel = services.channels.get_channel_by_name(demo.CHANNEL)
        actors = {}
        for name in (*demo.VIEWERS, demo.OWNER[0]):
            user = services.accounts.get_user_by_name(name)
            actors[name] = Actor(user.id, user.username, user.is_admin, None)
        rng = random.Random(seed)
        elapsed = 0.0
        while elapsed < minutes * 60:
            step = rng.expovariate(1 / 0.8)
            clock.advance(step)
            elapsed += step
            line = demo.demo_line(rng, list(demo.VIEWERS))
            try:
                services.chat.send_message(actors[line.sender], channel.id, line.text)
            except ChatWardenError:
                pass
        text, count, _ = services.preview.export_history_local(channel.id, days=1)
        settings = services.detection.get(actors[demo.OWNER[0]], channel.id)
    finally:
        services.close()
    log = out / "demo-export.jsonl"
    log.write_text(text, encoding="utf-8")
    print(f"demo traffic: {minutes:g} simulated minutes, {count} messages exported to {log}")
    return log, to_json(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=12.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="replay-live-"))
    out.mkdir(parents=True, exist_ok=True)
    log, detection = demo_export(args.minutes, args.seed, out)
    lines = [json.loads(x)["decision"] for x in log.read_text().splitlines()]
    removed = sum(d["initial_status"] in ("blocked", "held") for d in lines)
    print(f"live: {removed} of {len(lines)} held or blocked when sent")
    variants = {
        "channel": {"detection": detection},
        "defaults": {},
        "off": {"detection": {"enabled": False}},
    }
    for name, data in variants.items():
        settings = out / f"{name}.json"
        settings.write_text(json.dumps(data), encoding="utf-8")
        decisions = out / f"{name}-decisions.jsonl"
        print(f"\n$ chatwarden replay {log.name} --settings {settings.name}  # {name}")
        done = subprocess.run(
            [
                *(sys.executable, "-m", "chatwarden", "replay", str(log)),
                *("--settings", str(settings), "--decisions", str(decisions), "--quiet"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        print("\n".join(x for x in done.stdout.splitlines() if x.startswith("A")))
        if name == "off":  # without detection a replayed action is AutoMod's own
            replayed = [json.loads(x)["action"] for x in decisions.read_text().splitlines()]
            same = sum(d["action"] == a for d, a in zip(lines, replayed, strict=True))
            print(
                f"before issue 13 the replay compared AutoMod's recorded action only: {same} of "
                f"{len(lines)} 'agreed'"
            )


if __name__ == "__main__":
    main()
