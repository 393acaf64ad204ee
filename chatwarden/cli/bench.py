"""``chatwarden bench``: engine speed on one core, with the peer on the same input."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from chatwarden.benchmark import SpeedReport, measure_engine, measure_peer, report_dict
from chatwarden.cli._common import LEVEL_HELP, SETTINGS_HELP, fail, load_settings
from chatwarden.pipeline import AutoMod
from chatwarden.training.suites import load_suite_texts

DEFAULT_PEER = Path("bench/.peer-venv/bin/python")


def _inputs(path: Path | None, count: int, seed: int) -> list[str]:
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror}")
        texts = []
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                texts.append(obj["text"])
    else:
        texts = load_suite_texts()
    if not texts:
        fail("no input messages")
    rng = random.Random(seed)
    return [rng.choice(texts) for _ in range(count)]


def bench_command(
    input_file: Path | None = typer.Option(
        None, "--input", "-i", help="JSON lines with a 'text' field (default: bundled suites)."
    ),
    count: int = typer.Option(50_000, "--count", "-n", help="Messages to check in batch mode."),
    batch: int = typer.Option(1000, "--batch", help="Batch size for check_batch."),
    singles: int = typer.Option(2000, "--singles", help="Messages checked one at a time (p99)."),
    peer_python: Path = typer.Option(
        DEFAULT_PEER, "--peer-python", help="Python of a venv with alt-profanity-check==1.9.1."
    ),
    level: int | None = typer.Option(None, "--level", "-l", help=LEVEL_HELP),
    settings_file: Path | None = typer.Option(None, "--settings", "-s", help=SETTINGS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Measure engine throughput (batch) and single-message latency on one core.

    Runs alt-profanity-check on the same input in the same run when --peer-python exists
    (create it with: python -m venv bench/.peer-venv &&
    bench/.peer-venv/bin/pip install alt-profanity-check==1.9.1).

    Examples:

      chatwarden bench

      chatwarden bench --input chat.jsonl --count 100000 --json
    """
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    texts = _inputs(input_file, count, seed=0)
    automod = AutoMod(load_settings(settings_file, level))
    with Progress(transient=True) as progress:
        task = progress.add_task("chatwarden", total=len(texts))
        ours = measure_engine(
            automod,
            texts,
            batch=batch,
            singles=singles,
            progress=lambda n: progress.advance(task, n),
        )
    reports: list[SpeedReport] = [ours]
    note = ""
    if peer_python.exists():
        reports.append(measure_peer(peer_python, texts, batch=batch, singles=singles))
    else:
        note = f"peer skipped: {peer_python} not found"
    if as_json:
        typer.echo(json.dumps({"reports": [report_dict(r) for r in reports], "note": note}))
        return
    table = Table(title=f"Engine speed, {len(texts)} messages, one core")
    for col in ("engine", "batch msgs/s", "p50 ms", "p99 ms"):
        table.add_column(col)
    for r in reports:
        table.add_row(r.name, f"{r.batch_msgs_per_s:,.0f}", f"{r.p50_ms:.3f}", f"{r.p99_ms:.3f}")
    console = Console()
    console.print(table)
    if len(reports) == 2:
        peer = reports[1]
        speedup = ours.batch_msgs_per_s / peer.batch_msgs_per_s
        console.print(
            f"throughput ratio chatwarden/peer: {speedup:.2f}x;"
            f" p99 ratio: {ours.p99_ms / peer.p99_ms:.2f}x"
        )
    if note:
        console.print(note)
