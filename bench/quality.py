"""Quality: ChatWarden vs the best offline peer (alt-profanity-check 1.9.1), same inputs, one run.

Prints ROC AUC on the live-chat devsets (NormVio harm, NormVio all, CONDA; read in place from
``../shared/devsets/`` when present, evaluation only), on the bundled suites, and under each
obfuscation trick (AUC and recall of the toxic lines, clean vs obfuscated). Ours is the whole
engine at the default settings (overall level 2): recall counts lines whose action is not
``allow``; AUC uses ``Decision.harm``. The peer's recall uses its own 0.5 threshold.

    python -m bench.quality                 # from the repo root; makes bench/.peer-venv once
    python -m bench.quality --json out.json --limit 2000

Exits 0; skips the devsets (or the peer, if its venv cannot be made) with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from chatwarden import AutoMod, AutoModSettings
from chatwarden.decision import Action
from chatwarden.model import load_model
from chatwarden.textgen.obfuscate import TRICKS
from chatwarden.training.evalsets import Example, find_devsets, load_devsets, suite_examples
from chatwarden.training.evaluate import (
    ALL_SUITES,
    compare_tricks,
    decide_all,
    obfuscate_examples,
    sample_examples,
)
from chatwarden.training.metrics import rate, roc_auc

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".peer-venv"
PEER_PIN = "alt-profanity-check==1.9.1"
PEER_THRESHOLD = 0.5
Pair = tuple[list[float], list[bool]]  # (harm scores, flagged)


def peer_python(console: Console) -> Path | None:
    """The peer venv's python, creating the venv on first use; ``None`` if that fails."""
    py = PEER_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if py.exists():
        return py
    console.print(f"creating {PEER_VENV} with {PEER_PIN} (first run only)...")
    try:
        venv.create(PEER_VENV, with_pip=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", PEER_PIN], check=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as exc:
        console.print(f"[yellow]peer skipped: cannot create its venv ({exc})[/yellow]")
        return None
    return py


def peer_scores(py: Path, texts: Sequence[str]) -> list[float]:
    """The peer's probabilities for ``texts``, through bench/peer.py in its own venv."""
    payload = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    proc = subprocess.run(
        [str(py), str(HERE / "peer.py")],
        input=payload.encode(),
        capture_output=True,
        check=True,
    )
    out = [float(line) for line in proc.stdout.decode().split()]
    if len(out) != len(texts):
        raise RuntimeError(f"peer returned {len(out)} scores for {len(texts)} texts")
    return out


class Scorer:
    """Scores text batches with both engines: (harm scores, flagged) for each."""

    def __init__(self, automod: AutoMod, py: Path | None, progress: Progress) -> None:
        self.automod = automod
        self.py = py
        self.progress = progress

    def ours(self, label: str, texts: Sequence[str]) -> Pair:
        task = self.progress.add_task(f"chatwarden: {label}", total=len(texts))
        decisions = decide_all(
            self.automod, texts, advance=lambda n: self.progress.advance(task, n)
        )
        return [d.harm for d in decisions], [d.action != Action.ALLOW for d in decisions]

    def peer(self, texts: Sequence[str]) -> Pair | None:
        if self.py is None:
            return None
        probs = peer_scores(self.py, texts)
        return probs, [p >= PEER_THRESHOLD for p in probs]


def run(
    limit: int,
    seed: int,
    devsets_dir: Path | None,
    model_dir: Path | None,
    console: Console,
) -> dict[str, Any]:
    settings = AutoModSettings.model_validate({"overall_level": 2})
    automod = AutoMod(settings, model=load_model(model_dir) if model_dir else None)
    py = peer_python(console)
    sets: dict[str, list[Example]] = {}
    notes: list[str] = []
    folder = find_devsets(devsets_dir)
    if folder is None:
        notes.append("devsets skipped: ../shared/devsets not found")
    else:
        sets.update(load_devsets(folder))
        notes.append(f"devsets read from {folder} (evaluation only)")
    suites = suite_examples()
    sets[ALL_SUITES] = [eg for rows in suites.values() for eg in rows]
    sets.update(suites)
    if py is None:
        notes.append("peer skipped: no venv")

    result: dict[str, Any] = {
        "model_version": automod.model.version,
        "sets": [],
        "obfuscation": [],
        "notes": notes,
    }
    with Progress(console=Console(stderr=True), transient=True) as progress:
        scorer = Scorer(automod, py, progress)
        clean: dict[str, tuple[Pair, Pair | None]] = {}
        for name, rows in sets.items():
            labels = [eg.label for eg in rows]
            texts = [eg.text for eg in rows]
            ours = scorer.ours(name, texts)
            peer = scorer.peer(texts)
            clean[name] = (ours, peer)
            result["sets"].append(
                {
                    "set": name,
                    "n": len(rows),
                    "positives": sum(labels),
                    "ours_auc": roc_auc(labels, ours[0]),
                    "peer_auc": roc_auc(labels, peer[0]) if peer else None,
                    "ours_flagged": rate(ours[1]),
                    "peer_flagged": rate(peer[1]) if peer else None,
                }
            )
        for name in ("normvio_harm", "conda", ALL_SUITES):
            if name not in sets:
                continue
            rows = sample_examples(sets[name], limit, seed)
            labels = [eg.label for eg in rows]
            texts = [eg.text for eg in rows]
            if rows is sets[name]:
                ours_clean, peer_clean = clean[name]
            else:
                ours_clean, peer_clean = scorer.ours(f"{name} sample", texts), scorer.peer(texts)
            for trick in TRICKS:
                obf = obfuscate_examples(rows, trick, seed)
                ours_obf = scorer.ours(f"{name} {trick}", obf)
                entry = {"ours": compare_tricks(name, trick, labels, ours_clean, ours_obf)}
                peer_obf = scorer.peer(obf)
                if peer_clean is not None and peer_obf is not None:
                    entry["peer"] = compare_tricks(name, trick, labels, peer_clean, peer_obf)
                result["obfuscation"].append({k: v.to_dict() for k, v in entry.items()})
    return result


def _f(v: float | None, pct: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v:.1%}" if pct else f"{v:.3f}"


def _d(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a - b:+.3f}"


def _arrow(d: dict[str, Any], key: str, pct: bool = False) -> str:
    clean, now = d.get(f"{key}_clean"), d.get(key)
    if clean is None or now is None:
        return "-"
    return f"{_f(clean, pct)}->{_f(now, pct)} ({now - clean:+.3f})"


def targets(result: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """The issue's quality targets: (what, measured, met?)."""
    out: list[tuple[str, str, bool | None]] = []
    by_set = {s["set"]: s for s in result["sets"]}
    for name in ("normvio_harm", "conda"):
        s = by_set.get(name)
        if s and s["ours_auc"] is not None and s["peer_auc"] is not None:
            delta = s["ours_auc"] - s["peer_auc"]
            out.append((f"AUC {name}: ours - peer >= +0.10", f"{delta:+.3f}", delta >= 0.10))
    for name in ("identity_neutral", "counter_speech", "reclaimed"):
        s = by_set.get(name)
        if s and s["ours_flagged"] is not None:
            held = s["ours_flagged"]
            out.append((f"held on {name} <= 25%", f"{held:.1%}", held <= 0.25))
    ours = [e["ours"] for e in result["obfuscation"]]
    if ours:
        worst_auc = max(ours, key=lambda o: o["auc_drop"] or 0.0)
        worst_rec = max(ours, key=lambda o: o["recall_drop"] or 0.0)
        auc_drop = worst_auc["auc_drop"] or 0.0
        rec_drop = worst_rec["recall_drop"] or 0.0
        out.append(
            (
                "obfuscation: AUC drop <= 0.03 (worst set/trick)",
                f"{auc_drop:.3f} ({worst_auc['set']}, {worst_auc['trick']})",
                auc_drop <= 0.03,
            )
        )
        out.append(
            (
                "obfuscation: recall drop <= 5 points (worst)",
                f"{rec_drop:.3f} ({worst_rec['set']}, {worst_rec['trick']})",
                rec_drop <= 0.05,
            )
        )
    return out


def render(result: dict[str, Any], console: Console) -> None:
    t = Table(title="ROC AUC (harm): ours vs alt-profanity-check 1.9.1, same inputs")
    for col in ("set", "lines", "harmful", "ours", "peer", "ours-peer", "ours held", "peer >=0.5"):
        t.add_column(col, justify="left" if col == "set" else "right")
    for s in result["sets"]:
        t.add_row(
            s["set"],
            str(s["n"]),
            str(s["positives"]),
            _f(s["ours_auc"]),
            _f(s["peer_auc"]),
            _d(s["ours_auc"], s["peer_auc"]),
            _f(s["ours_flagged"], pct=True),
            _f(s["peer_flagged"], pct=True),
        )
    console.print(t)
    o = Table(title="Obfuscation, clean -> obfuscated (change): harm AUC and recall of toxic lines")
    for col in ("set", "trick", "ours AUC", "peer AUC", "ours recall", "peer recall"):
        o.add_column(col)
    for e in result["obfuscation"]:
        ours, peer = e["ours"], e.get("peer", {})
        o.add_row(
            ours["set"],
            ours["trick"],
            _arrow(ours, "auc"),
            _arrow(peer, "auc"),
            _arrow(ours, "recall", pct=True),
            _arrow(peer, "recall", pct=True),
        )
    console.print(o)
    g = Table(title="Targets (issue 2)")
    for col in ("target", "measured", "met"):
        g.add_column(col)
    for what, measured, met in targets(result):
        g.add_row(what, measured, "-" if met is None else ("yes" if met else "NO"))
    console.print(g)
    console.print(
        f"model {result['model_version']}; ours = whole engine at overall level 2 (held = not "
        f"allowed); peer flagged at p >= {PEER_THRESHOLD}"
    )
    for note in result["notes"]:
        console.print(f"note: {note}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--limit", type=int, default=3000, help="lines per set to obfuscate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--devsets", type=Path, default=None, help="devsets folder")
    parser.add_argument("--model", type=Path, default=None, help="model dir (default: bundled)")
    parser.add_argument("--json", type=Path, default=None, help="also write figures as JSON")
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)
    result = run(args.limit, args.seed, args.devsets, args.model, console)
    render(result, console)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
