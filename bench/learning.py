"""Learning from moderators on real Twitch chat: does a channel's AutoMod get better at what
its own moderators want?

Replays the streams of ``../shared/devsets/normvio_logs/`` (real Twitch chat, moderators' bans
and timeouts marked) channel by channel, in time order, as a live channel at the default level
2 with a simulated moderator team: each held message is allowed or denied according to whether
the log's moderators acted on it, each ban/timeout mark on a delivered message is a manual
action, and a delivered message nobody acted on is one the moderators let stand. With learning
on, the channel re-learns its level shifts (``chatwarden.learning.learn_shifts``) every
``--every`` messages from everything its moderators did so far, and the engine applies them
(``AutoModSettings.learned``); with learning off the engine stays at the owner's levels; a third
arm adds the channel's learned head (``chatwarden.learning.head``, re-learned with the shifts)
on top of the shifts. All three are measured on the later half of each channel's messages (the
first half only teaches), same run, and printed per channel and overall:

- holds per 1,000 messages the moderators left alone;
- the share of moderated messages held (all violations, and the harm violations only:
  harassment, incivility, hate, sexual, self-harm);
- the share of holds the moderators acted on.

Targets (issue 14): with learning, at least 40 % fewer holds of unmoderated messages and at
least 1.5x the moderated messages caught, with no loss on the harm violations. Nothing here
trains on the logs' labels except through the simulated moderators' decisions, and the learner
is the product's own, which runs unchanged on channels it has never seen. The logs are
evaluation data: the learner's constants were not tuned on them.

Then the simulator (``chatwarden.textgen``'s chat lines, seeded): two channels whose norms
differ from the base model, each with a noisy team (each decision flipped with probability
``NOISE``, and only ``NOTICE`` of the violations that get through acted on): a tolerant channel
(the owner's level 4, but the team lets banter and swearing stand and acts only on threats and
self-harm) and a strict one (level 2, but the team acts on every insult and swear). Learning
curves, shifts alone and shifts + head (each its own run: the team decides what that engine
holds): on a fixed test set, lines the team finds fine held per 1,000 and violations held,
after 0, 50, 200 and 1,000 moderator decisions.

    python -m bench.learning                  # about 2 minutes
    python -m bench.learning --logs DIR --every 500 --json out.json
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from chatwarden import AutoMod, AutoModSettings
from chatwarden.decision import Action, Decision
from chatwarden.learning import LevelShifts, Outcome, learn_shifts
from chatwarden.learning.head import Head, channel_lines, learn_head
from chatwarden.model import load_model
from chatwarden.textgen.chat import benign, toxic
from chatwarden.training.evalsets import HARM_VIOLATIONS, find_devsets

LEVEL = 2
#: issue 14's targets
FEWER_HOLDS = 0.40
MORE_CAUGHT = 1.5


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    moderated: bool
    harm_violation: bool


@dataclass
class Tally:
    """The later half's figures for one engine on one channel (or all)."""

    unmoderated: int = 0
    moderated: int = 0
    harm_moderated: int = 0
    held_unmoderated: int = 0
    held_moderated: int = 0
    held_harm: int = 0

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, float | None]:
        held = self.held_unmoderated + self.held_moderated
        return {
            "holds_per_1000_unmoderated": 1000 * self.held_unmoderated / max(self.unmoderated, 1),
            "moderated_caught": _share(self.held_moderated, self.moderated),
            "harm_caught": _share(self.held_harm, self.harm_moderated),
            "holds_acted_on": _share(self.held_moderated, held),
        }


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass
class ChannelRun:
    name: str
    off: Tally = field(default_factory=Tally)
    on: Tally = field(default_factory=Tally)
    head: Tally = field(default_factory=Tally)
    learned: LevelShifts = field(default_factory=LevelShifts)
    learned_head: Head | None = None
    head_holds: int = 0
    head_releases: int = 0
    relearned: int = 0


def load_channels(folder: Path) -> dict[str, list[Line]]:
    """Each channel's lines (its streams' files, ``<channel>_<date>.jsonl``) in time order."""
    out: dict[str, list[tuple[str, Line]]] = defaultdict(list)
    for path in sorted(folder.glob("*.jsonl")):
        channel = path.stem.rsplit("_", 1)[0]
        with path.open(encoding="utf-8") as f:
            for raw in f:
                if not raw.strip():
                    continue
                row = json.loads(raw)
                mod = row.get("moderated")
                violation = None if mod is None else mod.get("violation")
                line = Line(str(row["text"]), mod is not None, violation in HARM_VIOLATIONS)
                out[channel].append((str(row["ts"]), line))
    return {
        name: [line for _, line in sorted(rows, key=lambda r: r[0])]
        for name, rows in sorted(out.items())
    }


def _held(d: Decision) -> bool:
    return d.action != Action.ALLOW


def _model_held(d: Decision) -> list[Any] | None:
    """The categories the model's lines held ``d`` for, or None when a blocked term or a
    severe-harm rule decided it (the head never touches those)."""
    held = []
    for r in d.reasons:
        if r.kind != "category" or r.rule is not None:
            return None
        held.append(r.category)
    return held


def _with_head(d: Decision, head: Head | None, lines: Any) -> tuple[bool, int]:
    """Held after the head (and +1 a hold added, -1 a hold released, 0 neither)."""
    held = _held(d)
    cats = _model_held(d)
    if head is None or d.exempt or cats is None:
        return held, 0
    verdict = head.judge(d.categories, d.harm, lines, cats)
    if verdict is None:
        return held, 0
    return verdict.hold, (1 if verdict.hold else -1)


def _outcome(d: Decision, line: Line) -> Outcome:
    return Outcome(d.categories, d.harm, 1 if line.moderated else 0)


def _count(tally: Tally, line: Line, held: bool) -> None:
    if line.moderated:
        tally.moderated += 1
        tally.held_moderated += held
        if line.harm_violation:
            tally.harm_moderated += 1
            tally.held_harm += held
    else:
        tally.unmoderated += 1
        tally.held_unmoderated += held


def run_channel(name: str, lines: Sequence[Line], every: int, model: Any) -> ChannelRun:
    """One channel: the first half teaches; the later half is measured off and on."""
    run = ChannelRun(name)
    base = AutoModSettings.model_validate({"overall_level": LEVEL})
    owner = AutoMod(base, model=model)
    levels = owner.levels
    thresholds = model.thresholds
    half = len(lines) // 2
    # learning off: the owner's levels all along; its decisions are also what the moderators
    # saw in the first half (nothing learned yet)
    decisions = owner.check_batch([line.text for line in lines])
    outcomes = [_outcome(d, line) for d, line in zip(decisions[:half], lines[:half], strict=True)]
    for d, line in zip(decisions[half:], lines[half:], strict=True):
        _count(run.off, line, _held(d))
    # learning on: re-learn every ``every`` messages from what the moderators did so far
    start = half
    while start < len(lines):
        run.learned = learn_shifts(outcomes, levels, thresholds)
        run.relearned += 1
        shifted = run.learned.as_levels()
        lines_now = channel_lines(levels, thresholds, shifted)
        run.learned_head = learn_head(outcomes, lines_now)
        engine = AutoMod(base.model_copy(update={"learned": shifted}), model=model)
        chunk = lines[start : start + every]
        for d, line in zip(engine.check_batch([c.text for c in chunk]), chunk, strict=True):
            _count(run.on, line, _held(d))
            # the moderators' labels here do not depend on what was held: one outcome stream
            held, moved = _with_head(d, run.learned_head, lines_now)
            _count(run.head, line, held)
            run.head_holds += moved > 0
            run.head_releases += moved < 0
            outcomes.append(_outcome(d, line))
        start += every
    return run


# ---- the simulated channels -----------------------------------------------------------------

#: a simulated moderator's decision is the wrong one this often
NOISE = 0.1
#: the share of delivered violations the simulated team notices and acts on
NOTICE = 0.6
CHECKPOINTS = (0, 50, 200, 1000)
_THREAT = re.compile(r"\b(kys|kill|die|cancer)\b")


def _tolerant(text: str, kind: str) -> bool:
    """Banter and swearing are fine here; threats and self-harm are not."""
    return kind == "toxic" and _THREAT.search(text) is not None


def _strict(text: str, kind: str) -> bool:
    """Every insult and every swear word is a violation here."""
    return kind in ("toxic", "swear")


SIMULATED = (
    ("tolerant (level 4; team lets banter and swearing stand)", 4, _tolerant),
    ("strict (level 2; team acts on every insult and swear)", 2, _strict),
)


def _lines(rng: random.Random, n: int) -> list[tuple[str, str]]:
    return [(toxic(rng), "toxic") if rng.random() < 0.15 else benign(rng) for _ in range(n)]


def simulate_channel(
    level: int, judge: Any, model: Any, seed: int = 7, *, head: bool = False
) -> list[tuple[int, float, float | None]]:
    """Learning curve of one simulated channel: (decisions, fine lines held per 1,000,
    violations held) at each checkpoint, on a fixed test set; with ``head``, the learned head
    applies on top of the shifts (and the team decides what it holds)."""
    rng = random.Random(seed)
    test = _lines(random.Random(seed + 1), 4000)
    truth = [judge(text, kind) for text, kind in test]
    base = AutoModSettings.model_validate({"overall_level": level})
    engine = AutoMod(base, model=model)
    levels, thresholds = engine.levels, model.thresholds
    outcomes: list[Outcome] = []
    decisions = 0
    curve = []
    learned_head: Head | None = None
    lines_now = channel_lines(levels, thresholds)
    for checkpoint in CHECKPOINTS:
        while decisions < checkpoint:
            chunk = _lines(rng, 200)
            for d, (text, kind) in zip(
                engine.check_batch([t for t, _ in chunk]), chunk, strict=True
            ):
                bad = judge(text, kind)
                if _with_head(d, learned_head, lines_now)[
                    0
                ]:  # the team decides every hold, sometimes wrongly
                    decisions += 1
                    label = int(bad) if rng.random() >= NOISE else int(not bad)
                elif bad and rng.random() < NOTICE:  # a manual action
                    decisions += 1
                    label = 1
                else:
                    label = 0  # let stand
                outcomes.append(Outcome(d.categories, d.harm, label))
        learned = learn_shifts(outcomes, levels, thresholds) if outcomes else LevelShifts()
        lines_now = channel_lines(levels, thresholds, learned.as_levels())
        if head and outcomes:
            learned_head = learn_head(outcomes, lines_now)
        engine = AutoMod(base.model_copy(update={"learned": learned.as_levels()}), model=model)
        held = [
            _with_head(d, learned_head, lines_now)[0]
            for d in engine.check_batch([t for t, _ in test])
        ]
        fine = [h for h, bad in zip(held, truth, strict=True) if not bad]
        caught = [h for h, bad in zip(held, truth, strict=True) if bad]
        curve.append(
            (decisions, 1000 * sum(fine) / max(len(fine), 1), _share(sum(caught), len(caught)))
        )
    return curve


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "-"
    return f"{100 * x:.1f}%" if pct else f"{x:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logs", type=Path, default=None, help="normvio_logs folder")
    parser.add_argument("--every", type=int, default=1000, help="re-learn every N messages")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    folder = args.logs
    if folder is None:
        found = find_devsets()
        folder = None if found is None else found / "normvio_logs"
    if folder is None or not folder.is_dir():
        print("no normvio_logs folder (--logs DIR)", file=sys.stderr)
        return 2
    console = Console()
    began = time.perf_counter()
    model = load_model()
    channels = load_channels(folder)
    runs = [run_channel(name, lines, args.every, model) for name, lines in channels.items()]
    total_off, total_on, total_head = Tally(), Tally(), Tally()
    table = Table(title=f"Learning from moderators: later half of {len(runs)} channels")
    table.add_column("channel")
    table.add_column("msgs", justify="right")
    for what in ("holds/1000 unmod", "caught", "harm caught", "acted on"):
        for arm in ("off", "shifts", "+head"):
            table.add_column(f"{what} {arm}" if arm == "off" else arm, justify="right")
    for run in runs:
        total_off.add(run.off)
        total_on.add(run.on)
        total_head.add(run.head)
        table.add_row(*_cells(run.name, run.off, run.on, run.head))
    table.add_row(*_cells("ALL", total_off, total_on, total_head), style="bold")
    off, on, with_head = total_off.figures(), total_on.figures(), total_head.figures()
    console.print(table)
    targets = Table(title="Targets (issue 14)")
    for col in ("target", "shifts", "met", "shifts + head", "met"):
        targets.add_column(col)
    summary: dict[str, dict[str, float | None]] = {}
    cells: list[list[str]] = [[], [], []]
    for arm, fig in (("shifts", on), ("head", with_head)):
        fewer = _reduction(off["holds_per_1000_unmoderated"], fig["holds_per_1000_unmoderated"])
        caught = _ratio(fig["moderated_caught"], off["moderated_caught"])
        harm_ok = (fig["harm_caught"] or 0.0) >= (off["harm_caught"] or 0.0)
        summary[arm] = {"fewer_holds": fewer, "caught_ratio": caught}
        cells[0] += [_fmt(fewer, True), _yes(fewer is not None and fewer >= FEWER_HOLDS)]
        cells[1] += [
            "-" if caught is None else f"{caught:.2f}x",
            _yes(caught is not None and caught >= MORE_CAUGHT),
        ]
        cells[2] += [
            f"{_fmt(off['harm_caught'], True)} -> {_fmt(fig['harm_caught'], True)}",
            _yes(harm_ok),
        ]
    targets.add_row(f">= {FEWER_HOLDS:.0%} fewer holds of unmoderated messages", *cells[0])
    targets.add_row(f">= {MORE_CAUGHT}x the moderated messages caught", *cells[1])
    targets.add_row("no loss on harm violations caught", *cells[2])
    console.print(targets)
    for run in runs:
        for shift in run.learned.shifts:
            console.print(
                f"  {run.name}: {shift.category} {shift.shift:+.2f} ({shift.explanation})"
            )
        if run.learned_head is not None:
            console.print(
                f"  {run.name}: head {run.learned_head.describe()}; "
                f"{run.head_holds} holds added, {run.head_releases} released"
            )
    curves = {}
    for title, level, judge in SIMULATED:
        shifts_only = simulate_channel(level, judge, model)
        both = simulate_channel(level, judge, model, head=True)
        curves[title] = {"shifts": shifts_only, "head": both}
        sim = Table(title=f"Simulated channel: {title}")
        for col in (
            "decisions (shifts)",
            "fine held /1,000",
            "violations held",
            "decisions (+head)",
            "fine held /1,000",
            "violations held",
        ):
            sim.add_column(col, justify="right")
        for (d1, f1, c1), (d2, f2, c2) in zip(shifts_only, both, strict=True):
            sim.add_row(str(d1), f"{f1:.1f}", _fmt(c1, True), str(d2), f"{f2:.1f}", _fmt(c2, True))
        console.print(sim)
    console.print(f"note: {time.perf_counter() - began:.1f} s; evaluation data, never tuned on")
    if args.json:
        payload = {
            "off": off,
            "on": on,
            "head": with_head,
            "targets": summary,
            "simulated": curves,
            "channels": {
                r.name: {
                    "off": r.off.figures(),
                    "on": r.on.figures(),
                    "head": r.head.figures(),
                    "shifts": {s.category: s.shift for s in r.learned.shifts},
                }
                for r in runs
            },
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


def _cells(name: str, *tallies: Tally) -> list[str]:
    """One row of the channel table: learning off, shifts, shifts + head side by side."""
    figures = [t.figures() for t in tallies]
    cells = [name, str(tallies[0].unmoderated + tallies[0].moderated)]
    for key, pct in (
        ("holds_per_1000_unmoderated", False),
        ("moderated_caught", True),
        ("harm_caught", True),
        ("holds_acted_on", True),
    ):
        cells += [_fmt(f[key], pct) for f in figures]
    return cells


def _reduction(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return 1 - after / before


def _ratio(after: float | None, before: float | None) -> float | None:
    if after is None or before is None or before == 0:
        return None
    return after / before


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


if __name__ == "__main__":
    raise SystemExit(main())
