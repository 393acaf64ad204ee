"""The nouns of proactive detection: what the service hands in, what the detectors hand back.

Everything here is a frozen dataclass or an enum and carries no behaviour beyond
``to_dict()``; the detectors themselves live in the sibling modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from chatwarden.decision import Action
from chatwarden.settings import Role


class ActionKind(StrEnum):
    """What the service should do with a message (or, for ``flag``, with the moderators)."""

    NONE = "none"  # informational only (e.g. crowdspeak recognised): do nothing
    FLAG = "flag"  # deliver the message, show it to moderators (Mod View, mod log)
    HOLD = "hold"  # hold for moderator review, like an AutoMod hold
    DELETE = "delete"  # do not deliver (or remove if delivered); the sender is told why
    TIMEOUT = "timeout"  # delete and time the sender out for ``seconds``

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {
    ActionKind.NONE: 0,
    ActionKind.FLAG: 1,
    ActionKind.HOLD: 2,
    ActionKind.DELETE: 3,
    ActionKind.TIMEOUT: 4,
}


@dataclass(frozen=True, slots=True)
class DetectAction:
    """An action with its parameter: ``seconds`` is set only (and always) for ``timeout``."""

    kind: ActionKind
    seconds: int | None = None

    def __post_init__(self) -> None:
        if (self.kind is ActionKind.TIMEOUT) != (self.seconds is not None):
            raise ValueError("seconds is required for timeout and only for timeout")
        if self.seconds is not None and self.seconds <= 0:
            raise ValueError("a timeout lasts at least one second")

    def outranks(self, other: DetectAction) -> bool:
        """Stronger kind first; between two timeouts the longer one."""
        if self.kind.severity != other.kind.severity:
            return self.kind.severity > other.kind.severity
        return (self.seconds or 0) > (other.seconds or 0)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "seconds": self.seconds}


NO_ACTION = DetectAction(ActionKind.NONE)
FLAG = DetectAction(ActionKind.FLAG)
HOLD = DetectAction(ActionKind.HOLD)
DELETE = DetectAction(ActionKind.DELETE)


def timeout(seconds: int) -> DetectAction:
    return DetectAction(ActionKind.TIMEOUT, seconds)


@dataclass(frozen=True, slots=True)
class MessageContext:
    """Everything the detectors need to know about one accepted chat message.

    The service fills this from the message, the sender's account and channel membership, and
    the AutoMod decision it already made for the message. Times are timezone-aware UTC;
    ``at`` is the message's timestamp and is the detectors' only notion of "now".
    ``fingerprints`` are opaque hashes of device/network identifiers (the service hashes them
    with a per-deployment key before they get here; never raw IPs). ``normalised`` is the
    engine's normalised text (``Decision.normalised``) when available, which saves the
    detectors normalising the message again.
    """

    channel_id: int
    user_id: int
    username: str
    text: str
    at: datetime
    role: Role = Role.VIEWER
    account_created_at: datetime | None = None  # None: unknown, treated as brand new
    email_verified: bool = False
    phone_verified: bool = False
    followed_at: datetime | None = None  # None: not a follower
    first_message_in_channel: bool = False
    fingerprints: tuple[str, ...] = ()
    harm: float = 0.0  # AutoMod harm score 0-1 for this message
    automod_action: Action = Action.ALLOW
    normalised: str | None = None
    message_id: int | None = None

    def account_age_s(self) -> float | None:
        """Seconds between account creation and this message (None when unknown)."""
        if self.account_created_at is None:
            return None
        return (self.at - self.account_created_at).total_seconds()

    def follow_age_s(self) -> float | None:
        """Seconds the sender has followed the channel (None: not a follower)."""
        if self.followed_at is None:
            return None
        return (self.at - self.followed_at).total_seconds()


Detector = Literal["spam", "flood", "wave", "raid", "evasion", "trust"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a detector found, explained for moderators and the affected user.

    ``code`` is a stable machine code (``spam.caps``, ``wave.bot``, ``raid.suspected``,
    ``evasion.likely`` ...; the full list is in docs/detection.md). ``explanation`` is one
    human sentence with the measured value and the limit ("78% capitals (limit 70%) over 24
    letters"). ``evidence`` is JSON-ready (str/int/float/bool/None, lists and dicts of those).
    ``user_id``/``message_id`` say whom/what it is about; a channel-level finding (a raid
    alert) has ``user_id`` None.
    """

    detector: Detector
    code: str
    action: DetectAction
    explanation: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    user_id: int | None = None
    message_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "code": self.code,
            "action": self.action.to_dict(),
            "explanation": self.explanation,
            "evidence": dict(self.evidence),
            "user_id": self.user_id,
            "message_id": self.message_id,
        }


EvasionLevel = Literal["likely", "possible", "unlikely"]


@dataclass(frozen=True, slots=True)
class EvasionAssessment:
    """A ban-evasion score for one chatter against the channel's banned accounts.

    ``matched_user_id`` is the banned account that explains the score best (None when nothing
    matched); ``reasons`` lists every signal that contributed, in words.
    """

    user_id: int
    level: EvasionLevel
    score: float
    matched_user_id: int | None
    matched_username: str | None
    reasons: tuple[str, ...]
    signals: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "level": self.level,
            "score": round(self.score, 4),
            "matched_user_id": self.matched_user_id,
            "matched_username": self.matched_username,
            "reasons": list(self.reasons),
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
        }


@dataclass(frozen=True, slots=True)
class BannedProfile:
    """What the evasion detector remembers about an account banned in the channel.

    ``texts`` are a few of its recent messages (for writing style); build one with
    ``ChannelDetectors.banned_profile()`` from the history it keeps, or from the store.
    """

    user_id: int
    username: str
    banned_at: datetime
    fingerprints: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DetectionResult:
    """What ``ChannelDetectors.observe`` found for one message.

    ``action`` is the strongest action among ``findings`` (NO_ACTION if none).
    ``alerts`` are channel-level findings raised by this message (a raid alert); they are
    also in ``findings``. ``evasion`` is set when the sender was (re)assessed on this message.
    """

    findings: tuple[Finding, ...] = ()
    action: DetectAction = NO_ACTION
    alerts: tuple[Finding, ...] = ()
    evasion: EvasionAssessment | None = None

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "action": self.action.to_dict(),
            "alerts": [f.to_dict() for f in self.alerts],
            "evasion": self.evasion.to_dict() if self.evasion else None,
        }


WaveKind = Literal["bot_wave", "crowdspeak"]


@dataclass(frozen=True, slots=True)
class WaveReport:
    """One cluster of near-duplicate messages from several users, as it stands now.

    ``kind`` is ``bot_wave`` (throwaway-looking accounts posting the same thing: punished) or
    ``crowdspeak`` (regulars joining an emote wave or copypasta: never punished).
    ``bot_like_user_ids`` are the members that look like throwaway accounts; ``reasons`` say
    why the cluster got its kind.
    """

    cluster_id: int
    kind: WaveKind
    sample_text: str
    first_at: datetime
    last_at: datetime
    user_ids: tuple[int, ...]
    bot_like_user_ids: tuple[int, ...]
    message_count: int
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id,
            "kind": self.kind,
            "sample_text": self.sample_text,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "user_ids": list(self.user_ids),
            "bot_like_user_ids": list(self.bot_like_user_ids),
            "message_count": self.message_count,
            "reasons": list(self.reasons),
        }


StepKind = Literal["warn", "timeout", "ban"]


@dataclass(frozen=True, slots=True)
class Offence:
    """One counted offence against a user in a channel (the service stores these)."""

    at: datetime
    code: str  # what it was for, e.g. "spam.links" or "manual"


@dataclass(frozen=True, slots=True)
class StrikeStep:
    """The sanction for the next offence: the ladder step, and how many offences still count."""

    kind: StepKind
    seconds: int | None  # timeout length; None for warn and ban
    strike: int  # 1-based position on the ladder this offence reaches
    active_offences: int  # offences not yet expired, including the new one
    explanation: str
