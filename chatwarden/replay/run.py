"""Run a parsed log through the chat rules, the full AutoMod pipeline and proactive detection,
without effects.

Nothing is sent, stored or banned: each record gets one ``Outcome`` (the chat rule that would
have rejected it, or AutoMod's ``Decision`` and what detection did). AutoMod runs with
``check_batch`` over batches of the records that passed the rules, with each sender's role (so
exemptions apply); detection (``detection.py``) then sees those records in log order, as live.
The outcome's ``action`` is the stronger of AutoMod's and detection's, as live: a detection
hold holds, a delete or timeout blocks, a flag changes nothing. With context scoring on
(``context.py``, off by default), each decided record also gets its ``ContextScore``, in log
order; it does not change the action.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from chatwarden.context import ContextScore
from chatwarden.decision import Decision
from chatwarden.detect.settings import DEFAULT_SETTINGS, DetectionSettings
from chatwarden.pipeline import AutoMod
from chatwarden.replay.context import ReplayContext
from chatwarden.replay.detection import Detected, ReplayDetectors
from chatwarden.replay.modes import ChatModes, ModeSimulator
from chatwarden.replay.records import ChatRecord
from chatwarden.rules.effects import Delete

OutcomeAction = Literal["allow", "hold", "block", "rejected"]
ACTIONS: tuple[OutcomeAction, ...] = ("allow", "hold", "block", "rejected")
DEFAULT_BATCH = 512
_RANK = {"allow": 0, "hold": 1, "block": 2}
_EFFECT_ACTION: dict[str, OutcomeAction] = {
    "none": "allow",
    "flag": "allow",
    "hold": "hold",
    "delete": "block",
    "timeout": "block",
}


def _final(decision: Decision, detected: Detected | None) -> OutcomeAction:
    """The stronger of AutoMod's action and detection's (as ``Screening.apply`` live)."""
    action: OutcomeAction = decision.action.value
    if detected is None:
        return action
    by_detection = _EFFECT_ACTION[detected.effect]
    return by_detection if _RANK[by_detection] > _RANK[action] else action


@dataclass(frozen=True, slots=True)
class Outcome:
    """What would have happened to one record."""

    record: ChatRecord
    action: OutcomeAction
    #: the chat rule that rejected it (``slow_mode``, ...), when ``action`` is ``rejected``
    rule: str | None = None
    decision: Decision | None = None
    #: what proactive detection did (None: nothing, or the message never got to it)
    detection: Detected | None = None
    #: delivered, then removed when a later message made a bot wave of its cluster (as live)
    removed_later: bool = False
    #: the message scored with its context (only when context scoring is on)
    context: ContextScore | None = None

    @property
    def by_detection(self) -> bool:
        """Detection, not AutoMod, set the action (a detection hold or block)."""
        return (
            self.detection is not None
            and self.decision is not None
            and self.action != self.decision.action.value
        )

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
        if self.detection is not None:
            out["detection"] = self.detection.to_dict()
        if self.removed_later:
            out["removed_later"] = True
        if self.context is not None:
            out["context"] = self.context.to_dict()
        return out


@dataclass(frozen=True)
class ReplayRun:
    """The outcomes of one replay, in log order, and what produced them."""

    label: str
    outcomes: list[Outcome]
    model_version: str
    settings_version: str
    modes: ChatModes
    detection: DetectionSettings = DEFAULT_SETTINGS
    #: whether each decided record was scored with its context (``Outcome.context``)
    context: bool = False
    #: raid alerts detection raised: (channel, finding)
    alerts: tuple[tuple[str, Any], ...] = ()
    #: the consequences detection called for, by kind (``rules.effects``, applied log-only)
    consequences: Mapping[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        for o in self.outcomes:
            out[o.action] += 1
        return out


Progress = Callable[[int], None]


def _remove_earlier(
    records: Sequence[ChatRecord],
    slots: list[Outcome | None],
    at: int,
    detectors: ReplayDetectors,
    delete: Delete,
) -> None:
    """Apply a ``Delete`` of other messages (a new bot wave's members' earlier lines still in
    chat, within ``since_s`` of record ``at``, in its channel) to the outcomes, as live."""
    wanted = set(delete.user_ids)
    channel = records[at].channel
    since = records[at].time.timestamp() - delete.since_s
    for j in range(at, -1, -1):
        record = records[j]
        if record.time.timestamp() < since:
            break
        o = slots[j]
        if (
            o is not None
            and o.action == "allow"
            and not o.removed_later
            and record.channel == channel
            and detectors.user_id(record) in wanted
        ):
            slots[j] = replace(o, removed_later=True)


def _chunk(
    records: Sequence[ChatRecord],
    chunk: range,
    automod: AutoMod,
    simulator: ModeSimulator,
    slots: list[Outcome | None],
) -> None:
    """Without detection: the rules, then AutoMod on the records that passed them."""
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


def _detect_chunk(
    records: Sequence[ChatRecord],
    chunk: range,
    automod: AutoMod,
    simulator: ModeSimulator,
    detectors: ReplayDetectors,
    slots: list[Outcome | None],
) -> None:
    """With detection, record by record as live: a timeout detection hands out rejects the
    sender's later lines (``timed_out``) until it ends, so each record's rules see what
    detection did to the records before it. AutoMod decides the whole chunk first (a decision
    depends only on the text and the role); a rejected record's decision is dropped."""
    decisions = automod.check_batch(
        [records[i].text for i in chunk], roles=[records[i].role for i in chunk]
    )
    for i, decision in zip(chunk, decisions, strict=True):
        record = records[i]
        rule = simulator.check(record, detectors.standing(record))
        if rule is not None:
            slots[i] = Outcome(record, "rejected", rule=rule)
            continue
        detected = detectors.screen(record, decision)
        action = _final(decision, detected)
        slots[i] = Outcome(record, action, decision=decision, detection=detected)
        if detected is not None:
            for delete in detected.earlier_deletes():
                _remove_earlier(records, slots, i, detectors, delete)


def _score_context(
    records: Sequence[ChatRecord], chunk: range, scorer: ReplayContext, slots: list[Outcome | None]
) -> None:
    """Each decided record of ``chunk``, in log order, scored with its context."""
    for i in chunk:
        o = slots[i]
        if o is not None and o.decision is not None:
            slots[i] = replace(o, context=scorer.score(records[i], o.decision))


def run_replay(
    records: Sequence[ChatRecord],
    automod: AutoMod,
    modes: ChatModes | None = None,
    *,
    label: str = "A",
    detection: DetectionSettings | None = None,
    known_chatters: Collection[tuple[str, str]] = (),
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    context: bool = False,
) -> ReplayRun:
    """Replay ``records`` (in order) with ``detection`` settings (None: the live defaults);
    ``known_chatters``: ``(channel, user_id)`` of senders who chatted before the log starts;
    ``context``: also score each decided record with its context (``Outcome.context``).
    ``progress(n)`` is called after every ``n`` records."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    modes = modes if modes is not None else ChatModes()
    detection = detection if detection is not None else DEFAULT_SETTINGS
    simulator = ModeSimulator(modes)
    detectors = ReplayDetectors(detection, modes.emote_set, known_chatters)
    scorer = ReplayContext() if context else None
    slots: list[Outcome | None] = [None] * len(records)
    for start in range(0, len(records), batch_size):
        chunk = range(start, min(start + batch_size, len(records)))
        if detectors.enabled:
            _detect_chunk(records, chunk, automod, simulator, detectors, slots)
        else:
            _chunk(records, chunk, automod, simulator, slots)
        if scorer is not None:
            _score_context(records, chunk, scorer, slots)
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
        detection=detection,
        context=context,
        alerts=tuple(detectors.alerts),
        consequences=detectors.consequences(),
    )
