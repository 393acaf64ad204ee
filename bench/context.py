"""Context-aware scoring vs message-only, on real Twitch moderation (issue 14), same run.

Reads ``../shared/devsets/normvio_dev_context.jsonl`` (each row a message with the sender's
earlier lines, ``user_history``, and the channel's lines before it, ``chat_before``), scores
every row's text with the shipped engine (``AutoMod.check_batch``, overall level 2, the
harm score as in ``bench/real_chat.py``), then with its context (``chatwarden.context``:
the engine's harm of each earlier line of the sender's feeds the escalation signal; the
channel name is the broadcaster), and prints, message-only vs with context:

- ROC AUC for every violation (``label``) vs the unmoderated rows (context: ``risk``);
- ROC AUC for the harm violations (harassment, incivility, hate_discrimination, sexual,
  self_harm) vs the unmoderated rows (context: ``harm``; ``risk`` shown beside it);
- the gains against the issue's targets (+0.08 all, +0.05 harm), met yes/no;
- AUC per violation type, how often each signal fires, and a few explanations.

The context's weights are hand-set (``chatwarden/context/score.py``); the devset is
evaluation only: never train or tune on it (``../shared/devsets/README.md``).

    python -m bench.context                       # about half a minute
    python -m bench.context --devsets DIR --examples 8 --json out.json

Exits 0 and says so when the devset is not there.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from bench.real_chat import BATCH
from chatwarden import AutoMod, AutoModSettings
from chatwarden.context import ChatLine, Context, ContextScore, OwnMessage, score_decision
from chatwarden.context.score import WEIGHTS
from chatwarden.decision import Decision
from chatwarden.training.evalsets import HARM_VIOLATIONS, find_devsets
from chatwarden.training.metrics import roc_auc

FILE: Final = "normvio_dev_context.jsonl"
#: the harm violations of the brief: the README's four plus self_harm (6 rows)
HARM: Final = HARM_VIOLATIONS | {"self_harm"}
#: issue 14's targets: AUC gain from context
TARGETS: Final = (("all violations", 0.08), ("harm violations", 0.05))


@dataclass(frozen=True, slots=True)
class Row:
    """One devset row: its label, violation type, text and context."""

    label: int
    violation: str
    text: str
    context: Context
    history: tuple[str, ...]


def load_rows(path: Path) -> list[Row]:
    """Every row of the context devset, its context as ``chatwarden.context`` facts (harm of
    the earlier lines filled in later)."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            raw = json.loads(line)
            history = tuple(str(h["text"]) for h in raw.get("user_history") or ())
            chat = tuple(
                ChatLine(str(c["user"]), str(c["text"]), float(c["seconds_before"]))
                for c in raw.get("chat_before") or ()
            )
            rows.append(
                Row(
                    label=int(raw["label"]),
                    violation=str(raw.get("violation") or "unmoderated"),
                    text=str(raw["text"]),
                    context=Context(
                        user=raw.get("user"),
                        history=tuple(
                            OwnMessage(str(h["text"]), float(h["seconds_before"]))
                            for h in raw.get("user_history") or ()
                        ),
                        chat_before=chat,
                        broadcaster=raw.get("channel"),
                    ),
                    history=history,
                )
            )
    return rows


def decide(texts: Sequence[str], level: int) -> tuple[dict[str, Decision], str]:
    """The shipped engine's decision on each distinct text, and its model version."""
    automod = AutoMod(AutoModSettings.model_validate({"overall_level": level}))
    out: dict[str, Decision] = {}
    for start in range(0, len(texts), BATCH):
        chunk = texts[start : start + BATCH]
        for text, d in zip(chunk, automod.check_batch(chunk), strict=True):
            out[text] = d
    return out, automod.model.version


def with_harm(ctx: Context, decisions: dict[str, Decision]) -> Context:
    """``ctx`` with the engine's harm on each of the sender's earlier lines (as live chat has
    it stored with each message)."""
    history = tuple(
        OwnMessage(m.text, m.seconds_before, decisions[m.text].harm) for m in ctx.history
    )
    return Context(
        user=ctx.user,
        history=history,
        record=ctx.record,
        chat_before=ctx.chat_before,
        reply_to=ctx.reply_to,
        broadcaster=ctx.broadcaster,
        moderators=ctx.moderators,
    )


def _auc(rows: Sequence[Row], scores: Sequence[float], keep: set[str] | None) -> float | None:
    """AUC of the rows whose violation is in ``keep`` (all violations if ``None``) vs the
    unmoderated rows."""
    idx = [
        i
        for i, r in enumerate(rows)
        if r.label == 0 or (r.label == 1 and (keep is None or r.violation in keep))
    ]
    return roc_auc([rows[i].label for i in idx], [scores[i] for i in idx])


def run(args: argparse.Namespace) -> dict[str, Any] | None:
    devsets = find_devsets(args.devsets)
    if devsets is None or not (devsets / FILE).is_file():
        return None
    rows = load_rows(devsets / FILE)
    texts = list(dict.fromkeys([r.text for r in rows] + [h for r in rows for h in r.history]))
    t0 = time.perf_counter()
    decisions, version = decide(texts, args.level)
    t_engine = time.perf_counter() - t0
    t0 = time.perf_counter()
    scored: list[ContextScore] = [
        score_decision(decisions[r.text], with_harm(r.context, decisions)) for r in rows
    ]
    t_context = time.perf_counter() - t0
    message = [decisions[r.text].harm for r in rows]
    risk = [s.risk for s in scored]
    harm = [s.harm for s in scored]
    figures = {
        "all violations": {
            "message": _auc(rows, message, None),
            "context": _auc(rows, risk, None),
            "score": "risk",
        },
        "harm violations": {
            "message": _auc(rows, message, set(HARM)),
            "context": _auc(rows, harm, set(HARM)),
            "score": "harm",
            "context_risk": _auc(rows, risk, set(HARM)),
        },
        "harm violations (README's four, no self_harm)": {
            "message": _auc(rows, message, set(HARM_VIOLATIONS)),
            "context": _auc(rows, harm, set(HARM_VIOLATIONS)),
            "score": "harm",
        },
    }
    counts = Counter(r.violation for r in rows)
    per_violation = {
        v: {
            "rows": n,
            "message": _auc(rows, message, {v}),
            "context": _auc(rows, risk, {v}),
        }
        for v, n in counts.most_common()
        if v != "unmoderated"
    }
    fired: dict[str, list[int]] = {name: [0, 0] for name in WEIGHTS}
    for r, s in zip(rows, scored, strict=True):
        for sig in s.signals:
            fired[sig.name][r.label] += 1
    positives = sum(r.label for r in rows)
    return {
        "rows": len(rows),
        "positives": positives,
        "negatives": len(rows) - positives,
        "level": args.level,
        "model": version,
        "seconds": {"engine": t_engine, "context": t_context, "texts": len(texts)},
        "figures": figures,
        "per_violation": per_violation,
        "signals": {k: {"moderated": v[1], "unmoderated": v[0]} for k, v in fired.items()},
        "examples": _examples(rows, scored, message, args.examples),
        "devsets": str(devsets),
    }


def _examples(
    rows: Sequence[Row], scored: Sequence[ContextScore], message: Sequence[float], n: int
) -> list[dict[str, Any]]:
    """The ``n`` moderated rows context raised most, then the ``n // 2`` unmoderated rows it
    raised most (its false alarms) and lowered most."""
    moved = [(scored[i].risk - message[i], i) for i in range(len(rows)) if scored[i].explanations]
    pos = sorted((m for m in moved if rows[m[1]].label == 1), reverse=True)[:n]
    neg_up = sorted((m for m in moved if rows[m[1]].label == 0), reverse=True)[: n // 2]
    neg_down = sorted(m for m in moved if rows[m[1]].label == 0 and m[0] < 0)[: n // 2]
    out = []
    for _, i in pos + neg_up + neg_down:
        out.append(
            {
                "violation": rows[i].violation,
                "text": rows[i].text[:80],
                "message": message[i],
                "risk": scored[i].risk,
                "explanations": list(scored[i].explanations),
            }
        )
    return out


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _gain(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def render(result: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"{FILE}: {result['rows']:,} rows, {result['positives']:,} moderated, "
        f"{result['negatives']:,} unmoderated; ROC AUC, message-only vs with context"
    )
    for col in ("violations vs unmoderated", "message-only", "with context", "context score"):
        table.add_column(col, justify="left" if col.startswith("viol") else "right")
    table.add_column("gain", justify="right")
    for name, f in result["figures"].items():
        gain = _gain(f["message"], f["context"])
        table.add_row(
            name,
            _f(f["message"]),
            _f(f["context"]),
            f["score"],
            "-" if gain is None else f"{gain:+.3f}",
        )
        if "context_risk" in f:
            gain = _gain(f["message"], f["context_risk"])
            table.add_row(
                f"{name}, scored by risk",
                _f(f["message"]),
                _f(f["context_risk"]),
                "risk",
                "-" if gain is None else f"{gain:+.3f}",
            )
    console.print(table)

    table = Table(title="Targets (issue 14: AUC gain from context)")
    for col in ("target", "gain", "met"):
        table.add_column(col)
    for name, bound in TARGETS:
        f = result["figures"][name]
        gain = _gain(f["message"], f["context"])
        table.add_row(
            f"{name}: +{bound:.2f}",
            "-" if gain is None else f"{gain:+.3f}",
            "yes" if gain is not None and gain >= bound else "NO",
        )
    console.print(table)

    table = Table(title="Per violation type vs unmoderated (context score: risk)")
    for col in ("violation", "rows", "message-only", "with context", "gain"):
        table.add_column(col, justify="left" if col == "violation" else "right")
    for v, f in result["per_violation"].items():
        gain = _gain(f["message"], f["context"])
        table.add_row(
            v,
            str(f["rows"]),
            _f(f["message"]),
            _f(f["context"]),
            "-" if gain is None else f"{gain:+.3f}",
        )
    console.print(table)

    table = Table(title="How often each signal fires (share of rows)")
    for col in ("signal", "weight risk/harm (nats)", "moderated", "unmoderated"):
        table.add_column(col, justify="left" if col == "signal" else "right")
    for name, f in result["signals"].items():
        w = WEIGHTS[name]
        table.add_row(
            name,
            f"{w.risk:+.1f} / {w.harm:+.1f}",
            f"{f['moderated'] / result['positives']:.1%}",
            f"{f['unmoderated'] / result['negatives']:.1%}",
        )
    console.print(table)

    table = Table(title="Examples: moderated rows context raised most, then unmoderated ones")
    for col in ("violation", "text", "message", "context", "explanations"):
        table.add_column(col, justify="right" if col in ("message", "context") else "left")
    for e in result["examples"]:
        table.add_row(
            e["violation"],
            e["text"],
            f"{e['message']:.2f}",
            f"{e['risk']:.2f}",
            "; ".join(e["explanations"]),
        )
    console.print(table)
    s = result["seconds"]
    console.print(
        f"model {result['model']}, overall level {result['level']}; engine {s['engine']:.1f} s "
        f"on {s['texts']:,} distinct texts (rows and earlier lines), context {s['context']:.1f} s"
    )
    console.print(
        f"note: {result['devsets']}/{FILE} is evaluation only; the context weights are hand-set "
        "(chatwarden/context/score.py), never tuned on it"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--devsets", type=Path, default=None, help="devsets folder")
    parser.add_argument("--level", type=int, default=2, choices=(0, 1, 2, 3, 4))
    parser.add_argument("--examples", type=int, default=6, help="examples to show")
    parser.add_argument("--json", type=Path, default=None, help="also write figures as JSON")
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    result = run(args)
    if result is None:
        console.print(f"context bench skipped: {FILE} not found (pass --devsets DIR)")
        return 0
    render(result, console)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
