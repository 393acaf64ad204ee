"""One replay end to end: records + one or two variants (settings, model) -> runs -> summary."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from chatwarden.model import Model
from chatwarden.pipeline import AutoMod
from chatwarden.replay.compare import compare_runs
from chatwarden.replay.config import ReplaySettings
from chatwarden.replay.detection import NOT_SIMULATED as DETECTION_NOT_SIMULATED
from chatwarden.replay.modes import NOT_SIMULATED
from chatwarden.replay.records import ChatRecord, ParsedLog
from chatwarden.replay.run import DEFAULT_BATCH, Progress, ReplayRun, run_replay
from chatwarden.replay.summary import summarise_log, summarise_run


@dataclass(frozen=True)
class Variant:
    """What one side of a replay runs with. ``model`` None: the bundled model."""

    label: str
    settings: ReplaySettings = field(default_factory=ReplaySettings)
    model: Model | None = None
    #: how the report names the model (a path), else its version
    model_source: str = ""


def replay_records(
    records: Sequence[ChatRecord],
    variants: Sequence[Variant],
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    known_chatters: Collection[tuple[str, str]] = (),
) -> list[ReplayRun]:
    """Run every variant over the same records (``progress`` counts records of all runs);
    ``known_chatters``: ``(channel, user_id)`` of senders who chatted before the records."""
    runs = []
    for v in variants:
        automod = AutoMod(v.settings.automod, model=v.model)
        runs.append(
            run_replay(
                records,
                automod,
                v.settings.modes,
                label=v.label,
                detection=v.settings.detection,
                known_chatters=known_chatters,
                batch_size=batch_size,
                progress=progress,
                context=v.settings.context.enabled,
            )
        )
    return runs


def not_simulated(variants: Sequence[Variant]) -> list[str]:
    """What this replay leaves out, honestly (the chat rules' and detection's gaps)."""
    out = list(NOT_SIMULATED)
    off = [v.label for v in variants if not v.settings.detection.enabled]
    if off:
        out.append(f"proactive detection in {', '.join(off)} (turned off in its settings)")
    if len(off) < len(variants):
        out.extend(DETECTION_NOT_SIMULATED)
    return out


def build_summary(
    log: ParsedLog,
    runs: Sequence[ReplayRun],
    variants: Sequence[Variant],
    *,
    source: str = "",
    samples: int = 25,
    reveal_private: bool = True,
) -> dict[str, Any]:
    """The JSON summary (and the report's only input): the log, each run, the comparison."""
    span = None
    if log.records:
        times = [r.time for r in log.records]
        span = (min(times), max(times))
    out: dict[str, Any] = {
        "source": source,
        "log": summarise_log(log),
        "runs": [],
        "comparison": None,
        "not_simulated": not_simulated(variants),
    }
    for run, variant in zip(runs, variants, strict=True):
        summary = summarise_run(
            run,
            source=variant.settings.source,
            samples=samples,
            reveal_private=reveal_private,
            span=span,
        )
        if variant.model_source:
            summary["model"] = variant.model_source
        out["runs"].append(summary)
    if len(runs) == 2:
        out["comparison"] = compare_runs(
            runs[0], runs[1], samples=samples * 2, reveal_private=reveal_private
        )
    return out
