"""``chatwarden simulate``: labelled live-chat traffic for measuring the detectors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from chatwarden.cli._common import fail
from chatwarden.simulate import SCENARIOS, simulate


def simulate_command(
    scenario: str = typer.Option(
        "mixed", "--scenario", "-s", help=f"Traffic scenario: {', '.join(SCENARIOS)}."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same output."),
    minutes: float = typer.Option(60.0, "--minutes", "-m", help="Length of the simulated stream."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write JSON lines here (default: standard output)."
    ),
) -> None:
    """Generate a simulated channel's chat with ground-truth incident labels (JSON lines).

    The first line is a header, then messages and bans in time order, then one line per
    incident. The traffic model is described in docs/simulator.md.

    Examples:

      chatwarden simulate --scenario raid --seed 3 --minutes 30 --out raid.jsonl

      chatwarden simulate -s waves --seed 1 | head
    """
    if scenario not in SCENARIOS:
        fail(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if not 0 < minutes <= 24 * 60:
        fail(f"--minutes must be more than 0 and at most 1440, got {minutes:g}")
    sim = simulate(scenario, seed, minutes)
    lines = (json.dumps(obj, ensure_ascii=False) + "\n" for obj in sim.lines())
    if out is None:
        try:
            sys.stdout.writelines(lines)
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into head: stop quietly
            sys.stderr.close()
        return
    try:
        tmp = out.with_name(out.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.writelines(lines)
        tmp.replace(out)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    incidents = len(sim.incidents)
    typer.echo(
        f"wrote {len(sim.messages)} messages, {len(sim.bans)} bans and {incidents} incidents "
        f"({scenario}, seed {seed}, {minutes:g} min) to {out}",
        err=True,
    )
