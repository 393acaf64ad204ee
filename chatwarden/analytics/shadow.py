"""Shadow mode scoring: how often a candidate policy disagrees with the live one, and how well
each agrees with what the moderators decided (pure; no I/O). Definitions: docs/analytics.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["harmful", "acceptable"]

#: actions that keep a message out of chat ("flagged")
FLAGGING = frozenset({"hold", "block"})


def moderator_verdict(initial_status: str, status: str) -> Verdict | None:
    """What the moderators said about a stored message, from its statuses.

    ``harmful``: a held message they denied, or any message they deleted.
    ``acceptable``: a held message they allowed (held, now delivered).
    None: nobody judged it (an allowed message left alone, a hold that expired or is pending).
    """
    if status in ("denied", "deleted"):
        return "harmful"
    if initial_status == "held" and status == "delivered":
        return "acceptable"
    return None


def agrees(action: str, verdict: Verdict) -> bool:
    """A policy agrees with a verdict when it flags (holds or blocks) exactly the harmful."""
    return (action in FLAGGING) == (verdict == "harmful")


@dataclass(frozen=True, slots=True)
class ShadowFact:
    """One evaluated message: the live action, the candidate's action, the moderators' verdict."""

    live_action: str
    candidate_action: str
    verdict: Verdict | None = None


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


@dataclass(frozen=True)
class ShadowSummary:
    evaluated: int
    disagreements: int
    candidate_stricter: int
    candidate_looser: int
    judged: int
    live_agrees: int
    candidate_agrees: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluated": self.evaluated,
            "disagreements": self.disagreements,
            "disagreement_rate": _ratio(self.disagreements, self.evaluated),
            "candidate_stricter": self.candidate_stricter,
            "candidate_looser": self.candidate_looser,
            "judged": self.judged,
            "live_agrees": self.live_agrees,
            "candidate_agrees": self.candidate_agrees,
            "live_agreement": _ratio(self.live_agrees, self.judged),
            "candidate_agreement": _ratio(self.candidate_agrees, self.judged),
        }


def summarise(facts: Iterable[ShadowFact]) -> ShadowSummary:
    """``disagreements``: the two actions differ (allow/hold/block). ``candidate_stricter``:
    the candidate flags a message the live policy let through; ``candidate_looser`` the
    reverse. Agreement is counted over the ``judged`` messages (those with a verdict)."""
    evaluated = disagreements = stricter = looser = judged = live_ok = cand_ok = 0
    for fact in facts:
        evaluated += 1
        if fact.live_action != fact.candidate_action:
            disagreements += 1
        live_flags = fact.live_action in FLAGGING
        cand_flags = fact.candidate_action in FLAGGING
        stricter += cand_flags and not live_flags
        looser += live_flags and not cand_flags
        if fact.verdict is not None:
            judged += 1
            live_ok += agrees(fact.live_action, fact.verdict)
            cand_ok += agrees(fact.candidate_action, fact.verdict)
    return ShadowSummary(evaluated, disagreements, stricter, looser, judged, live_ok, cand_ok)
