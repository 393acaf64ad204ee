"""Pre-check latency through ``chatwarden.client`` (issue 17, "a filter in front of any chat").

Starts ``chatwarden serve`` as its own process on 127.0.0.1 (fresh SQLite, the bundled model, the
API rate limit raised so the run is not throttled), registers an owner, creates a channel and an
API token with just ``moderation:read``, then makes ``-n`` (2,000) sequential
``ChatWardenClient.check`` calls over one kept-alive HTTP connection, cycling ordinary lines from
the demo's text generator with a threat every tenth line. Prints p50/p90/p99/max per check (the
round trip a game waits before showing a message), checks per second, and the verdict counts.
The client and the server are separate processes, so the figures include the loopback HTTP and
JSON on both sides, as an application on the same host would see them.

    python bench/precheck.py                 # 2,000 checks
    python bench/precheck.py -n 10000 --warmup 200
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from chatwarden.client import PRECHECK_SCOPE, ChatWardenClient
from chatwarden.textgen.chat import benign

PASSWORD = "bench password 1234"
THREAT = "i will kill you"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``chatwarden serve`` on a free loopback port; returns once it answers HTTP."""
    port = _free_port()
    env = {
        **os.environ,
        "CHATWARDEN_WEB_API_REQUESTS": "10000000",  # the default 1,200/min would throttle the run
    }
    cmd = [sys.executable, "-m", "chatwarden", "serve", "--port", str(port)]
    cmd += ["--database-url", f"sqlite:///{folder / 'bench.db'}"]
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {(folder / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(base + "/openapi.json", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start within 60 s")


def make_token(base: str) -> str:
    """An owner, channel ``game`` and an API token holding only the pre-check's scope."""
    with httpx.Client(base_url=base, timeout=30) as http:
        login = {"username": "streamer", "password": PASSWORD}
        r = http.post("/api/v1/accounts", json=login)
        r.raise_for_status()
        r = http.post("/api/v1/sessions", json=login)
        r.raise_for_status()
        http.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        http.post("/api/v1/channels", json={"name": "game"}).raise_for_status()
        r = http.post("/api/v1/tokens", json={"name": "bench", "scopes": [PRECHECK_SCOPE]})
        r.raise_for_status()
        return str(r.json()["token"])


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    index = max(0, min(len(sorted_ms) - 1, round(q / 100 * len(sorted_ms) + 0.5) - 1))
    return sorted_ms[index]


def run(n: int, warmup: int, seed: int) -> None:
    rng = random.Random(seed)
    texts = [THREAT if i % 10 == 9 else benign(rng)[0] for i in range(n)]
    console = Console()
    with tempfile.TemporaryDirectory(prefix="cw-precheck-") as tmp:
        proc, base = start_server(Path(tmp))
        try:
            token = make_token(base)
            with ChatWardenClient(base, token, timeout=10) as client:
                for i in range(warmup):
                    client.check("game", texts[i % len(texts)])
                verdicts: Counter[str] = Counter()
                took_ms: list[float] = []
                started = time.perf_counter()
                for text in texts:
                    t0 = time.perf_counter()
                    verdicts[client.check("game", text).action] += 1
                    took_ms.append((time.perf_counter() - t0) * 1000)
                elapsed = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    took_ms.sort()
    table = Table(title=f"Pre-check through chatwarden.client: {n:,} sequential checks")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for label, q in (("p50", 50.0), ("p90", 90.0), ("p99", 99.0)):
        table.add_row(f"{label} per check", f"{percentile(took_ms, q):.2f} ms")
    table.add_row("max per check", f"{took_ms[-1]:.2f} ms")
    table.add_row("mean per check", f"{statistics.fmean(took_ms):.2f} ms")
    table.add_row("checks per second (one client)", f"{n / elapsed:,.0f}")
    table.add_row("verdicts", ", ".join(f"{k} {v:,}" for k, v in sorted(verdicts.items())))
    table.add_row(
        "load average (1 min) after", f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="checks to time (default 2,000)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed checks first")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    run(args.n, args.warmup, args.seed)


if __name__ == "__main__":
    main()
