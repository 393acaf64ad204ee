"""The connector interface: a platform's messages in, ChatWarden's effects out.

In: every platform turns its chat line into an ``InboundMessage`` (the platform's message id,
the sender's platform id and login, the platform channel, the text, the sender's role mapped to
a ChatWarden ``Role`` and the emote positions the platform itself marked, so emotes are never
scored). The runner (``connectors/runner.py``) sends it through the same chat-service path as
our own chat, keyed by the platform's message id: a message seen twice (a reconnect, a
bouncer's replay) is decided once and acted on once.

Out: the decision's consequences are the values of ``rules/effects.py`` (``Hold``, ``Delete``,
``Warn``, ``Timeout``, ``Ban`` ...), carried out by the platform's ``EffectApplier`` with a
``Target`` whose ``username`` is the platform login and ``message_id`` the platform's message id.
Two pure functions say which effects: ``fate_effects`` (the message's own fate, from the send
result) and ``moderation_effects`` (a ``channel.moderate`` or ``channel.chat.message_delete``
event on the channel's moderators' topic: detection's timeouts, the strike ladder, and whatever
a moderator does in Mod View).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from chatwarden.decision import Decision
from chatwarden.rules.effects import (
    Ban,
    Delete,
    Deliver,
    Effect,
    EffectApplier,
    Hold,
    Timeout,
    Warn,
)
from chatwarden.settings import Role


@dataclass(frozen=True, slots=True)
class PlatformUser:
    """A sender as the platform knows them. ``id`` is the platform's stable id (Twitch's
    ``user-id``; plain IRC has none: the services account or the case-folded nick)."""

    platform: str
    id: str
    login: str
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class EmoteSpan:
    """An emote the platform marked in the text: ``text[start:end] == code``."""

    code: str
    start: int
    end: int
    emote_id: str = ""


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One platform chat message, as a connector hands it to ChatWarden."""

    platform: str
    channel: str
    message_id: str | None
    user: PlatformUser
    text: str
    role: Role = Role.VIEWER
    emotes: tuple[EmoteSpan, ...] = ()
    sent_at_ms: int | None = None
    server_time: str | None = None  # IRCv3 ``time`` tag

    @property
    def idempotency_key(self) -> str | None:
        """The chat service's idempotency key: the platform's message id; without one, the
        IRCv3 server time with the text (what a history replay repeats); else None (a plain
        IRC server without tags never sends a line twice, and a key made of the text alone
        would swallow a real repeat)."""
        if self.message_id:
            raw = f"{self.platform}:{self.message_id}"
            return raw if len(raw) <= 64 else "h:" + hashlib.sha256(raw.encode()).hexdigest()[:60]
        if self.server_time:
            parts = (self.platform, self.channel, self.user.id, self.server_time, self.text)
            raw = "\0".join(parts)
            return "t:" + hashlib.sha256(raw.encode()).hexdigest()[:40]
        return None

    @property
    def emote_codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.emotes)


class Connector(Protocol):
    """One connection to one platform channel."""

    platform: str

    def messages(self) -> AsyncIterator[InboundMessage]:
        """The channel's chat messages, reconnecting with back-off until ``close``."""
        ...

    @property
    def applier(self) -> EffectApplier:
        """Carries out ChatWarden's effects on this platform channel."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class Presence(Protocol):
    """A connector that knows whether it is in the channel now, and its last error (the
    runner reports both into a stored connection's status)."""

    @property
    def connected(self) -> bool: ...

    @property
    def last_error(self) -> str | None: ...


@runtime_checkable
class Releaser(Protocol):
    """An applier for a platform that cannot hold a message (it deleted a held one at once):
    when a moderator allows it in ChatWarden, ``release`` posts it again (the platform's
    message id); False when it was not one this applier deleted."""

    def release(self, message_id: str) -> bool: ...


@runtime_checkable
class Checkpointer(Protocol):
    """A connector that resumes from a cursor it keeps (Matrix's sync token): the runner
    tells it which messages' decisions are stored, so the cursor it saves never passes a
    message not yet decided (a restart reads that one again; never skips it)."""

    def decided(self, messages: Sequence[InboundMessage]) -> None: ...


@runtime_checkable
class Lifter(Protocol):
    """An applier that lifts a ban or a timeout on the platform when ChatWarden does
    (``kind``: ``"unban"`` or ``"untimeout"``; ``username`` the platform login); False when it
    cannot (nothing to do on the platform, or the user is unknown)."""

    def lift(self, username: str, kind: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class ListBan:
    """A ban a shared ban list asks for (a Matrix policy room's rule naming a member):
    ``reason`` the rule's, ``source`` the list (the policy room's id)."""

    user: PlatformUser
    reason: str
    source: str


@runtime_checkable
class ListBanner(Protocol):
    """A connector that follows shared ban lists: the runner bans each ``ListBan`` in
    ChatWarden (the mod log, with its source), which the applier carries out."""

    def list_bans(self) -> AsyncIterator[ListBan]: ...


def lifted(envelope: Mapping[str, Any]) -> tuple[int, str] | None:
    """The local user id and ``"unban"`` or ``"untimeout"`` of a ``channel.moderate`` event
    that lifts a ban or a timeout; None for anything else."""
    event = envelope.get("event") or {}
    action = event.get("action")
    if envelope.get("type") != "channel.moderate" or action not in ("unban", "untimeout"):
        return None
    detail = event.get(action)
    if not isinstance(detail, Mapping) or detail.get("user_id") is None:
        return None
    return int(detail["user_id"]), str(action)


@runtime_checkable
class PlatformRules(Protocol):
    """A connector that can read the platform's own moderation rules (Discord's AutoMod
    rules), for Mod View: each a small dict (``id``, ``name``, ``enabled``, ``trigger``,
    ``actions``, ...)."""

    async def platform_rules(self) -> list[dict[str, Any]]: ...


def backoff_delays(
    base_s: float = 1.0, cap_s: float = 60.0, rng: random.Random | None = None
) -> Iterator[float]:
    """Reconnect delays: exponential from ``base_s`` up to ``cap_s``, each with "full jitter"
    (uniform in [d/2, d]) so many connectors dropped at once do not return in one wave."""
    rng = rng or random.Random()
    delay = base_s
    while True:
        yield rng.uniform(delay / 2, delay)
        delay = min(cap_s, delay * 2)


#: rule rejections that mean "this sender may not speak here" in ChatWarden's own records;
#: the platform's chat modes and rate limits are the platform's to enforce (not checked)
_STANDING_REJECTIONS = frozenset({"banned", "timed_out", "warning_unacknowledged"})


def public_reason(status: str, reason: str | None, decision: Decision | None) -> str:
    """The reason the platform shows (a kick message, a ban reason): what was found, never a
    blocked term's text (the platform's chat is public; the mod log keeps the whole story)."""
    found: list[str] = []
    for r in decision.reasons if decision is not None else ():
        if r.kind == "category" and r.category is not None:
            found.append(str(r.category))
        elif "blocked term" not in found:
            found.append("blocked term")
    what = {"held": "held for review", "blocked": "blocked"}.get(status, reason or status)
    return f"ChatWarden: {what}" + (f" ({', '.join(found)})" if found else "")


def fate_effects(status: str, reason: str | None = None) -> list[Effect]:
    """The effect of a sent message's own fate (``SendResult.status``) on the platform: held
    → ``Hold``, blocked → ``Delete``, a rejection for the sender's standing → ``Delete``;
    delivered, delayed and anything else → ``Deliver`` (nothing to do)."""
    if status == "held":
        return [Hold(reason or "held_for_review")]
    if status == "blocked":
        return [Delete(reason or "blocked")]
    if status == "rejected" and reason in _STANDING_REJECTIONS:
        return [Delete(reason or "rejected")]
    return [Deliver(reason or "")]


@dataclass(frozen=True, slots=True)
class Moderated:
    """An effect a bus event calls for: about local user ``user_id`` (login ``login``) and,
    for a deletion, the local message ``message_id`` (the runner maps it to the platform's)."""

    user_id: int
    login: str
    message_id: str | None
    effect: Effect


def moderation_effects(envelope: Mapping[str, Any], now: datetime) -> list[Moderated]:
    """What a moderators'-topic event asks the platform to do: ``channel.moderate`` ban,
    timeout (seconds left until ``expires_at``), warn and delete, and
    ``channel.chat.message_delete``; nothing for anything else (the platform's own actions
    never come back here: the runner only publishes what ChatWarden decided)."""
    event = envelope.get("event") or {}
    kind = envelope.get("type")
    if kind == "channel.chat.message_delete":
        uid = event.get("target_user_id")
        if uid is None or not event.get("message_id"):
            return []
        login = event.get("target_user_login") or ""
        return [Moderated(int(uid), login, event["message_id"], Delete("deleted in ChatWarden"))]
    if kind != "channel.moderate":
        return []
    action = event.get("action")
    detail = event.get(action) if isinstance(action, str) else None
    if not isinstance(detail, Mapping) or detail.get("user_id") is None:
        return []
    uid, login = int(detail["user_id"]), str(detail.get("user_login") or "")
    reason = str(detail.get("reason") or "")
    if action == "ban":
        return [Moderated(uid, login, None, Ban(reason))]
    if action == "timeout":
        expires = detail.get("expires_at")
        if not expires:
            return []
        left = (datetime.fromisoformat(str(expires).replace("Z", "+00:00")) - now).total_seconds()
        seconds = max(1, round(left))
        return [Moderated(uid, login, None, Timeout(reason, seconds))]
    if action == "warn":
        return [Moderated(uid, login, None, Warn(reason))]
    if action == "delete" and detail.get("message_id"):
        return [Moderated(uid, login, str(detail["message_id"]), Delete(reason or "deleted"))]
    return []
