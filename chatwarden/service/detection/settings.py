"""A channel's proactive-detection settings and Shield Mode preset (typed, validated, logged).

``DetectionSettings`` wraps detection-core's ``DetectionConfig`` (spam filters, waves, raid,
evasion, trust gates, strike ladder) with what only the service decides: the master switch for
the live detectors, how shared bans are treated and which offences count as strikes.
``ShieldPreset`` is the saved strict preset Shield Mode applies. Both live in the
``channel_detection`` row (absent: defaults); every change bumps its ``rev``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import Connection, RowMapping

from chatwarden.detect.config import DetectionConfig
from chatwarden.errors import Forbidden, InputError, describe_validation_errors
from chatwarden.service import events
from chatwarden.service.base import Outbox, ServiceBase
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor
from chatwarden.settings import Role
from chatwarden.store import audit
from chatwarden.store import detection as store


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SharedBanConfig(_Model):
    """Users banned in a channel that shares ban information with this one (both agreed)."""

    treatment: Literal["monitor", "restrict", "off"] = "monitor"


class OffenceConfig(_Model):
    """Which events count as an offence on the strike ladder."""

    automod_blocks: bool = Field(True, description="A message blocked by a blocked term.")
    detector_actions: bool = Field(
        True, description="A message the spam/flood/wave detectors deleted or timed out."
    )
    denied_holds: bool = Field(
        False,
        description="A held message a moderator denied (off by default: the moderator who "
        "denies it can sanction the sender themselves).",
    )


def _opt_in_filters() -> DetectionConfig:
    """Detection-core's configuration with the acting filters off (a channel opts in).

    Like Twitch and the chat bots: ban-evasion detection ("likely" evaders monitored, not
    restricted) and raid alerts are on for every channel; spam filters, the flood limit and
    bot-wave actions change what chatters can post, so a channel turns them on itself.
    """
    base = DetectionConfig()
    spam = base.spam
    off = {"enabled": False}
    return base.model_copy(
        update={
            "spam": spam.model_copy(
                update={
                    name: getattr(spam, name).model_copy(update=off)
                    for name in (
                        "caps",
                        "symbols",
                        "repetition",
                        "emote_flood",
                        "length",
                        "links",
                        "mentions",
                        "rate",
                    )
                }
            ),
            "waves": base.waves.model_copy(update=off),
        }
    )


DEFAULT_DETECTORS = _opt_in_filters()


class DetectionSettings(_Model):
    """Everything a channel configures about proactive detection except Shield Mode's preset."""

    enabled: bool = Field(
        True,
        description="Run the live detectors that are enabled in ``detectors`` on every "
        "message (by default ban evasion and raid alerts; spam filters, the flood limit and "
        "bot waves are opt-in). Trust gates, suspicious users, shared bans and the strike "
        "ladder work regardless.",
    )
    detectors: DetectionConfig = DEFAULT_DETECTORS
    shared_bans: SharedBanConfig = SharedBanConfig()
    offences: OffenceConfig = OffenceConfig()

    @field_validator("detectors", mode="before")
    @classmethod
    def _over_defaults(cls, value: Any) -> Any:
        """A partial ``detectors`` object applies over these defaults, not over the core's."""
        if isinstance(value, Mapping):
            return deep_merge(_DEFAULT_DETECTORS_JSON, value)
        return value


class ShieldPreset(_Model):
    """The strict settings Shield Mode applies (Twitch's preset, editable)."""

    followers_only_min_age_s: int | None = Field(
        600, ge=0, le=90 * 86400, description="Followers-only with this follow age (None: off)."
    )
    slow_mode_s: int = Field(10, ge=0, le=120)
    subscribers_only: bool = False
    unique_chat: bool = False
    non_mod_chat_delay_s: int = Field(0, ge=0, le=6)
    automod_level: int | None = Field(
        3, ge=0, le=4, description="AutoMod overall level while shielded (None: unchanged)."
    )
    verification: Literal["none", "email", "phone"] = Field(
        "email", description="Verification required of every non-exempt chatter."
    )
    first_time_chatters: Literal["allow", "restrict", "reject"] = Field(
        "restrict", description="restrict: only moderators see a first-time chatter's messages."
    )


def to_json(value: Any) -> Any:
    """JSON-ready and canonical: models dumped, sets sorted (so equal settings compare equal)."""
    if isinstance(value, BaseModel):
        return to_json(value.model_dump())
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((to_json(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


_DEFAULT_DETECTORS_JSON: dict[str, Any] = to_json(DEFAULT_DETECTORS)  # never mutated


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``patch`` applied: nested objects merge, anything else is replaced."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def diff(before: Any, after: Any, prefix: str = "") -> dict[str, Any]:
    """Flattened ``{"a.b": {"before": x, "after": y}}`` of what changed."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: dict[str, Any] = {}
        for key in sorted(set(before) | set(after)):
            out.update(diff(before.get(key), after.get(key), f"{prefix}{key}."))
        return out
    if before != after:
        return {prefix.rstrip("."): {"before": before, "after": after}}
    return {}


def parse_settings(data: Mapping[str, Any], what: str = "detection settings") -> DetectionSettings:
    try:
        return DetectionSettings.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(f"{what}: {describe_validation_errors(exc.errors())}") from None


def parse_preset(data: Mapping[str, Any]) -> ShieldPreset:
    try:
        return ShieldPreset.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(f"shield preset: {describe_validation_errors(exc.errors())}") from None


DEFAULT_SETTINGS = DetectionSettings()
#: settings only the owner may change (the owner's consent to automatic Shield Mode)
OWNER_ONLY = frozenset({"detectors.raid.auto_shield"})
DEFAULT_PRESET = ShieldPreset()


@dataclass(frozen=True, slots=True)
class DetectionState:
    """A channel's detection row, parsed (defaults when the channel has none)."""

    channel_id: int
    settings: DetectionSettings
    preset: ShieldPreset
    shield_active: bool
    shield_saved: dict[str, Any] | None
    rev: int

    @staticmethod
    def from_row(channel_id: int, row: RowMapping | None) -> DetectionState:
        if row is None:
            return DetectionState(channel_id, DEFAULT_SETTINGS, DEFAULT_PRESET, False, None, -1)
        settings, preset = _parsed(channel_id, row["settings"], row["shield_preset"])
        return DetectionState(
            channel_id,
            settings,
            preset,
            bool(row["shield_active"]),
            row["shield_saved"],
            int(row["rev"]),
        )


_PARSED: dict[int, tuple[Any, Any, DetectionSettings, ShieldPreset]] = {}


def _parsed(channel_id: int, settings: Any, preset: Any) -> tuple[DetectionSettings, ShieldPreset]:
    """The stored settings and preset, validated (the chat path reads them every batch, so
    the last result per channel is kept while the stored JSON is equal)."""
    hit = _PARSED.get(channel_id)
    if hit is not None and hit[0] == settings and hit[1] == preset:
        return hit[2], hit[3]
    parsed = DetectionSettings.model_validate(settings), ShieldPreset.model_validate(preset)
    if len(_PARSED) > 10_000:
        _PARSED.clear()
    _PARSED[channel_id] = (settings, preset, *parsed)
    return parsed


def load_state_txn(conn: Connection, channel_id: int) -> DetectionState:
    return DetectionState.from_row(channel_id, store.get_detection_txn(conn, channel_id))


def ensure_row_txn(out: Outbox, channel_id: int) -> RowMapping:
    return store.ensure_detection_txn(
        out.conn,
        channel_id,
        settings=to_json(DEFAULT_SETTINGS),
        shield_preset=to_json(DEFAULT_PRESET),
        now=out.now,
    )


def announce_txn(
    out: Outbox,
    channel: Mapping[Any, Any],
    actor: Actor,
    what: str,
    action: str,
    changed: dict[str, Any],
) -> None:
    """Mod-log entry + ``channel.detection_settings.update`` for a settings change."""
    audit.append_txn(
        out.conn,
        channel_id=channel["id"],
        actor_id=actor.user_id,
        action=action,
        created_at=out.now,
        details={"changed": changed},
    )
    out.emit(
        channel,
        events.DETECTION_SETTINGS_UPDATE,
        events.detection_settings_update(
            channel,
            moderator_id=actor.user_id,
            moderator_name=actor.username,
            what=what,
            changed=changed,
        ),
    )


class DetectionSettingsService(ServiceBase):
    """Read and change a channel's detection settings (the trust gates and the strike ladder
    are parts of them: ``detectors.trust``, ``detectors.strikes``)."""

    def get(self, actor: Actor, channel_id: int) -> DetectionSettings:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_DETECTION)
            return load_state_txn(conn, channel_id).settings

    def update(
        self, actor: Actor, channel_id: int, patch: Mapping[str, Any], *, what: str = "settings"
    ) -> DetectionSettings:
        """Apply a partial, nested ``patch``; a bad key or value is an ``InputError`` naming it."""
        if not isinstance(patch, Mapping) or not patch:
            raise InputError("give at least one detection setting to change")
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            role = self.require_txn(out.conn, actor, channel, Permission.UPDATE_DETECTION_SETTINGS)
            row = ensure_row_txn(out, channel_id)
            before = to_json(DetectionSettings.model_validate(row["settings"]))
            after = to_json(parse_settings(deep_merge(before, patch)))
            changed = diff(before, after)
            if OWNER_ONLY & set(changed) and role is not Role.OWNER and not actor.is_admin:
                raise Forbidden("only the channel owner can allow Shield Mode to turn on by itself")
            if changed:
                store.update_detection_txn(out.conn, channel_id, out.now, settings=after)
                announce_txn(out, channel, actor, what, "detection.settings.update", changed)
        return DetectionSettings.model_validate(after)
