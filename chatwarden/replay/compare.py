"""Two replays of the same log side by side: which messages' outcomes differ, and how."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chatwarden.replay.run import Outcome, ReplayRun

#: how strict an outcome is: a change up this order is "stricter"
RANK = {"allow": 0, "hold": 1, "block": 2, "rejected": 3}


def _side(o: Outcome, reveal_private: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"action": o.action}
    if o.rule is not None:
        out["rule"] = o.rule
    if o.decision is not None:
        out["reasons"] = [r.to_dict(reveal_private=reveal_private) for r in o.decision.reasons]
        out["harm"] = round(float(o.decision.harm), 4)
    return out


def compare_runs(
    a: ReplayRun, b: ReplayRun, *, samples: int = 50, reveal_private: bool = True
) -> dict[str, Any]:
    """Counts of changed outcomes (by transition and by category) and samples of them."""
    if len(a.outcomes) != len(b.outcomes):
        raise ValueError("the two runs must replay the same records")
    transitions: Counter[str] = Counter()
    by_category: dict[str, Counter[str]] = {}
    stricter = looser = 0
    differing: list[tuple[Outcome, Outcome]] = []
    for oa, ob in zip(a.outcomes, b.outcomes, strict=True):
        cats_a, cats_b = set(oa.categories()), set(ob.categories())
        for cat in cats_a | cats_b:
            c = by_category.setdefault(cat, Counter())
            c["a"] += cat in cats_a
            c["b"] += cat in cats_b
            c["only_a"] += cat in cats_a and cat not in cats_b
            c["only_b"] += cat in cats_b and cat not in cats_a
        if oa.action == ob.action:
            continue
        transitions[f"{oa.action}->{ob.action}"] += 1
        if RANK[ob.action] > RANK[oa.action]:
            stricter += 1
        else:
            looser += 1
        differing.append((oa, ob))
    chosen = _spread(differing, samples)
    return {
        "a": a.label,
        "b": b.label,
        "messages": len(a.outcomes),
        "differ": len(differing),
        "stricter_in_b": stricter,
        "looser_in_b": looser,
        "transitions": dict(transitions.most_common()),
        "by_category": {
            cat: {k: c[k] for k in ("a", "b", "only_a", "only_b")}
            for cat, c in sorted(by_category.items(), key=lambda kv: -kv[1]["a"] - kv[1]["b"])
        },
        "samples": [
            {
                **oa.record.to_dict(),
                "a": _side(oa, reveal_private),
                "b": _side(ob, reveal_private),
            }
            for oa, ob in chosen
        ],
    }


def _spread(pairs: list[tuple[Outcome, Outcome]], limit: int) -> list[tuple[Outcome, Outcome]]:
    """Up to ``limit`` pairs, taking from every kind of change in turn (log order kept)."""
    groups: dict[str, list[int]] = {}
    for i, (oa, ob) in enumerate(pairs):
        groups.setdefault(f"{oa.action}->{ob.action}", []).append(i)
    picked: list[int] = []
    queues = [list(reversed(g)) for g in groups.values()]
    while len(picked) < limit and any(queues):
        for q in queues:
            if q and len(picked) < limit:
                picked.append(q.pop())
    return [pairs[i] for i in sorted(picked)]
