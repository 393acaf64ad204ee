"""The simulator's output: one JSON object per line, messages and moderator bans in time order.

Line types (``type``): ``header`` (first line: scenario, seed, start time, channel, emote set),
``message`` (a chat message with the sender's account facts and its ground-truth ``label``),
``ban`` (a moderator banned a user: their fingerprints, for ban-evasion scoring) and
``incident`` (last lines: every incident with its type, time span and users).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from chatwarden.decision import Action
from chatwarden.detect.types import MessageContext
from chatwarden.settings import Role

IncidentType = Literal[
    "none",
    "crowdspeak",
    "bot_wave",
    "hate_raid",
    "friendly_raid",
    "ban_evasion",
    "toxicity",
]
ActorType = Literal["regular", "newcomer", "bot", "raider", "friendly_raider", "evader"]
INCIDENT_TYPES: tuple[str, ...] = (
    "none",
    "crowdspeak",
    "bot_wave",
    "hate_raid",
    "friendly_raid",
    "ban_evasion",
    "toxicity",
)


@dataclass(frozen=True, slots=True)
class Label:
    """Ground truth for one message: which incident (if any) it belongs to, and who sent it."""

    incident_id: str | None
    incident: IncidentType
    actor: ActorType
    evades_user_id: int | None = None  # for ban_evasion: the banned account behind it

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "incident": self.incident,
            "actor": self.actor,
            "evades_user_id": self.evades_user_id,
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


@dataclass(frozen=True, slots=True)
class Message:
    at: datetime
    message_id: int
    user_id: int
    username: str
    role: Role
    text: str
    account_created_at: datetime
    email_verified: bool
    phone_verified: bool
    followed_at: datetime | None
    first_message_in_channel: bool
    fingerprints: tuple[str, ...]
    label: Label

    def to_dict(self, channel_id: int) -> dict[str, Any]:
        return {
            "type": "message",
            "at": self.at.isoformat(),
            "channel_id": channel_id,
            "message_id": self.message_id,
            "user_id": self.user_id,
            "username": self.username,
            "role": self.role.value,
            "text": self.text,
            "account_created_at": _iso(self.account_created_at),
            "email_verified": self.email_verified,
            "phone_verified": self.phone_verified,
            "followed_at": _iso(self.followed_at),
            "first_message_in_channel": self.first_message_in_channel,
            "fingerprints": list(self.fingerprints),
            "label": self.label.to_dict(),
        }

    def context(
        self,
        channel_id: int,
        *,
        harm: float = 0.0,
        action: Action = Action.ALLOW,
        normalised: str | None = None,
    ) -> MessageContext:
        """The detectors' input for this message (AutoMod's verdict supplied by the caller)."""
        return MessageContext(
            channel_id=channel_id,
            user_id=self.user_id,
            username=self.username,
            text=self.text,
            at=self.at,
            role=self.role,
            account_created_at=self.account_created_at,
            email_verified=self.email_verified,
            phone_verified=self.phone_verified,
            followed_at=self.followed_at,
            first_message_in_channel=self.first_message_in_channel,
            fingerprints=self.fingerprints,
            harm=harm,
            automod_action=action,
            normalised=normalised,
            message_id=self.message_id,
        )


@dataclass(frozen=True, slots=True)
class Ban:
    at: datetime
    user_id: int
    username: str
    fingerprints: tuple[str, ...]
    incident_id: str | None

    def to_dict(self, channel_id: int) -> dict[str, Any]:
        return {
            "type": "ban",
            "at": self.at.isoformat(),
            "channel_id": channel_id,
            "user_id": self.user_id,
            "username": self.username,
            "fingerprints": list(self.fingerprints),
            "incident_id": self.incident_id,
        }


@dataclass(slots=True)
class Incident:
    id: str
    type: IncidentType
    start: datetime
    end: datetime
    user_ids: list[int] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "incident",
            "incident_id": self.id,
            "incident": self.type,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "user_ids": sorted(set(self.user_ids)),
            "notes": self.notes,
        }


@dataclass(slots=True)
class Simulation:
    """One simulated stream: everything ``chatwarden simulate`` writes."""

    scenario: str
    seed: int
    minutes: float
    start: datetime
    channel_id: int
    emotes: tuple[str, ...]
    messages: list[Message]
    bans: list[Ban]
    incidents: list[Incident]

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def header(self) -> dict[str, Any]:
        return {
            "type": "header",
            "scenario": self.scenario,
            "seed": self.seed,
            "minutes": self.minutes,
            "start": self.start.isoformat(),
            "channel_id": self.channel_id,
            "emotes": list(self.emotes),
            "messages": len(self.messages),
        }

    def timeline(self) -> list[Message | Ban]:
        """Messages and bans in time order (a ban sorts before a message at the same instant)."""
        items: list[Message | Ban] = [*self.bans, *self.messages]
        items.sort(key=lambda e: (e.at, 0 if isinstance(e, Ban) else 1, _key(e)))
        return items

    def lines(self) -> list[dict[str, Any]]:
        out = [self.header()]
        out.extend(e.to_dict(self.channel_id) for e in self.timeline())
        out.extend(i.to_dict() for i in self.incidents)
        return out


def _key(e: Message | Ban) -> int:
    return e.message_id if isinstance(e, Message) else e.user_id
