"""The consequences layer's pure part: effects as values, the detection decision and the
log-only applier (no store)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chatwarden.detect.settings import DEFAULT_SETTINGS, DetectionSettings, deep_merge
from chatwarden.detect.types import NO_ACTION, ActionKind, DetectAction, Finding
from chatwarden.rules.effects import (
    Alert,
    BatchMemory,
    Delete,
    Deliver,
    Flag,
    Hold,
    LogOnlyApplier,
    ShieldMode,
    Strike,
    Target,
    Timeout,
    detection_effects,
    fate_effect,
    kinds,
)

TARGET = Target(1, 7, "victor", "m1", "buy followers")
TIMEOUT = DetectAction(ActionKind.TIMEOUT, 60)
DELETE = DetectAction(ActionKind.DELETE)


@dataclass(frozen=True)
class Screen:
    status: str | None = None
    explanation: str = ""
    action: DetectAction = NO_ACTION
    findings: tuple[Finding, ...] = ()
    alerts: tuple[Finding, ...] = ()
    new_flag: Mapping[str, Any] | None = None
    flag_alert: Mapping[str, Any] | None = None


@dataclass
class Settings:
    """Counts how often the decision asks for the settings."""

    value: DetectionSettings = DEFAULT_SETTINGS
    asked: list[int] = field(default_factory=list)

    def __call__(self) -> DetectionSettings:
        self.asked.append(1)
        return self.value


def with_strikes(enabled: bool = True, **offences: bool) -> DetectionSettings:
    data = deep_merge(
        DEFAULT_SETTINGS.model_dump(mode="json"),
        {"detectors": {"strikes": {"enabled": enabled}}, "offences": offences},
    )
    return DetectionSettings.model_validate(data)


def finding(code: str, action: DetectAction, **evidence: Any) -> Finding:
    return Finding("spam", code, action, f"{code} explained", evidence)


def test_a_plain_delivered_message_calls_for_nothing_and_reads_no_settings() -> None:
    settings = Settings()
    assert detection_effects(Screen(), "delivered", TARGET, settings, BatchMemory()) == []
    assert settings.asked == []


def test_a_timeout_with_its_findings_and_a_strike_once_per_batch() -> None:
    f = finding("spam.links", TIMEOUT)
    screen = Screen("blocked", "a link", TIMEOUT, (f,))
    memory, settings = BatchMemory(), Settings(with_strikes())
    first = detection_effects(screen, "blocked", TARGET, settings, memory)
    assert first == [Timeout("a link", 60, (f,)), Strike("a link", "spam.links")]
    again = detection_effects(screen, "blocked", TARGET, settings, memory)
    assert kinds(again) == ["timeout"]  # one strike per user per batch


def test_strikes_follow_the_offence_settings() -> None:
    automod_block = Screen()  # AutoMod blocked it, detection said nothing
    on = Settings(with_strikes())
    assert detection_effects(automod_block, "blocked", TARGET, on, BatchMemory()) == [
        Strike("a blocked term", "automod.block")
    ]
    off = Settings(with_strikes(automod_blocks=False))
    assert detection_effects(automod_block, "blocked", TARGET, off, BatchMemory()) == []
    disabled = Settings(with_strikes(enabled=False))
    assert detection_effects(automod_block, "blocked", TARGET, disabled, BatchMemory()) == []
    held = Screen("held", "why", DetectAction(ActionKind.HOLD), (finding("spam.caps", DELETE),))
    assert kinds(detection_effects(held, "held", TARGET, on, BatchMemory())) == ["alert"]


def test_flags_and_suspicious_messages() -> None:
    row = {"status": "restricted", "source": "auto", "reasons": ["likely ban evader"]}
    alert = {"reasons": ("likely ban evader",), "low_trust_status": "restricted"}
    screen = Screen(new_flag=row, flag_alert=alert)
    effects = detection_effects(screen, "restricted", TARGET, Settings(), BatchMemory())
    assert effects == [
        Flag("likely ban evader", "restricted", "auto", ("likely ban evader",)),
        Alert("likely ban evader", "suspicious_message", details=alert),
    ]
    held = detection_effects(screen, "held", TARGET, Settings(), BatchMemory())
    assert kinds(held) == ["flag"]  # a message not shown is no suspicious message


def test_a_raid_turns_shield_mode_on_once_per_channel_when_allowed() -> None:
    raid = Finding("raid", "raid.suspected", DetectAction(ActionKind.FLAG), "20 new chatters", {})
    screen = Screen(alerts=(raid, raid))
    auto = DEFAULT_SETTINGS.model_copy(
        update={
            "detectors": DEFAULT_SETTINGS.detectors.model_copy(
                update={
                    "raid": DEFAULT_SETTINGS.detectors.raid.model_copy(update={"auto_shield": True})
                }
            )
        }
    )
    effects = detection_effects(screen, "delivered", TARGET, Settings(auto), BatchMemory())
    assert effects == [
        ShieldMode("hate raid suspected: 20 new chatters"),
        Alert("20 new chatters", "raid", findings=(raid,)),
        Alert("20 new chatters", "raid", findings=(raid,)),
    ]
    plain = detection_effects(screen, "delivered", TARGET, Settings(), BatchMemory())
    assert kinds(plain) == ["alert", "alert"]


def test_a_bot_wave_deletes_the_bots_earlier_lines() -> None:
    wave = finding("wave.bot", DELETE, bot_like_user_ids=[3, "4"])
    screen = Screen("blocked", "bot wave", DELETE, (wave,))
    effects = detection_effects(screen, "blocked", TARGET, Settings(), BatchMemory())
    window = DEFAULT_SETTINGS.detectors.waves.similarity.window_s
    assert effects[:2] == [
        Alert("bot wave", "finding", "delete", (wave,)),
        Delete(
            "earlier message of a bot wave: wave.bot explained",
            log_action="detection.delete",
            user_ids=(3, 4),
            since_s=window,
            finding=wave,
        ),
    ]


def test_fate_and_the_log_only_applier() -> None:
    assert fate_effect("delivered") == Deliver()
    assert fate_effect("restricted") == Deliver(restricted=True)
    assert fate_effect("held", "held_for_review", "wait") == Hold("held_for_review", "wait")
    assert fate_effect("blocked", "detection", "no") == Delete("detection", "no")
    log = LogOnlyApplier()
    log.apply(TARGET, [fate_effect("blocked", "detection"), Timeout("a link", 60)])
    assert log.kinds() == ["delete", "timeout"]
    assert log.applied[1].to_dict() == {
        "effect": "timeout",
        "reason": "a link",
        "channel_id": 1,
        "user_id": 7,
        "message_id": "m1",
    }
