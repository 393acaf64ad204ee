"""Proactive detection in a replay: one ``ChannelDetectors`` per channel, fed from the log.

The live service (``service/detection/hook.py``) runs the channel's detectors on every message
that passed the chat rules, after AutoMod, in order; so does a replay. The detectors' state
comes only from the log's own earlier messages (a sender is a first-time chatter on their first
message in the log) and their clock only from the records' timestamps. The strongest finding
that is not ban evasion sets the effect, as live: ``hold`` holds the message for review,
``delete`` and ``timeout`` block it, ``flag`` delivers it and shows it to moderators. When a
cluster becomes a bot wave (``wave.bot``), live removes its bot-like members' earlier messages
still in chat; ``run.py`` marks those outcomes ``removed_later``.

What a log cannot say is not simulated (``NOT_SIMULATED``): account age, verification and
follow dates (every sender is an account of unknown age, unverified and not following, which
the detectors treat as live treats an account it knows nothing about), bans and device
fingerprints (so no ban evasion), whether a sender chatted before the log starts, and the strike
ladder. A timeout detection hands out is simulated: the sender's later lines are rejected
(``timed_out``) until it ends, as the live chat rules (``rules.check_chat_rules``) would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from chatwarden.decision import Decision
from chatwarden.detect.channel import ChannelDetectors
from chatwarden.detect.settings import DetectionSettings, with_channel_emotes
from chatwarden.detect.types import ActionKind, DetectAction, Finding, MessageContext
from chatwarden.detect.verdict import verdict
from chatwarden.replay.records import ChatRecord
from chatwarden.rules.chat_rules import Standing
from chatwarden.rules.effects import (
    BatchMemory,
    Delete,
    Effect,
    LogOnlyApplier,
    Target,
    Timeout,
    detection_effects,
    kinds,
)
from chatwarden.settings import Role

#: the effect a detection has on a message, as live (``hook.screen`` -> the message status);
#: ``none``: findings without an action on the message (a raid alert, a strike)
DetectEffect = Literal["none", "flag", "hold", "delete", "timeout"]
_ACTION_STATUS = {"allow": "delivered", "hold": "held", "block": "blocked"}
_RANK = {"delivered": 0, "held": 1, "blocked": 2}

NOT_SIMULATED = (
    "account age, verified email or phone and follow dates (a log has none: every sender is "
    "an account of unknown age, unverified and not following), so trust gates are not applied "
    "and bot-wave scores can differ from live for established accounts",
    "ban evasion and suspicious-user flags (a log has no bans or device fingerprints)",
    "Shield Mode (a raid alert's Shield Mode effect is counted, not applied)",
    "whether a sender chatted before the log starts (their first line in the log counts as a "
    "first-time chatter's; the policy preview asks the store)",
    "the strike ladder's warnings, timeouts and bans (strikes are counted, not applied; "
    "detection's own timeouts are simulated: the chatter's later lines are rejected as "
    "timed_out until they end)",
)


@dataclass(frozen=True, slots=True)
class Detected:
    """What detection did to one replayed message: the effect and the findings behind it."""

    effect: DetectEffect
    explanation: str
    findings: tuple[Finding, ...]
    seconds: int | None = None  # a timeout's length
    alerts: int = 0  # raid alerts this message raised
    #: the consequences beyond the message's own fate (``rules.effects``: timeout, alert,
    #: a bot wave's earlier lines deleted, strike, ...), as live decides them
    effects: tuple[Effect, ...] = ()

    @property
    def detectors(self) -> tuple[str, ...]:
        """The detectors whose findings set the effect (``spam``, ``flood``, ``wave``, ...)."""
        return tuple(dict.fromkeys(f.detector for f in self.acting))

    @property
    def acting(self) -> tuple[Finding, ...]:
        if self.effect == "none":
            return ()
        return tuple(
            f for f in self.findings if f.detector != "evasion" and _kind(f) == self.effect
        )

    def earlier_deletes(self) -> tuple[Delete, ...]:
        """The ``Delete`` effects of other messages: a new bot wave's members' earlier lines."""
        return tuple(e for e in self.effects if isinstance(e, Delete) and e.user_ids)

    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.code for f in self.acting))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "effect": self.effect,
            "detectors": list(self.detectors),
            "codes": list(self.codes()),
            "explanation": self.explanation,
        }
        if self.seconds is not None:
            out["seconds"] = self.seconds
        if self.alerts:
            out["raid_alerts"] = self.alerts
        if self.effects:
            out["effects"] = kinds(self.effects)
        return out


def _kind(f: Finding) -> str:
    return f.action.kind.value


class ReplayDetectors:
    """The channels' detectors of one replay; ``screen`` each record that passed the rules, in
    log order, with AutoMod's decision for it."""

    def __init__(
        self,
        settings: DetectionSettings,
        emotes: tuple[str, ...] = (),
        known_chatters: Collection[tuple[str, str]] = (),
    ) -> None:
        self.enabled = settings.enabled
        self._config = with_channel_emotes(settings.detectors, emotes)
        self._settings = settings.model_copy(update={"detectors": self._config})
        self._strikes = self._config.strikes.enabled
        #: every consequence detection called for, carried out by no one (``rules.effects``)
        self.applier = LogOnlyApplier()
        self._channels: dict[str, ChannelDetectors] = {}
        self._ids: dict[str, int] = {}  # senders without a numeric id -> a replay-local id
        self._chatted: dict[str, set[int]] = {}  # channel -> senders seen so far
        #: (channel, user_id) of senders who chatted before the log starts (a window of a
        #: channel's history): not first-time chatters
        self._known = frozenset(known_chatters)
        self._timeouts: dict[tuple[str, int], datetime] = {}  # (channel, sender) -> until
        #: raid alerts raised so far, with the channel they were raised in
        self.alerts: list[tuple[str, Finding]] = []

    def user_id(self, record: ChatRecord) -> int:
        """The id the detectors know the record's sender by."""
        return self._user_id(record)

    def _user_id(self, record: ChatRecord) -> int:
        uid = record.user_id
        if uid is not None and uid.isdigit() and len(uid) < 19:
            return int(uid)
        key = uid or record.user.casefold()
        if key not in self._ids:
            self._ids[key] = -(len(self._ids) + 1)  # negative: never a real account's id
        return self._ids[key]

    def standing(self, record: ChatRecord) -> Standing | None:
        """The sender's standing from what detection did earlier in the replay: timed out
        until a detection timeout ends (None: nothing known)."""
        if not self._timeouts:
            return None
        until = self._timeouts.get((record.channel, self._user_id(record)))
        if until is None or until <= record.time:
            return None
        return Standing(timeout_until=until)

    def screen(self, record: ChatRecord, decision: Decision) -> Detected | None:
        """Run the channel's detectors on one accepted record (None: nothing to do)."""
        if not self.enabled:
            return None
        channel = record.channel
        detectors = self._channels.get(channel)
        if detectors is None:
            detectors = self._channels[channel] = ChannelDetectors(
                len(self._channels) + 1, self._config
            )
            self._chatted[channel] = set()
        uid = self._user_id(record)
        chatted = self._chatted[channel]
        first = uid not in chatted and (channel, record.user_id or "") not in self._known
        chatted.add(uid)
        run = detectors.check_evasion if detectors.only_evasion else detectors.observe
        result = run(
            MessageContext(
                channel_id=detectors.channel_id,
                user_id=uid,
                username=record.user,
                text=record.text,
                at=record.time,
                role=record.role or Role.VIEWER,
                first_message_in_channel=first,
                harm=decision.harm,
                automod_action=decision.action,
                normalised=decision.normalised,
            )
        )
        self.alerts.extend((channel, a) for a in result.alerts)
        judged = verdict(result.findings)  # the live hook's decision, from the same function
        action, explanation, own = judged.action, judged.explanation, judged.status
        status = _ACTION_STATUS[decision.action.value]
        if own is not None and _RANK[own] > _RANK[status]:
            status = own
        if not result.findings and not (status == "blocked" and self._strikes):
            return None
        screen = ReplayScreen(own, explanation, action, result.findings, result.alerts)
        target = Target(detectors.channel_id, uid, record.user, str(record.line), record.text)
        effects = tuple(
            detection_effects(screen, status, target, lambda: self._settings, BatchMemory())
        )
        self.applier.apply(target, effects)
        for effect in effects:  # the sender's later lines are refused until it ends
            if isinstance(effect, Timeout):
                until = record.time + timedelta(seconds=effect.seconds)
                key = (channel, uid)
                if key not in self._timeouts or self._timeouts[key] < until:
                    self._timeouts[key] = until
        if action.kind is ActionKind.NONE and not effects:
            return None
        return Detected(
            effect=action.kind.value,
            explanation=explanation,
            findings=result.findings,
            seconds=action.seconds,
            alerts=len(result.alerts),
            effects=effects,
        )

    def consequences(self) -> dict[str, int]:
        """How many of each consequence the replay called for (``timeout``, ``alert`` ...)."""
        return dict(Counter(self.applier.kinds()).most_common())


@dataclass(frozen=True, slots=True)
class ReplayScreen:
    """What detection decided for one record, in the shape ``rules.effects.detection_effects``
    reads (``Screened``): the message status detection asks for, the acting explanation and
    action, the findings and raid alerts. A log has no suspicious-user flags."""

    status: str | None
    explanation: str
    action: DetectAction
    findings: tuple[Finding, ...]
    alerts: tuple[Finding, ...]
    new_flag: Mapping[str, Any] | None = None
    flag_alert: Mapping[str, Any] | None = None
