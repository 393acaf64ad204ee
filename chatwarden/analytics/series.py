"""Minute roll-ups combined into a time series at a resolution, with the derived metrics
(pure; no I/O). Every ratio is None where its denominator is 0 (a gap in a chart, not a 0).
Definitions: docs/analytics.md.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

from chatwarden.analytics.rollup import MinuteRollup
from chatwarden.categories import CATEGORIES

Resolution = Literal["minute", "hour", "day"]
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)
STEP: dict[Resolution, timedelta] = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
}
#: the most buckets one query may return (a week of minutes)
MAX_BUCKETS = 7 * 24 * 60


def floor_to(ts: datetime, resolution: Resolution) -> datetime:
    """The start of the bucket holding ``ts`` (UTC)."""
    ts = ts.astimezone(UTC).replace(second=0, microsecond=0)
    if resolution == "minute":
        return ts
    ts = ts.replace(minute=0)
    return ts if resolution == "hour" else ts.replace(hour=0)


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``p`` % of the values at or
    below it (``sorted_values[ceil(p/100 * n) - 1]``); None for no values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return float(sorted_values[rank - 1])


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


@dataclass
class Bucket:
    """The sums of the minute roll-ups in ``[start, start + step)``."""

    start: datetime
    minutes: int
    messages: int = 0
    chatter_minutes: int = 0
    repeated: int = 0
    entropy_sum: float = 0.0
    emote_only: int = 0
    allowed: int = 0
    held: int = 0
    blocked: int = 0
    category_findings: dict[str, int] = field(default_factory=dict)
    held_by_category: dict[str, int] = field(default_factory=dict)
    resolved_allowed: int = 0
    resolved_denied: int = 0
    expired: int = 0
    decision_seconds: list[float] = field(default_factory=list)
    mod_actions: int = 0
    mod_actions_by_actor: dict[str, int] = field(default_factory=dict)
    first_time_chatters: int = 0
    returned_chatters: int = 0
    raid_events: int = 0
    bot_wave_events: int = 0

    def add(self, row: MinuteRollup) -> None:
        self.messages += row.messages
        self.chatter_minutes += row.chatters
        self.repeated += row.repeated
        self.entropy_sum += row.entropy_sum
        self.emote_only += row.emote_only
        self.allowed += row.allowed
        self.held += row.held
        self.blocked += row.blocked
        _add_counts(self.category_findings, row.category_findings)
        _add_counts(self.held_by_category, row.held_by_category)
        self.resolved_allowed += row.resolved_allowed
        self.resolved_denied += row.resolved_denied
        self.expired += row.expired
        self.decision_seconds.extend(row.decision_seconds)
        self.mod_actions += row.mod_actions
        _add_counts(self.mod_actions_by_actor, row.mod_actions_by_actor)
        self.first_time_chatters += row.first_time_chatters
        self.raid_events += row.raid_events
        self.bot_wave_events += row.bot_wave_events

    # -- derived metrics ---------------------------------------------------------------------

    def metrics(self, actor_names: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The bucket as JSON-ready metrics (``actor_names`` maps moderator ids to names)."""
        names = actor_names or {}
        seconds = sorted(self.decision_seconds)
        resolved = self.resolved_allowed + self.resolved_denied
        return {
            "start": self.start.isoformat(),
            "minutes": self.minutes,
            "messages": self.messages,
            "messages_per_min": self.messages / self.minutes,
            "chatters_per_min": self.chatter_minutes / self.minutes,
            "messages_per_chatter": _ratio(self.messages, self.chatter_minutes),
            "repetition_ratio": _ratio(self.repeated, self.messages),
            "entropy_bits_per_char": _ratio(self.entropy_sum, self.messages),
            "emote_only_share": _ratio(self.emote_only, self.messages),
            "allowed": self.allowed,
            "held": self.held,
            "blocked": self.blocked,
            "held_rate": _ratio(self.held, self.messages),
            "blocked_rate": _ratio(self.blocked, self.messages),
            "harm_rate": {
                cat: _ratio(self.category_findings.get(cat, 0), self.messages) for cat in CATEGORIES
            },
            "held_by_category": {cat: self.held_by_category.get(cat, 0) for cat in CATEGORIES},
            "resolved_allowed": self.resolved_allowed,
            "resolved_denied": self.resolved_denied,
            "expired": self.expired,
            "hold_precision": _ratio(self.resolved_denied, resolved),
            "allow_deny_ratio": _ratio(self.resolved_allowed, self.resolved_denied),
            "decision_median_s": statistics.median(seconds) if seconds else None,
            "decision_p90_s": percentile(seconds, 90),
            "mod_actions": self.mod_actions,
            "mod_actions_per_min": {
                names.get(actor, actor): count / self.minutes
                for actor, count in sorted(self.mod_actions_by_actor.items())
            },
            "first_time_chatters": self.first_time_chatters,
            "returned_chatters": self.returned_chatters,
            "raid_events": self.raid_events,
            "bot_wave_events": self.bot_wave_events,
        }


def _add_counts(into: dict[str, int], more: Mapping[str, int]) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) + value


def bucket_starts(start: datetime, end: datetime, resolution: Resolution) -> list[datetime]:
    """Bucket starts covering ``[start, end)`` (``start`` floored to the resolution)."""
    step = STEP[resolution]
    first = floor_to(start, resolution)
    count = max(0, math.ceil((end - first) / step))
    return [first + i * step for i in range(count)]


def build_series(
    rows: Iterable[MinuteRollup],
    start: datetime,
    end: datetime,
    resolution: Resolution,
    *,
    returned: Mapping[datetime, int] | None = None,
) -> list[Bucket]:
    """One bucket per step in ``[start, end)``, empty ones included; ``returned`` maps a
    bucket start to the first-time chatters of that bucket who came back."""
    starts = bucket_starts(start, end, resolution)
    minutes = int(STEP[resolution] / timedelta(minutes=1))
    buckets = {s: Bucket(start=s, minutes=minutes) for s in starts}
    for row in rows:
        bucket = buckets.get(floor_to(row.minute, resolution))
        if bucket is not None:
            bucket.add(row)
    for when, count in (returned or {}).items():
        bucket = buckets.get(floor_to(when, resolution))
        if bucket is not None:
            bucket.returned_chatters += count
    return [buckets[s] for s in starts]


def flatten(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """One flat record for CSV/Parquet: nested maps become ``name.key`` columns."""
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, Mapping):
            for sub, subvalue in value.items():
                flat[f"{key}.{sub}"] = subvalue
        else:
            flat[key] = value
    return flat


def flat_columns(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The union of the records' columns, in first-seen order."""
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    return list(columns)
