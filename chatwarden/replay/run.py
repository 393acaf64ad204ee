"""Run a parsed log through the chat rules and the full AutoMod pipeline, without effects.

Nothing is sent, stored or banned: each record gets one ``Outcome`` (the chat rule that would
have rejected it, or AutoMod's ``Decision``). AutoMod runs with ``check_batch`` over batches of
the records that passed the rules, with each sender's role (so exemptions apply), in log order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from chatwarden.decision import Decision
from chatwarden.pipeline import AutoMod
from chatwarden.replay.modes import ChatModes, ModeSimulator
from chatwarden.replay.records import ChatRecord

OutcomeAction = Literal["allow", "hold", "block", "rejected"]
ACTIONS: tuple[OutcomeAction, ...] = ("allow", "hold", "block", "rejected")
DEFAULT_BATCH = 512


@dataclass(frozen=True, slots=True)
class Outcome:
    """What would have happened to one record."""

    record: ChatRecord
    action: OutcomeAction
    #: the chat rule that rejected it (``slow_mode``, ...), when ``action`` is ``rejected``
    rule: str | None = None
    decision: Decision | None = None

    def categories(self) -> tuple[str, ...]:
        if self.decision is None:
            return ()
        return tuple(str(r.category) for r in self.decision.reasons if r.category is not None)

    def to_dict(self, *, reveal_private: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {**self.record.to_dict(), "action": self.action}
        if self.rule is not None:
            out["rule"] = self.rule
        if self.decision is not None:
            d = self.decision
            out["reasons"] = [r.to_dict(reveal_private=reveal_private) for r in d.reasons]
            out["harm"] = round(float(d.harm), 4)
            out["exempt"] = d.exempt
        return out


@dataclass(frozen=True)
class ReplayRun:
    """The outcomes of one replay, in log order, and what produced them."""

    label: str
    outcomes: list[Outcome]
    model_version: str
    settings_version: str
    modes: ChatModes

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        for o in self.outcomes:
            out[o.action] += 1
        return out


Progress = Callable[[int], None]


def run_replay(
    records: Sequence[ChatRecord],
    automod: AutoMod,
    modes: ChatModes | None = None,
    *,
    label: str = "A",
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ReplayRun:
    """Replay ``records`` (in order). ``progress(n)`` is called after every ``n`` records."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    modes = modes if modes is not None else ChatModes()
    simulator = ModeSimulator(modes)
    slots: list[Outcome | None] = [None] * len(records)
    for start in range(0, len(records), batch_size):
        chunk = range(start, min(start + batch_size, len(records)))
        passed: list[int] = []
        for i in chunk:
            rule = simulator.check(records[i])
            if rule is None:
                passed.append(i)
            else:
                slots[i] = Outcome(records[i], "rejected", rule=rule)
        decisions = automod.check_batch(
            [records[i].text for i in passed], roles=[records[i].role for i in passed]
        )
        for i, decision in zip(passed, decisions, strict=True):
            slots[i] = Outcome(records[i], decision.action.value, decision=decision)
        if progress is not None:
            progress(len(chunk))
    outcomes = [o for o in slots if o is not None]
    assert len(outcomes) == len(records)
    return ReplayRun(
        label=label,
        outcomes=outcomes,
        model_version=automod.model.version,
        settings_version=automod.settings.version,
        modes=modes,
    )
