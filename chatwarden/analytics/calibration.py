"""Team calibration: where a channel's moderators disagree, and who carries the load.

Moderators calibrate as a team: they review incidents afterwards and settle, together, how the
channel treats a kind of message. This module finds what is worth settling, from what the team
already did, and leaves the settling to people (a lead moderator turns a settled disagreement
into a channel rule); it never averages decisions away.

- A **split**: two held messages with near-identical text (word sets with a Jaccard similarity
  of at least ``SIMILAR``, after ``text.normalise``) that moderators decided differently, one
  allowed and one denied. The same moderator deciding both ways counts: it is a calibration
  question too.
- A **reversal**: a held message a moderator allowed, whose sender a moderator then timed out or
  banned within ``REVERSAL_WINDOW_S``: the allow may have been wrong, or the later action
  unrelated; the team decides which.
- **Workload** per moderator: held messages decided (allowed, denied), user actions taken
  (warnings, timeouts, bans, deletions), and the median time from hold to decision.

Pure: typed facts in, a report out; the service reads the facts from the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from chatwarden.analytics.series import percentile
from chatwarden.analytics.text import normalise

#: word-set Jaccard similarity that makes two held messages "near-identical"
SIMILAR = 0.8
#: an allow followed by a timeout or ban of the same sender this soon is a reversal
REVERSAL_WINDOW_S = 600
#: the most disagreements a report lists (newest first)
MAX_DISAGREEMENTS = 50

Verdict = Literal["allowed", "denied"]


@dataclass(frozen=True, slots=True)
class DecidedHold:
    """A held message a moderator allowed or denied."""

    item_id: int
    message_id: str
    sender_id: int
    sender_name: str
    text: str
    verdict: Verdict
    moderator_id: int
    moderator_name: str
    held_at: datetime
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class UserAction:
    """A moderator's action on a user: ``warn``, ``timeout``, ``ban`` or ``delete``."""

    action: str
    target_user_id: int | None
    moderator_id: int
    moderator_name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One thing for the team to settle, with the sentence a moderator reads."""

    kind: Literal["split", "reversal"]
    first: DecidedHold
    second: DecidedHold | None  # the other decision of a split
    action: UserAction | None  # the later action of a reversal
    explanation: str

    @property
    def at(self) -> datetime:
        """When it became a disagreement: the later of its two events."""
        if self.second is not None:
            return max(self.first.decided_at, self.second.decided_at)
        assert self.action is not None
        return self.action.at


@dataclass(frozen=True, slots=True)
class Workload:
    """One moderator's share of the work."""

    moderator_id: int
    moderator_name: str
    allowed: int = 0
    denied: int = 0
    actions: int = 0
    median_decision_s: float | None = None

    @property
    def decisions(self) -> int:
        return self.allowed + self.denied


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    disagreements: tuple[Disagreement, ...] = ()
    workload: tuple[Workload, ...] = field(default=())


def words(text: str) -> frozenset[str]:
    """The word set two messages are compared by."""
    return frozenset(normalise(text).split())


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two word sets (two empty sets: 0, nothing to compare)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def splits(decided: Sequence[DecidedHold]) -> list[Disagreement]:
    """Pairs of near-identical held messages decided both ways (each denied message paired
    with its most similar allowed one, so one contested phrase is listed once per denial)."""
    allowed = [(d, words(d.text)) for d in decided if d.verdict == "allowed"]
    out = []
    for denied in (d for d in decided if d.verdict == "denied"):
        mine = words(denied.text)
        best: tuple[float, DecidedHold] | None = None
        for other, theirs in allowed:
            score = similarity(mine, theirs)
            if score >= SIMILAR and (best is None or score > best[0]):
                best = (score, other)
        if best is None:
            continue
        other = best[1]
        who = (
            f"{other.moderator_name} allowed it and {denied.moderator_name} denied it"
            if other.moderator_id != denied.moderator_id
            else f"{denied.moderator_name} allowed one and denied the other"
        )
        out.append(
            Disagreement(
                "split",
                denied,
                other,
                None,
                f"near-identical messages decided both ways: {who}",
            )
        )
    return out


def reversals(decided: Sequence[DecidedHold], actions: Sequence[UserAction]) -> list[Disagreement]:
    """Allowed holds whose sender was timed out or banned within ``REVERSAL_WINDOW_S``."""
    by_target: dict[int, list[UserAction]] = defaultdict(list)
    for act in actions:
        if act.action in ("timeout", "ban") and act.target_user_id is not None:
            by_target[act.target_user_id].append(act)
    out = []
    for d in decided:
        if d.verdict != "allowed":
            continue
        later = [
            a
            for a in by_target.get(d.sender_id, ())
            if 0 <= (a.at - d.decided_at).total_seconds() <= REVERSAL_WINDOW_S
        ]
        if not later:
            continue
        first = min(later, key=lambda a: a.at)
        minutes = max(1, round((first.at - d.decided_at).total_seconds() / 60))
        verb = "timed out" if first.action == "timeout" else "banned"
        out.append(
            Disagreement(
                "reversal",
                d,
                None,
                first,
                f"{d.moderator_name} allowed it; {first.moderator_name} {verb} "
                f"{d.sender_name} {minutes} min later",
            )
        )
    return out


def workload(decided: Sequence[DecidedHold], actions: Sequence[UserAction]) -> list[Workload]:
    """Each moderator's decisions, actions and median time to decision, busiest first."""
    names: dict[int, str] = {}
    allowed: dict[int, int] = defaultdict(int)
    denied: dict[int, int] = defaultdict(int)
    acted: dict[int, int] = defaultdict(int)
    waits: dict[int, list[float]] = defaultdict(list)
    for d in decided:
        names[d.moderator_id] = d.moderator_name
        if d.verdict == "allowed":
            allowed[d.moderator_id] += 1
        else:
            denied[d.moderator_id] += 1
        waits[d.moderator_id].append(max(0.0, (d.decided_at - d.held_at).total_seconds()))
    for a in actions:
        names[a.moderator_id] = a.moderator_name
        acted[a.moderator_id] += 1
    rows = [
        Workload(
            mod,
            name,
            allowed[mod],
            denied[mod],
            acted[mod],
            percentile(sorted(waits[mod]), 50),
        )
        for mod, name in names.items()
    ]
    rows.sort(key=lambda w: (-(w.decisions + w.actions), w.moderator_name))
    return rows


def calibrate(decided: Sequence[DecidedHold], actions: Sequence[UserAction]) -> CalibrationReport:
    """Disagreements (newest first, at most ``MAX_DISAGREEMENTS``) and workload."""
    found = splits(decided) + reversals(decided, actions)
    found.sort(key=lambda d: (d.at, d.first.item_id), reverse=True)
    return CalibrationReport(tuple(found[:MAX_DISAGREEMENTS]), tuple(workload(decided, actions)))
