"""What the findings on one message add up to: the one action taken and why (pure).

The strongest action among the findings sets what happens to the message (``DetectAction``
ranks: timeout > delete > hold > flag > none; between timeouts the longer); ban-evasion
findings never act on a message (they become flags on the sender). The explanation joins the
findings that took that action (with no action: the findings that took none, e.g. crowdspeak
recognised). ``status`` is the message status it calls for: a hold holds
the message for review, a delete or timeout blocks it, a flag or nothing leaves it as AutoMod
decided. The live detection hook (``service/detection/hook.py``) and replay
(``replay/detection.py``) both decide with this.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from chatwarden.detect.types import NO_ACTION, ActionKind, DetectAction, Finding

VerdictStatus = Literal["held", "blocked"]


@dataclass(frozen=True, slots=True)
class Verdict:
    action: DetectAction
    acting: tuple[Finding, ...]  # the findings that took ``action``
    explanation: str
    status: VerdictStatus | None  # the message status it calls for (None: AutoMod's stands)


def verdict(findings: Iterable[Finding]) -> Verdict:
    """The action the findings on one message call for, the findings behind it and why."""
    considered = [f for f in findings if f.detector != "evasion"]
    action: DetectAction = NO_ACTION
    for f in considered:
        if f.action.outranks(action):
            action = f.action
    acting = tuple(f for f in considered if f.action == action)
    status: VerdictStatus | None = None
    if action.kind is ActionKind.HOLD:
        status = "held"
    elif action.kind in (ActionKind.DELETE, ActionKind.TIMEOUT):
        status = "blocked"
    return Verdict(action, acting, "; ".join(f.explanation for f in acting), status)
