"""The nouns the services hand to the web and CLI layers (frozen; ``to_dict()`` is JSON-ready)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chatwarden.decision import Decision
from chatwarden.settings import Role
from chatwarden.store.channels import ChannelRow


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decision):
        return value.to_dict(reveal_private=False)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        out = _jsonable(self)
        assert isinstance(out, dict)
        return out


@dataclass(frozen=True, slots=True)
class Actor(_ToDict):
    """Who is acting. ``scopes`` is None for a person's session (all scopes)."""

    user_id: int
    username: str
    is_admin: bool = False
    scopes: frozenset[str] | None = None

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


@dataclass(frozen=True, slots=True)
class User(_ToDict):
    id: int
    username: str
    created_at: datetime
    email_verified: bool
    phone_verified: bool
    is_admin: bool


@dataclass(frozen=True, slots=True)
class SessionToken(_ToDict):
    token: str
    user: User
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ApiTokenInfo(_ToDict):
    id: int
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class NewApiToken(_ToDict):
    token: str
    info: ApiTokenInfo


@dataclass(frozen=True, slots=True)
class Channel(_ToDict):
    id: int
    name: str
    owner_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Member(_ToDict):
    channel_id: int
    user_id: int
    username: str
    role: Role
    followed_at: datetime | None
    subscribed: bool


class ChatSettings(BaseModel):
    """A channel's chat modes (Twitch's chat settings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slow_mode_s: int = Field(0, ge=0, le=120, description="Seconds between one chatter's messages.")
    followers_only_min_age_s: int | None = Field(
        None, ge=0, le=90 * 86400, description="Followers-only with this minimum follow age."
    )
    subscribers_only: bool = False
    emote_only: bool = False
    emote_set: tuple[str, ...] = Field((), description="The channel's emote codes.")
    unique_chat: bool = Field(False, description="Reject a message repeated within 30 s.")
    non_mod_chat_delay_s: int = Field(0, ge=0, le=6, description="Delay for non-moderators.")


def emote_set_of(channel: ChannelRow) -> tuple[str, ...]:
    """A channel row's emote codes (its chat settings' ``emote_set``): AutoMod's model never
    scores them, and the detectors count them as emotes."""
    return tuple((channel.chat_settings or {}).get("emote_set") or ())


MessageStatus = Literal["delivered", "delayed", "held", "blocked", "denied", "expired", "deleted"]
SendStatus = Literal["delivered", "delayed", "held", "blocked", "rejected"]


@dataclass(frozen=True, slots=True)
class ChatMessage(_ToDict):
    id: str
    channel_id: int
    sender_id: int
    sender_name: str
    text: str
    status: str
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class SendResult(_ToDict):
    """What happened to a sent message. ``rejected``: chat rules said no and nothing was stored."""

    status: SendStatus
    message_id: str | None
    reason: str | None = None
    detail: str | None = None
    retry_after_s: float | None = None
    decision: Decision | None = None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class SendRequest:
    """One message to send (the arguments of ``ChatService.send_message``)."""

    actor: Actor
    channel_id: int
    text: str
    idempotency_key: str | None = None
    # optional client/platform signals for ban-evasion detection; stored only as HMAC hashes
    device_fingerprint: str | None = None
    network_fingerprint: str | None = None
    # the connected platform the message came from (``service/chat/platform.py``): the platform
    # enforces its own chat modes and rate limits, so only the sender's standing, detection's
    # gates and the engine decide it here
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewItem(_ToDict):
    id: int
    channel_id: int
    message: ChatMessage
    status: str
    reasons: list[dict[str, Any]]
    held_at: datetime
    expires_at: datetime
    resolved_by: int | None
    resolved_at: datetime | None
    resolved_by_name: str | None = None  #: filled in by the "handled" listing
    #: the message's context for moderators, ``{score, explanations}`` (``chat/context.py``);
    #: information only, never part of AutoMod's decision; ``None`` for items held before it
    context: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ModLogEntry(_ToDict):
    id: int
    channel_id: int
    actor_id: int | None
    actor_name: str | None
    action: str
    target_user_id: int | None
    target_name: str | None
    message_id: str | None
    reason: str
    details: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ChannelTerm(_ToDict):
    id: int
    channel_id: int
    text: str
    kind: str
    private: bool
    is_regex: bool
    created_at: datetime
    expires_at: datetime | None = None  # None: never expires


@dataclass(frozen=True, slots=True)
class BulkTermError(_ToDict):
    """One line of a bulk add that was not added, and why."""

    line: int  # 1-based, as the moderator typed them
    text: str
    error: str


@dataclass(frozen=True, slots=True)
class BulkTermResult(_ToDict):
    added: list[ChannelTerm]
    errors: list[BulkTermError]


@dataclass(frozen=True, slots=True)
class Note(_ToDict):
    id: int
    channel_id: int
    user_id: int
    author_id: int
    author_name: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserCard(_ToDict):
    user: User
    channel_id: int
    role: Role
    followed_at: datetime | None
    account_age_s: float
    messages: list[ChatMessage]
    warnings: int
    timeouts: int
    bans: int
    banned: bool
    timeout_until: datetime | None
    notes: list[Note]
    #: the newest message's context as when it was sent, ``{message_id, score, explanations}``
    #: (``chat/context.py``; information for moderators, never AutoMod's decision)
    context: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class UnbanRequest(_ToDict):
    id: int
    channel_id: int
    user_id: int
    username: str
    text: str
    status: str
    created_at: datetime
    resolved_by: int | None
    resolved_at: datetime | None
    resolution_note: str
    private_note: str | None


@dataclass(frozen=True, slots=True)
class WebhookSubscription(_ToDict):
    id: int
    channel_id: int
    url: str
    types: tuple[str, ...]
    created_at: datetime
    active: bool


@dataclass(frozen=True, slots=True)
class WebhookDelivery(_ToDict):
    id: int
    subscription_id: int
    event_type: str
    message_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ImportResult(_ToDict):
    added: int
    skipped: int


@dataclass(frozen=True, slots=True)
class ChannelAccess(_ToDict):
    """What the caller may do in a channel and where they stand (for user interfaces)."""

    role: Role
    permissions: list[str]
    banned: bool
    timeout_until: datetime | None
    #: seconds of timeout left (by the server's clock, so a skewed client clock does not matter)
    timeout_left_s: float | None
    #: the reason of a warning not yet acknowledged (``""`` when none was given), else None
    warning: str | None
