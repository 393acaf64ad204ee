"""Speed of the whole engine (normalise + terms + classify + policy), against a peer.

The peer, alt-profanity-check, pins an old scikit-learn, so it runs in its own Python (a
virtual environment) on the same input, in the same run; the ratio is what to report.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from chatwarden.pipeline import AutoMod

PEER_SCRIPT = r"""
import json, sys, time
from profanity_check import predict_prob
texts = json.load(sys.stdin)
batch = int(sys.argv[1]); singles = int(sys.argv[2])
predict_prob(texts[:10])
t0 = time.perf_counter()
for i in range(0, len(texts), batch):
    predict_prob(texts[i:i + batch])
elapsed = time.perf_counter() - t0
lat = []
for text in texts[:singles]:
    t = time.perf_counter(); predict_prob([text]); lat.append(time.perf_counter() - t)
lat.sort()
print(json.dumps({"batch_msgs_per_s": len(texts) / elapsed,
                  "p50_ms": lat[len(lat) // 2] * 1e3, "p99_ms": lat[int(len(lat) * 0.99)] * 1e3}))
"""


@dataclass(frozen=True)
class SpeedReport:
    name: str
    messages: int
    batch_msgs_per_s: float
    p50_ms: float
    p99_ms: float


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


def measure_engine(
    automod: AutoMod,
    texts: Sequence[str],
    *,
    batch: int = 1000,
    singles: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> SpeedReport:
    """Batch throughput over ``texts`` and one-at-a-time latency over the first ``singles``."""
    automod.check_batch(list(texts[:batch]))  # warm up caches and lazy tables
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        automod.check_batch(texts[i : i + batch])
        if progress:
            progress(min(batch, len(texts) - i))
    elapsed = time.perf_counter() - t0
    latencies = []
    for text in texts[:singles]:
        t = time.perf_counter()
        automod.check(text)
        latencies.append(time.perf_counter() - t)
    latencies.sort()
    return SpeedReport(
        name="chatwarden",
        messages=len(texts),
        batch_msgs_per_s=len(texts) / elapsed,
        p50_ms=statistics.median(latencies) * 1e3,
        p99_ms=_percentile(latencies, 0.99) * 1e3,
    )


def measure_peer(
    python: Path, texts: Sequence[str], *, batch: int = 1000, singles: int = 2000
) -> SpeedReport:
    """The same measurement for alt-profanity-check, run by ``python`` (its own venv)."""
    proc = subprocess.run(
        [str(python), "-c", PEER_SCRIPT, str(batch), str(singles)],
        input=json.dumps(list(texts)),
        capture_output=True,
        text=True,
        check=True,
        env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return SpeedReport(name="alt-profanity-check", messages=len(texts), **data)


def report_dict(report: SpeedReport) -> dict[str, object]:
    return asdict(report)
