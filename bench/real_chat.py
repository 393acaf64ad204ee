"""Real chat: ChatWarden vs alt-profanity-check on real Twitch logs and the live-chat devsets.

Replays every message of ``../shared/devsets/normvio_logs/`` (49 streams, moderators' bans and
timeouts marked) through the whole engine (``AutoMod.check_batch``, overall level 2 by default)
and through the peer, alt-profanity-check 1.9.1 (its own venv, ``bench/.peer-venv``, held at
p >= 0.5), and prints for each, in the same run:

- harm ROC AUC: messages moderated for a harm violation (harassment, incivility,
  hate_discrimination, sexual) vs messages nobody moderated;
- the share of those moderated harm messages held;
- holds per 1,000 unmoderated messages;
- the share of holds that moderators acted on (for any violation);

then the same kind of figures on ``normvio_dev.jsonl`` and ``conda_dev.jsonl`` (AUC, held
shares of both labels). The devsets are evaluation data: never train or tune on them.

    python -m bench.real_chat                              # the working tree's engine + peer
    python -m bench.real_chat --model-dir path/to/model    # another model directory
    python -m bench.real_chat --baseline-ref HEAD          # also the engine of a git ref,
                                                           # with now/before ratios
    python -m bench.real_chat --logs DIR --devsets DIR --no-peer --json out.json

A baseline ref runs from a ``git archive`` copy of that ref in a subprocess (PYTHONPATH), with
the model bundled at that ref unless ``--baseline-model-dir`` says otherwise. Exits 0 and says
so when the logs or the devsets are not there.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.quality import PEER_THRESHOLD, peer_python, peer_scores
from chatwarden import AutoMod, AutoModSettings
from chatwarden.decision import Action
from chatwarden.model import load_model
from chatwarden.training.evalsets import HARM_VIOLATIONS, find_devsets
from chatwarden.training.metrics import rate, roc_auc

REPO = Path(__file__).resolve().parent.parent
BATCH = 2000
Scores = tuple[list[float], list[bool]]  # (harm score, held) per text

#: run in a subprocess with PYTHONPATH at a git-archive copy: text JSON lines in, "harm held" out
WORKER = r"""
import json, sys
from pathlib import Path
import chatwarden
from chatwarden import AutoMod, AutoModSettings
from chatwarden.decision import Action
from chatwarden.model import load_model
level, model_dir = int(sys.argv[1]), sys.argv[2]
print(f"baseline chatwarden from {Path(chatwarden.__file__).parent}", file=sys.stderr)
model = load_model(Path(model_dir)) if model_dir else None
automod = AutoMod(AutoModSettings.model_validate({"overall_level": level}), model=model)
texts = [json.loads(line)["text"] for line in sys.stdin if line.strip()]
out = []
for start in range(0, len(texts), 2000):
    for d in automod.check_batch(texts[start:start + 2000]):
        out.append(f"{d.harm:.6f} {int(d.action != Action.ALLOW)}\n")
print(automod.model.version, file=sys.stderr)
sys.stdout.write("".join(out))
"""


@dataclass(frozen=True, slots=True)
class Message:
    """One message: ``label`` 1 harm violation, 0 unmoderated, ``None`` another violation."""

    text: str
    label: int | None
    moderated: bool


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _message(text: object, moderated: bool, violation: object) -> Message:
    """An unmoderated message is 0; a moderated one 1 for a harm violation, else ``None``."""
    if not moderated:
        return Message(str(text), 0, False)
    return Message(str(text), 1 if violation in HARM_VIOLATIONS else None, True)


def load_logs(folder: Path) -> list[Message]:
    """Every message of every ``*.jsonl`` stream log in ``folder``, in file order."""
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        for row in _read_jsonl(path):
            mod = row.get("moderated")
            violation = None if mod is None else mod.get("violation")
            out.append(_message(row["text"], mod is not None, violation))
    return out


def load_normvio(path: Path) -> list[Message]:
    """normvio_dev: label 1 harm violation, 0 unmoderated, ``None`` another violation."""
    return [
        _message(row["text"], int(row["label"]) != 0, row.get("violation"))
        for row in _read_jsonl(path)
    ]


def load_conda(path: Path) -> list[Message]:
    """conda_dev: label 1 explicit or implicit toxicity, 0 otherwise."""
    return [Message(str(r["text"]), int(r["label"]), bool(r["label"])) for r in _read_jsonl(path)]


# --------------------------------------------------------------------------- engines


def score_here(texts: Sequence[str], level: int, model_dir: Path | None) -> tuple[Scores, str]:
    """The working tree's engine on ``texts``: (scores, model version)."""
    settings = AutoModSettings.model_validate({"overall_level": level})
    automod = AutoMod(settings, model=load_model(model_dir) if model_dir else None)
    harm: list[float] = []
    held: list[bool] = []
    for start in range(0, len(texts), BATCH):
        for d in automod.check_batch(texts[start : start + BATCH]):
            harm.append(d.harm)
            held.append(d.action != Action.ALLOW)
    return (harm, held), automod.model.version


def score_ref(
    ref: str, texts: Sequence[str], level: int, model_dir: Path | None
) -> tuple[Scores, str]:
    """The engine of git ``ref`` (a ``git archive`` copy run in a subprocess) on ``texts``."""
    with tempfile.TemporaryDirectory(prefix="cw-baseline-") as tmp:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", ref],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        tar_path = Path(tmp) / "ref.tar"
        tar_path.write_bytes(archive)
        src = Path(tmp) / "src"
        with tarfile.open(tar_path) as tar:
            tar.extractall(src, filter="data")
        env = {**os.environ, "PYTHONPATH": str(src)}
        payload = "".join(json.dumps({"text": t}) + "\n" for t in texts)
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                WORKER,
                str(level),
                str(model_dir.resolve() if model_dir else ""),
            ],
            input=payload.encode(),
            capture_output=True,
            cwd=src,
            env=env,
            check=False,
        )
        err = proc.stderr.decode()
        if proc.returncode != 0:
            raise RuntimeError(f"baseline {ref} failed:\n{err[-2000:]}")
        if str(src) not in err:
            raise RuntimeError(f"baseline {ref} did not import its own chatwarden:\n{err[-500:]}")
    lines = proc.stdout.decode().split("\n")
    pairs = [line.split() for line in lines if line.strip()]
    if len(pairs) != len(texts):
        raise RuntimeError(f"baseline returned {len(pairs)} scores for {len(texts)} texts")
    version = err.strip().splitlines()[-1]
    return ([float(h) for h, _ in pairs], [f == "1" for _, f in pairs]), version


def score_peer(py: Path, texts: Sequence[str]) -> Scores:
    probs = peer_scores(py, texts)
    return probs, [p >= PEER_THRESHOLD for p in probs]


# --------------------------------------------------------------------------- figures


def _per_1000(x: float | None) -> float | None:
    return None if x is None else 1000 * x


def log_figures(
    msgs: Sequence[Message], harm: Sequence[float], held: Sequence[bool]
) -> dict[str, Any]:
    """The four log figures (see the module docstring) for one engine."""
    idx = [i for i, m in enumerate(msgs) if m.label is not None]
    held_all = [i for i, h in enumerate(held) if h]
    return {
        "harm_auc": roc_auc([msgs[i].label or 0 for i in idx], [harm[i] for i in idx]),
        "harm_held": rate([held[i] for i, m in enumerate(msgs) if m.label == 1]),
        "holds_per_1000_unmoderated": _per_1000(
            rate([held[i] for i, m in enumerate(msgs) if not m.moderated])
        ),
        "holds_acted_on": rate([msgs[i].moderated for i in held_all]),
        "holds": len(held_all),
    }


def set_figures(
    msgs: Sequence[Message], harm: Sequence[float], held: Sequence[bool]
) -> dict[str, Any]:
    """AUC (label 1 vs 0; other violations left out) and held shares of each label."""
    idx = [i for i, m in enumerate(msgs) if m.label is not None]
    out = {
        "auc": roc_auc([msgs[i].label or 0 for i in idx], [harm[i] for i in idx]),
        "held_1": rate([held[i] for i, m in enumerate(msgs) if m.label == 1]),
        "held_0": rate([held[i] for i, m in enumerate(msgs) if m.label == 0]),
    }
    if any(m.moderated and m.label is None for m in msgs):  # normvio: every violation too
        out["auc_all"] = roc_auc([int(m.moderated) for m in msgs], list(harm))
        out["held_all_violations"] = rate([held[i] for i, m in enumerate(msgs) if m.moderated])
    return out


def run(args: argparse.Namespace, console: Console) -> dict[str, Any] | None:
    devsets = find_devsets(args.devsets)
    logs_dir = args.logs or (devsets / "normvio_logs" if devsets else None)
    sets: dict[str, list[Message]] = {}
    notes: list[str] = []
    if logs_dir is not None and logs_dir.is_dir():
        sets["logs"] = load_logs(logs_dir)
        notes.append(f"logs: {logs_dir} (evaluation only: never trained or tuned on)")
    else:
        notes.append(
            f"normvio_logs skipped: {logs_dir or '../shared/devsets/normvio_logs'} not found"
        )
    for name, file, loader in (
        ("normvio_dev", "normvio_dev.jsonl", load_normvio),
        ("conda_dev", "conda_dev.jsonl", load_conda),
    ):
        if devsets is not None and (devsets / file).is_file():
            sets[name] = loader(devsets / file)
        else:
            notes.append(f"{name} skipped: {file} not found")
    if not sets:
        return None
    texts = list(dict.fromkeys(m.text for msgs in sets.values() for m in msgs))
    where = {t: i for i, t in enumerate(texts)}
    engines: dict[str, Scores] = {}
    versions: dict[str, str] = {}
    t0 = time.perf_counter()
    engines["chatwarden"], versions["chatwarden"] = score_here(texts, args.level, args.model_dir)
    notes.append(
        f"chatwarden: {len(texts)} distinct texts in {time.perf_counter() - t0:.1f} s "
        f"(model {versions['chatwarden']}, overall level {args.level})"
    )
    if args.baseline_ref:
        engines["baseline"], versions["baseline"] = score_ref(
            args.baseline_ref, texts, args.level, args.baseline_model_dir
        )
        notes.append(
            f"baseline: the engine at {args.baseline_ref} (model {versions['baseline']}, "
            f"overall level {args.level})"
        )
    if not args.no_peer:
        py = peer_python(console)
        if py is not None:
            engines["peer"] = score_peer(py, texts)
            versions["peer"] = f"alt-profanity-check 1.9.1, held at p >= {PEER_THRESHOLD}"
        else:
            notes.append("peer skipped: no venv")
    result: dict[str, Any] = {"level": args.level, "versions": versions, "sets": {}, "notes": notes}
    for name, msgs in sets.items():
        counts = {
            "messages": len(msgs),
            "harm": sum(m.label == 1 for m in msgs),
            "unmoderated": sum(not m.moderated for m in msgs),
            "other_moderated": sum(m.moderated and m.label is None for m in msgs),
        }
        figures = {}
        for engine, (harm, held) in engines.items():
            h = [harm[where[m.text]] for m in msgs]
            f = [held[where[m.text]] for m in msgs]
            figures[engine] = log_figures(msgs, h, f) if name == "logs" else set_figures(msgs, h, f)
        result["sets"][name] = {"counts": counts, "figures": figures}
    return result


# --------------------------------------------------------------------------- output

LOG_ROWS = (
    ("harm_auc", "harm ROC AUC (harm violations vs unmoderated)", "auc"),
    ("harm_held", "moderated harm held", "pct"),
    ("holds_per_1000_unmoderated", "holds per 1,000 unmoderated", "num"),
    ("holds_acted_on", "holds moderators acted on", "pct"),
)
SET_ROWS = (
    ("auc", "ROC AUC (harm label 1 vs 0)", "auc"),
    ("auc_all", "ROC AUC (every violation vs 0)", "auc"),
    ("held_1", "label 1 held", "pct"),
    ("held_all_violations", "every violation held", "pct"),
    ("held_0", "label 0 held", "pct"),
)
#: issue 12's targets on real chat at level 2
TARGETS = (
    ("logs", "harm_auc", ">=", 0.75),
    ("logs", "holds_per_1000_unmoderated", "<=", 5.0),
    ("logs", "harm_held", ">=", 0.20),
    ("conda_dev", "auc", ">=", 0.88),
)


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "num":
        return f"{value:.1f}"
    return f"{value:.3f}"


def _ratio(now: float | None, before: float | None) -> str:
    if now is None or before is None or before == 0:
        return "-"
    return f"x{now / before:.2f}"


def render(result: dict[str, Any], console: Console) -> None:
    titles = {
        "logs": "normvio_logs: {messages:,} messages, {harm} moderated for harm, "
        "{unmoderated:,} unmoderated, {other_moderated} moderated for other violations",
        "normvio_dev": "normvio_dev.jsonl: {messages:,} messages, {harm} harm violations "
        "(label 1), {other_moderated} other violations, {unmoderated:,} unmoderated (label 0)",
        "conda_dev": "conda_dev.jsonl: {messages:,} Dota 2 utterances, {harm} toxic (label 1)",
    }
    for name, entry in result["sets"].items():
        figures = entry["figures"]
        engines = list(figures)
        table = Table(title=titles[name].format(**entry["counts"]))
        table.add_column("figure")
        for engine in engines:
            table.add_column(engine, justify="right")
        if "baseline" in figures:
            table.add_column("chatwarden / baseline", justify="right")
        for key, label, kind in LOG_ROWS if name == "logs" else SET_ROWS:
            if all(figures[e].get(key) is None for e in engines):
                continue
            cells = [_fmt(figures[e].get(key), kind) for e in engines]
            if "baseline" in figures:
                cells.append(_ratio(figures["chatwarden"].get(key), figures["baseline"].get(key)))
            table.add_row(label, *cells)
        console.print(table)
    if result["level"] == 2:
        table = Table(title="Targets (issue 12, real chat at level 2)")
        for col in ("target", "chatwarden", "met"):
            table.add_column(col)
        for name, key, op, bound in TARGETS:
            if name not in result["sets"]:
                continue
            value = result["sets"][name]["figures"]["chatwarden"].get(key)
            met = value is not None and (value >= bound if op == ">=" else value <= bound)
            table.add_row(
                f"{name} {key} {op} {bound:g}",
                f"{value:.3f}" if value is not None else "-",
                "yes" if met else "NO",
            )
        console.print(table)
    for engine, version in result["versions"].items():
        console.print(f"{engine}: {version}")
    for note in result["notes"]:
        console.print(f"note: {note}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--logs", type=Path, default=None, help="normvio_logs folder")
    parser.add_argument("--devsets", type=Path, default=None, help="devsets folder")
    parser.add_argument("--level", type=int, default=2, choices=(0, 1, 2, 3, 4))
    parser.add_argument("--model-dir", type=Path, default=None, help="model dir (default: bundled)")
    parser.add_argument("--baseline-ref", default=None, help="git ref to compare with (e.g. HEAD)")
    parser.add_argument(
        "--baseline-model-dir", type=Path, default=None, help="model dir for the baseline ref"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip alt-profanity-check")
    parser.add_argument("--json", type=Path, default=None, help="also write figures as JSON")
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)
    result = run(args, console)
    if result is None:
        console.print("real-chat bench skipped: no normvio_logs, normvio_dev or conda_dev found")
        for note in ("pass --logs DIR / --devsets DIR", "see ../shared/devsets/README.md"):
            console.print(f"note: {note}")
        return 0
    render(result, console)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
