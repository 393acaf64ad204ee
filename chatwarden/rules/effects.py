"""The consequences layer: what a decision calls for, as values, and who carries it out.

A decision about one message returns effects; an applier carries them out for one target:
``service/detection/effects.py`` (``ChatEffects``) for our own chat (store, bus and mod log,
in the chat service's write transaction), ``LogOnlyApplier`` here for replay and shadow mode
(it records them and touches nothing), and later one per connected platform.

Effects: ``Deliver``, ``Hold``, ``Delete`` (this message, or with ``user_ids`` the earlier
messages of those users, a bot wave's), ``Warn``, ``Timeout``, ``Ban``, ``Flag`` (a
suspicious-user flag), ``Alert`` (moderators told: a finding, a flagged user's message, a raid),
``Strike`` (an offence on the strike ladder) and ``ShieldMode``. Each carries its ``reason``,
the text the mod log shows.

``detection_effects`` is the pure decision part of the detection hook: what a screened and
stored message calls for beyond its own fate (``fate_effect``), given the channel's settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from chatwarden.detect.settings import DetectionSettings
from chatwarden.detect.types import ActionKind, DetectAction, Finding


@dataclass(frozen=True, slots=True)
class Target:
    """Whom and what the effects of one message are about."""

    channel_id: int
    user_id: int
    username: str
    message_id: str | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class Deliver:
    """The message is shown; ``restricted``: only to the moderators and the sender."""

    reason: str = ""
    restricted: bool = False
    delay_s: int = 0


@dataclass(frozen=True, slots=True)
class Hold:
    """The message waits for a moderator (the review queue)."""

    reason: str
    detail: str = ""  # what the sender is told
    log_action: str = "automod.hold"


@dataclass(frozen=True, slots=True)
class Delete:
    """The message is not delivered (``user_ids`` empty), or those users' messages of the last
    ``since_s`` seconds are removed from chat (a bot wave's earlier lines)."""

    reason: str
    detail: str = ""
    log_action: str = "automod.block"
    user_ids: tuple[int, ...] = ()
    since_s: float = 0.0
    finding: Finding | None = None


@dataclass(frozen=True, slots=True)
class Warn:
    reason: str


@dataclass(frozen=True, slots=True)
class Timeout:
    reason: str
    seconds: int
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Ban:
    reason: str


@dataclass(frozen=True, slots=True)
class Flag:
    """A suspicious-user flag written for the sender (``source``: auto, shared)."""

    reason: str
    status: Literal["monitored", "restricted"]
    source: Literal["auto", "shared"]
    reasons: tuple[str, ...]
    evasion_level: str | None = None
    evasion_score: float | None = None
    matched_user_id: int | None = None
    shared_channel_ids: tuple[int, ...] = ()


AlertKind = Literal["finding", "suspicious_message", "raid"]


@dataclass(frozen=True, slots=True)
class Alert:
    """Moderators are told: ``finding`` (detector findings, ``action`` taken), a flagged
    sender's ``suspicious_message`` (``details``: the flag), or a ``raid``."""

    reason: str
    kind: AlertKind
    action: str = ""
    findings: tuple[Finding, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Strike:
    """An offence on the strike ladder (the ladder decides warn, timeout or ban)."""

    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class ShieldMode:
    """Shield Mode switched on by AutoMod."""

    reason: str


Effect = Deliver | Hold | Delete | Warn | Timeout | Ban | Flag | Alert | Strike | ShieldMode


class EffectApplier(Protocol):
    """Carries out the effects of one message for one target platform."""

    def apply(self, target: Target, effects: Sequence[Effect]) -> None: ...


@dataclass(frozen=True, slots=True)
class Applied:
    """One effect an applier carried out (or, log-only, would have)."""

    target: Target
    effect: Effect

    @property
    def kind(self) -> str:
        return type(self.effect).__name__.lower()

    def to_dict(self) -> dict[str, Any]:
        return {
            "effect": self.kind,
            "reason": self.effect.reason,
            "channel_id": self.target.channel_id,
            "user_id": self.target.user_id,
            "message_id": self.target.message_id,
        }


class LogOnlyApplier:
    """Records effects and carries out none (replay, shadow mode)."""

    def __init__(self) -> None:
        self.applied: list[Applied] = []

    def apply(self, target: Target, effects: Sequence[Effect]) -> None:
        self.applied.extend(Applied(target, e) for e in effects)

    def kinds(self) -> list[str]:
        return [a.kind for a in self.applied]


def fate_effect(status: str, reason: str | None = None, detail: str | None = None) -> Effect:
    """The message's own fate as an effect, from its stored status."""
    if status in ("delivered", "delayed", "restricted"):
        return Deliver(reason or "", restricted=status == "restricted")
    if status == "held":
        return Hold(reason or "held_for_review", detail or "")
    return Delete(reason or "blocked", detail or "")


class Screened(Protocol):
    """What detection decided for one message (``service/detection/hook.Screening``)."""

    @property
    def status(self) -> str | None: ...
    @property
    def explanation(self) -> str: ...
    @property
    def action(self) -> DetectAction: ...
    @property
    def findings(self) -> tuple[Finding, ...]: ...
    @property
    def alerts(self) -> tuple[Finding, ...]: ...
    @property
    def new_flag(self) -> Mapping[str, Any] | None: ...
    @property
    def flag_alert(self) -> Mapping[str, Any] | None: ...


@dataclass
class BatchMemory:
    """What one batch remembers across its messages: one strike per user per batch, Shield
    Mode switched on at most once per channel."""

    struck: set[tuple[int, int]] = field(default_factory=set)
    shielded: set[int] = field(default_factory=set)


def detection_effects(
    screen: Screened,
    status: str,
    target: Target,
    settings: Callable[[], DetectionSettings],
    memory: BatchMemory,
) -> list[Effect]:
    """The effects a screened message calls for once stored with ``status``, in the order
    they are applied. ``settings`` is asked only when an effect depends on them."""
    out: list[Effect] = []
    if screen.new_flag is not None:
        out.append(_flag(screen.new_flag))
    if screen.flag_alert is not None and status in ("delivered", "delayed", "restricted"):
        reasons = screen.flag_alert.get("reasons") or ()
        out.append(Alert("; ".join(reasons), "suspicious_message", details=screen.flag_alert))
    action = screen.action
    if action.kind is ActionKind.TIMEOUT and action.seconds:
        out.append(Timeout(screen.explanation, action.seconds, screen.findings))
    elif action.kind is ActionKind.FLAG or (screen.findings and action.kind is not ActionKind.NONE):
        out.append(Alert(screen.explanation, "finding", action.kind.value, screen.findings))
    for alert in screen.alerts:
        raid = settings().detectors.raid
        if raid.auto_shield and target.channel_id not in memory.shielded:
            memory.shielded.add(target.channel_id)
            out.append(ShieldMode(f"hate raid suspected: {alert.explanation}"))
        out.append(Alert(alert.explanation, "raid", findings=(alert,)))
    for finding in screen.findings:
        if finding.code == "wave.bot":
            out.append(_wave_cleanup(finding, settings().detectors.waves.similarity.window_s))
    strike = _strike(screen, status, target, settings, memory)
    if strike is not None:
        out.append(strike)
    return out


def _flag(row: Mapping[str, Any]) -> Flag:
    reasons = tuple(row["reasons"])
    return Flag(
        "; ".join(reasons),
        row["status"],
        row["source"],
        reasons,
        evasion_level=row.get("evasion_level"),
        evasion_score=row.get("evasion_score"),
        matched_user_id=row.get("matched_user_id"),
        shared_channel_ids=tuple(row.get("shared_channel_ids") or ()),
    )


def _wave_cleanup(finding: Finding, window_s: float) -> Delete:
    users = tuple(int(u) for u in finding.evidence.get("bot_like_user_ids", []))
    return Delete(
        f"earlier message of a bot wave: {finding.explanation}",
        log_action="detection.delete",
        user_ids=users,
        since_s=window_s,
        finding=finding,
    )


def _strike(
    screen: Screened,
    status: str,
    target: Target,
    settings: Callable[[], DetectionSettings],
    memory: BatchMemory,
) -> Strike | None:
    """A blocked message may be an offence on the strike ladder (one per user per batch)."""
    key = (target.channel_id, target.user_id)
    if status != "blocked" or key in memory.struck:
        return None
    current = settings()
    if not current.detectors.strikes.enabled:
        return None
    if screen.status == "blocked" and current.offences.detector_actions:
        codes = [f.code for f in screen.findings if f.action == screen.action]
        code, why = (codes[0] if codes else "detection"), screen.explanation
    elif screen.status != "blocked" and current.offences.automod_blocks:
        code, why = "automod.block", "a blocked term"
    else:
        return None
    memory.struck.add(key)
    return Strike(why, code)


def kinds(effects: Iterable[Effect]) -> list[str]:
    """The effects' kinds in order (``deliver``, ``timeout`` ...), for reports and tests."""
    return [type(e).__name__.lower() for e in effects]
