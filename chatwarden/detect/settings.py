"""A channel's proactive-detection settings, as the live service and replay both read them.

``DetectionSettings`` wraps detection-core's ``DetectionConfig`` (spam filters, waves, raid,
evasion, trust gates, strike ladder) with what the channel decides on top: the master switch for
the live detectors, how shared bans are treated and which offences count as strikes. The
defaults are the live defaults (``DEFAULT_DETECTORS``: the acting filters are opt-in). Pure:
the service stores them per channel (``service/detection/settings.py``), a replay settings
file gives them in a ``[detection]`` table (``replay/config.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chatwarden.detect.config import SPAM_FILTERS, DetectionConfig


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
                update={name: getattr(spam, name).model_copy(update=off) for name in SPAM_FILTERS}
            ),
            "waves": base.waves.model_copy(update=off),
        }
    )


DEFAULT_DETECTORS = _opt_in_filters()


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


DEFAULT_SETTINGS = DetectionSettings()


def with_channel_emotes(config: DetectionConfig, emotes: Sequence[str]) -> DetectionConfig:
    """``config`` with the channel's emote set (its chat settings) added to ``spam.emotes``:
    the spam filters, the raid detector and ban-evasion style all leave emotes out, and a
    channel lists its emotes once, in its chat settings."""
    if not emotes or config.spam.emotes.issuperset(emotes):
        return config
    spam = config.spam.model_copy(update={"emotes": config.spam.emotes | frozenset(emotes)})
    return config.model_copy(update={"spam": spam})
