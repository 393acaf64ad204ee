"""A channel's proactive-detection settings and Shield Mode preset (typed, validated, logged).

``DetectionSettings`` (pure, in ``detect/settings.py``, so replay reads the same settings and
defaults) wraps detection-core's ``DetectionConfig`` with the master switch for the live
detectors, how shared bans are treated and which offences count as strikes.
``ShieldPreset`` is the saved strict preset Shield Mode applies. Both live in the
``channel_detection`` row (absent: defaults); every change bumps its ``rev``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.engine import Connection

# the settings models are pure (replay reads them too); re-exported for the service's callers
from chatwarden.detect.settings import DEFAULT_DETECTORS as DEFAULT_DETECTORS
from chatwarden.detect.settings import DEFAULT_SETTINGS as DEFAULT_SETTINGS
from chatwarden.detect.settings import DetectionSettings as DetectionSettings
from chatwarden.detect.settings import OffenceConfig as OffenceConfig
from chatwarden.detect.settings import SharedBanConfig as SharedBanConfig
from chatwarden.detect.settings import deep_merge as deep_merge
from chatwarden.detect.settings import to_json as to_json
from chatwarden.errors import Forbidden, InputError, describe_validation_errors
from chatwarden.service import events
from chatwarden.service.base import Outbox, ServiceBase
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor
from chatwarden.settings import Role
from chatwarden.store import audit
from chatwarden.store import detection as store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.detection import DetectionRow


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    def from_row(channel_id: int, row: DetectionRow | None) -> DetectionState:
        if row is None:
            return DetectionState(channel_id, DEFAULT_SETTINGS, DEFAULT_PRESET, False, None, -1)
        settings, preset = _parsed(channel_id, row.settings, row.shield_preset)
        return DetectionState(
            channel_id, settings, preset, row.shield_active, row.shield_saved, row.rev
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


def ensure_row_txn(out: Outbox, channel_id: int) -> DetectionRow:
    return store.ensure_detection_txn(
        out.conn,
        channel_id,
        settings=to_json(DEFAULT_SETTINGS),
        shield_preset=to_json(DEFAULT_PRESET),
        now=out.now,
    )


def announce_txn(
    out: Outbox,
    channel: ChannelRow,
    actor: Actor,
    what: str,
    action: str,
    changed: dict[str, Any],
) -> None:
    """Mod-log entry + ``channel.detection_settings.update`` for a settings change."""
    audit.append_txn(
        out.conn,
        channel_id=channel.id,
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
            before = to_json(DetectionSettings.model_validate(row.settings))
            after = to_json(parse_settings(deep_merge(before, patch)))
            changed = diff(before, after)
            if OWNER_ONLY & set(changed) and role is not Role.OWNER and not actor.is_admin:
                raise Forbidden("only the channel owner can allow Shield Mode to turn on by itself")
            if changed:
                store.update_detection_txn(out.conn, channel_id, out.now, settings=after)
                announce_txn(out, channel, actor, what, "detection.settings.update", changed)
        return DetectionSettings.model_validate(after)
