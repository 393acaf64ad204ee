"""Context-aware scoring in replay: each message's context from the log's own earlier lines.

Off by default (a replay settings file turns it on with ``[context] enabled = true``). When
on, every record AutoMod decided gets a ``ContextScore`` (``chatwarden/context/``) built the
way live chat would build it, from what the log shows before it: the sender's own lines in the
channel over the last few minutes with the harm AutoMod gave each, the channel's last lines,
and the channel name as the broadcaster. The log knows nothing of the sender's record (warnings,
timeouts) or account age, so those signals stay silent. The score is shown beside the outcome;
it does not change the outcome's action (no hold threshold is set for it yet).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from chatwarden.context import ChatLine, Context, ContextScore, OwnMessage, score_decision
from chatwarden.context.signals import ESCALATION_WINDOW_S
from chatwarden.decision import Decision
from chatwarden.replay.records import ChatRecord

__all__ = ["CHAT_LINES", "HISTORY_LINES", "ContextSettings", "ReplayContext"]

#: the chat before a message that a context holds: its last 20 lines in two minutes (what a
#: moderator's screen shows), and at most the sender's last 10 lines in the longest window a
#: signal reads (``ESCALATION_WINDOW_S``)
CHAT_LINES = 20
CHAT_WINDOW_S = 120.0
HISTORY_LINES = 10
#: lines kept per channel whatever the traffic (memory bound)
MAX_KEPT = 2000


class ContextSettings(BaseModel):
    """The ``[context]`` table of a replay settings file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False


@dataclass(frozen=True, slots=True)
class _Line:
    at: float  # POSIX seconds
    user: str
    text: str
    harm: float


class ReplayContext:
    """The recent lines of each channel of a log, fed in log order."""

    def __init__(self) -> None:
        self._lines: dict[str, deque[_Line]] = {}

    def _recent(self, channel: str, now: float) -> deque[_Line]:
        lines = self._lines.setdefault(channel, deque(maxlen=MAX_KEPT))
        horizon = now - ESCALATION_WINDOW_S
        while lines and lines[0].at < horizon:
            lines.popleft()
        return lines

    def context_for(self, record: ChatRecord) -> Context:
        """The context of ``record`` from the lines fed before it."""
        now = record.time.timestamp()
        lines = self._recent(record.channel, now)
        user = record.user_id or record.user
        own: list[OwnMessage] = []
        chat: list[ChatLine] = []
        for line in reversed(lines):  # newest first
            before = max(0.0, now - line.at)
            if line.user == user and len(own) < HISTORY_LINES:
                own.append(OwnMessage(line.text, before, line.harm))
            if before <= CHAT_WINDOW_S and len(chat) < CHAT_LINES:
                chat.append(ChatLine(line.user, line.text, before))
        return Context(
            user=user,
            history=tuple(own),
            chat_before=tuple(chat),
            broadcaster=record.channel or None,
        )

    def score(self, record: ChatRecord, decision: Decision) -> ContextScore:
        """Score ``record`` with its context, then remember it for the records after it."""
        scored = score_decision(decision, self.context_for(record))
        self._recent(record.channel, record.time.timestamp()).append(
            _Line(
                record.time.timestamp(),
                record.user_id or record.user,
                record.text,
                decision.harm,
            )
        )
        return scored
