"""``chatwarden replay``: a chat log through the full pipeline, without effects, with a report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from chatwarden.cli._common import fail
from chatwarden.errors import ChatWardenError
from chatwarden.model import load_model
from chatwarden.replay import (
    FORMATS,
    ReplayRun,
    Variant,
    build_summary,
    load_replay_settings,
    parse_log,
    render_report,
    replay_records,
)
from chatwarden.replay.formats import DEFAULT_DATE

_FORMAT_HELP = f"Log format ({', '.join(FORMATS)}); detected when left out."


def replay_command(
    log_file: Path = typer.Argument(..., help="The chat log to replay.", metavar="LOG"),
    fmt: str | None = typer.Option(None, "--format", "-f", help=_FORMAT_HELP),
    settings_file: Path | None = typer.Option(
        None, "--settings", "-s", help="Settings A: AutoMod settings, optional [chat_modes]."
    ),
    compare_file: Path | None = typer.Option(
        None, "--compare", help="Settings B, replayed beside A (side by side in the report)."
    ),
    model_dir: Path | None = typer.Option(
        None, "--model", help="Model directory for A (default: the bundled model)."
    ),
    compare_model: Path | None = typer.Option(
        None, "--compare-model", help="Model directory for B (compares two model versions)."
    ),
    report: Path | None = typer.Option(None, "--report", help="Write the HTML report here."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the JSON summary here."),
    decisions: Path | None = typer.Option(
        None, "--decisions", help="Write every message's outcome here (JSON lines)."
    ),
    log_date: str | None = typer.Option(
        None, "--date", help="The date of an IRC log whose times have no date (YYYY-MM-DD)."
    ),
    channel: str = typer.Option("", "--channel", help="Channel name, for logs that lack one."),
    batch_size: int = typer.Option(512, "--batch-size", min=1, max=100_000),
    samples: int = typer.Option(25, "--samples", min=0, max=10_000, help="Samples per run."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Replay a chat log: what would have been held, blocked or rejected (nothing is sent).

    Examples:

      chatwarden replay chat.json --report report.html

      chatwarden replay stream.log --settings now.toml --compare strict.toml --report ab.html

      chatwarden replay export.jsonl --compare-model models/new --json summary.json
    """
    console = Console(stderr=True, highlight=False)
    try:
        base = date.fromisoformat(log_date) if log_date else DEFAULT_DATE
    except ValueError:
        fail(f"--date must be YYYY-MM-DD, got {log_date!r}")
    try:
        data = log_file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {str(log_file)!r}: {exc.strerror}")
    try:
        log = parse_log(data, fmt, base_date=base, channel=channel)
        variants = [
            Variant(
                "A",
                load_replay_settings(settings_file),
                load_model(model_dir) if model_dir else None,
                str(model_dir or ""),
            )
        ]
        if compare_file is not None or compare_model is not None:
            variants.append(
                Variant(
                    "B",
                    load_replay_settings(compare_file) if compare_file else variants[0].settings,
                    load_model(compare_model) if compare_model else variants[0].model,
                    str(compare_model or model_dir or ""),
                )
            )
    except ChatWardenError as exc:
        fail(exc.message)
    total = len(log.records) * len(variants)
    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("messages"),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("replay", total=total)
        runs = replay_records(
            log.records,
            variants,
            batch_size=batch_size,
            progress=lambda n: bar.advance(task, n),
        )
    summary = build_summary(log, runs, variants, source=log_file.name, samples=samples)
    if report is not None:
        _write(report, render_report(summary, title=f"ChatWarden replay: {log_file.name}"))
    if json_out is not None:
        _write(json_out, json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    if decisions is not None:
        _write(decisions, _decision_lines(runs))
    _print(Console(highlight=False), summary)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {str(path)!r}: {exc.strerror}")


def _decision_lines(runs: list[ReplayRun]) -> str:
    lines = []
    for run in runs:
        for outcome in run.outcomes:
            lines.append(json.dumps({"run": run.label, **outcome.to_dict()}, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")


def _print(console: Console, summary: dict[str, object]) -> None:
    log = summary["log"]
    runs = summary["runs"]
    assert isinstance(log, dict) and isinstance(runs, list)
    other = log["other_lines"]
    console.print(
        f"{log['format']}: {log['lines']} lines, {log['records']} messages replayed, "
        f"{log['problems']} not usable"
        + (f", {other} not chat (header, bans, incidents)" if other else "")
    )
    table = Table("run", "settings", "messages", "allowed", "held", "blocked", "rejected")
    for run in runs:
        c = run["counts"]
        table.add_row(
            escape(run["label"]),
            escape(run["settings"]),
            str(run["messages"]),
            str(c["allow"]),
            str(c["hold"]),
            str(c["block"]),
            str(c["rejected"]),
        )
    console.print(table)
    for run in runs:
        _print_detection(console, run)
    comparison = summary.get("comparison")
    if isinstance(comparison, dict):
        console.print(
            f"A vs B: {comparison['differ']} messages differ "
            f"({comparison['stricter_in_b']} stricter under B, "
            f"{comparison['looser_in_b']} looser)"
        )
    for problem in log["first_problems"][:5]:
        console.print(f"line {problem['line']}: {problem['reason']}", markup=False)
    if log["problems"] > 5:
        console.print(f"... and {log['problems'] - 5} more problems (see the report or --json)")


def _print_detection(console: Console, run: dict[str, Any]) -> None:
    """What detection did in one run, and how the run agrees with the outcomes recorded live."""
    label = escape(run["label"])
    detection = run.get("detection")
    if isinstance(detection, dict) and detection["enabled"]:
        effects = detection["effects"]
        done = ", ".join(f"{n} {e}" for e, n in effects.items() if n) or "nothing"
        by = ", ".join(f"{d} {n}" for d, n in detection["by_detector"].items())
        alerts = len(detection["raid_alerts"])
        then = ", ".join(f"{k} {n}" for k, n in detection.get("consequences", {}).items())
        console.print(
            f"{label}: detection {done}"
            + (f" (by {by})" if by else "")
            + f"; {alerts} raid alerts"
            + (f"; effects: {then}" if then else "")
        )
    recorded = run.get("recorded")
    if isinstance(recorded, dict):
        line = (
            f"{label} vs live: {recorded['agree']} of {recorded['with_recorded']} messages "
            f"agree, {recorded['differ']} differ"
        )
        det = run.get("recorded_detection")
        if isinstance(det, dict):
            line += f"; detection agrees on {det['agree']} of {det['with_recorded']}"
        console.print(line)
