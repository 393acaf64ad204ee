"""What proactive detection costs a replay.

``run_replay`` on 20,000 synthetic lines (``textgen`` chat, 10 % toxic, 800 senders, one
channel, a line every 0.3 s) with detection off, with the live defaults (ban evasion, raid
alerts) and with every spam filter, the flood limit and bot waves on; CPU time, best of 3,
interleaved in one process.

    python bench/replay_detection_cost.py
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from chatwarden.detect.settings import DetectionSettings
from chatwarden.pipeline import AutoMod
from chatwarden.replay import ChatRecord, run_replay
from chatwarden.textgen.chat import benign, toxic

FILTERS = ("caps", "symbols", "repetition", "emote_flood", "length", "links", "mentions", "rate")


def records(n: int = 20_000, seed: int = 0) -> list[ChatRecord]:
    rng = random.Random(seed)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        text = toxic(rng) if rng.random() < 0.1 else benign(rng)[0]
        user = f"u{rng.randrange(800)}"
        out.append(ChatRecord(i + 1, t0 + timedelta(seconds=i * 0.3), user, text, channel="c"))
    return out


def main() -> None:
    recs = records()
    automod = AutoMod()
    variants: dict[str, DetectionSettings | None] = {
        "detection off": DetectionSettings(enabled=False),
        "live defaults": None,
        "everything on": DetectionSettings.model_validate(
            {
                "detectors": {
                    "spam": {f: {"enabled": True} for f in FILTERS},
                    "waves": {"enabled": True},
                }
            }
        ),
    }
    run_replay(recs[:2000], automod)  # warm up
    best: dict[str, float] = {}
    for _ in range(3):
        for name, detection in variants.items():
            start = time.process_time()
            run_replay(recs, automod, detection=detection)
            spent = time.process_time() - start
            best[name] = min(best.get(name, spent), spent)
    for name, spent in best.items():
        print(f"{name}: {len(recs) / spent:,.0f} msgs/s (CPU time, best of 3)")


if __name__ == "__main__":
    main()
