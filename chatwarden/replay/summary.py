"""Aggregates of one replay: counts, categories, terms, a timeline and samples (JSON-ready)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from chatwarden.replay.records import ParsedLog
from chatwarden.replay.run import ACTIONS, Outcome, ReplayRun

#: bucket widths a timeline may use; the smallest giving at most MAX_BUCKETS buckets wins
BUCKETS_S = (60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400)
MAX_BUCKETS = 120
PRIVATE = "(private term)"


def triggers(outcome: Outcome, *, reveal_private: bool = True) -> list[str]:
    """The words (lower-cased) that triggered a hold or block: the words behind each category
    and the text each blocked term matched; a private term's words stay hidden unless
    ``reveal_private``."""
    if outcome.decision is None:
        return []
    out: list[str] = []
    for reason in outcome.decision.reasons:
        if reason.term_private and not reveal_private:
            out.append(PRIVATE)
            continue
        out.extend(w.casefold() for w in reason.words)
    return out


def timeline(outcomes: list[Outcome], start: datetime, end: datetime) -> dict[str, Any]:
    """Counts per action in equal time buckets from ``start`` to ``end``."""
    span = max((end - start).total_seconds(), 1.0)
    width = next((w for w in BUCKETS_S if span / w <= MAX_BUCKETS), BUCKETS_S[-1])
    origin = datetime.fromtimestamp(start.timestamp() // width * width, UTC)
    count = int((end - origin).total_seconds() // width) + 1
    buckets = [dict.fromkeys(ACTIONS, 0) for _ in range(count)]
    for o in outcomes:
        index = int((o.record.time - origin).total_seconds() // width)
        buckets[min(max(index, 0), count - 1)][o.action] += 1
    return {
        "bucket_s": width,
        "starts": [(origin + timedelta(seconds=width * i)).isoformat() for i in range(count)],
        "counts": {a: [b[a] for b in buckets] for a in ACTIONS},
    }


def summarise_run(
    run: ReplayRun,
    *,
    source: str = "",
    samples: int = 25,
    top: int = 20,
    reveal_private: bool = True,
    span: tuple[datetime, datetime] | None = None,
) -> dict[str, Any]:
    """The aggregates of one run (see docs/replay.md for every field)."""
    held_by_category: Counter[str] = Counter()
    blocked_terms: Counter[str] = Counter()
    rejected_by_rule: Counter[str] = Counter()
    words: Counter[str] = Counter()
    exempt = 0
    recorded = Counter[str]()
    recorded_detection = Counter[str]()
    differences: list[dict[str, Any]] = []
    for o in run.outcomes:
        if o.rule is not None:
            rejected_by_rule[o.rule] += 1
        if o.decision is not None:
            exempt += o.decision.exempt
            for reason in o.decision.reasons:
                if reason.category is not None:
                    held_by_category[str(reason.category)] += 1
                elif reason.term_private and not reveal_private:
                    blocked_terms[PRIVATE] += 1
                elif reason.term is not None:
                    blocked_terms[reason.term] += 1
            words.update(triggers(o, reveal_private=reveal_private))
        if o.record.recorded is not None:
            recorded["with_recorded"] += 1
            same = o.record.recorded == o.action
            recorded["agree" if same else "differ"] += 1
            if not same and len(differences) < samples:
                differences.append(o.to_dict(reveal_private=reveal_private))
        if o.record.recorded_detection is not None and o.action != "rejected":
            effect = o.detection.effect if o.detection is not None else "none"
            recorded_detection["with_recorded"] += 1
            recorded_detection["agree" if effect == o.record.recorded_detection else "differ"] += 1
    flagged = [o for o in run.outcomes if o.action in ("hold", "block")]
    out: dict[str, Any] = {
        "label": run.label,
        "settings": source,
        "settings_version": run.settings_version,
        "model_version": run.model_version,
        "modes": run.modes.simulated(),
        "messages": len(run.outcomes),
        "counts": run.counts(),
        "rejected_by_rule": dict(rejected_by_rule.most_common()),
        "held_by_category": dict(held_by_category.most_common()),
        "blocked_terms": dict(blocked_terms.most_common(top)),
        "top_triggers": [[w, n] for w, n in words.most_common(top)],
        "exempt": exempt,
        "samples": [o.to_dict(reveal_private=reveal_private) for o in flagged[:samples]],
    }
    out["detection"] = detection_summary(run)
    if recorded:
        out["recorded"] = {k: recorded[k] for k in ("with_recorded", "agree", "differ")}
        out["recorded_differences"] = differences
    if recorded_detection:
        out["recorded_detection"] = {
            k: recorded_detection[k] for k in ("with_recorded", "agree", "differ")
        }
    if run.outcomes:
        start, end = span or _span(run)
        out["timeline"] = timeline(run.outcomes, start, end)
    return out


def detection_summary(run: ReplayRun) -> dict[str, Any]:
    """What proactive detection did in one run: effects, detectors, codes and raid alerts."""
    effects: Counter[str] = Counter()
    detectors: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    decided = removed = 0
    for o in run.outcomes:
        removed += o.removed_later
        d = o.detection
        if d is None:
            continue
        effects[d.effect] += 1
        detectors.update(d.detectors)
        codes.update(d.codes())
        decided += o.by_detection
    return {
        "enabled": run.detection.enabled,
        "effects": {e: effects[e] for e in ("flag", "hold", "delete", "timeout")},
        "decided": decided,
        "removed_later": removed,
        "consequences": dict(run.consequences),
        "by_detector": dict(detectors.most_common()),
        "by_code": dict(codes.most_common()),
        "raid_alerts": [
            {"channel": channel, "explanation": a.explanation, "code": a.code}
            for channel, a in run.alerts
        ],
    }


def _span(run: ReplayRun) -> tuple[datetime, datetime]:
    times = [o.record.time for o in run.outcomes]
    return min(times), max(times)


def summarise_log(log: ParsedLog, *, problems: int = 50) -> dict[str, Any]:
    """How the log was read: format, lines, records, and the first ``problems`` problems."""
    return {
        "format": log.format,
        "lines": log.total,
        "records": len(log.records),
        "blank_lines": log.blank_lines,
        "other_lines": log.other_lines,
        "problems": log.problem_count,
        "problem_reasons": log.problem_reasons(),
        "first_problems": [p.to_dict() for p in log.problems[:problems]],
    }
