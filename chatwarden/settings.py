"""AutoMod settings for one channel: levels, terms and exemptions, validated early.

Settings load from TOML or JSON; every error names the key and the bad value. The settings
version is a hash of the canonical form, so a decision records exactly what produced it.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chatwarden.categories import CATEGORIES, Category, preset
from chatwarden.errors import ConfigError, describe_validation_errors


class Role(StrEnum):
    """A chatter's role in a channel, highest first."""

    OWNER = "owner"
    LEAD_MODERATOR = "lead_moderator"
    MODERATOR = "moderator"
    VIP = "vip"
    SUBSCRIBER = "subscriber"
    FOLLOWER = "follower"
    VIEWER = "viewer"


ALWAYS_EXEMPT = frozenset({Role.OWNER, Role.LEAD_MODERATOR, Role.MODERATOR})


class TermSpec(BaseModel):
    """A blocked or permitted term as written in a settings file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(description="The term, phrase, or (with is_regex) an RE2 pattern.")
    kind: Literal["blocked", "permitted"] = "blocked"
    private: bool = Field(False, description="Only the owner sees a private term.")
    scope: Literal["global", "channel"] = "channel"
    is_regex: bool = False


class AutoModSettings(BaseModel):
    """One channel's AutoMod configuration.

    ``overall_level`` sets every category the way Twitch's presets do; setting it to ``None``
    and giving ``levels`` customises categories one by one (unset categories are 0).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    overall_level: int | None = Field(
        2, ge=0, le=4, description="Twitch-style preset 0-4; None when categories are customised."
    )
    levels: dict[Category, int] = Field(
        default_factory=dict,
        description="Per-category levels 0-4; overrides the preset for the categories given.",
    )
    vip_exempt: bool = Field(
        True, description="VIPs skip AutoMod (owner and moderators always do)."
    )
    terms: tuple[TermSpec, ...] = Field(default=(), description="Blocked and permitted terms.")
    emotes: frozenset[str] = Field(
        default=frozenset(),
        exclude=True,  # the channel's chat settings own them (``emote_set``); never exported here
        description="The channel's emote codes: words written exactly so are never scored by "
        "the model (a channel's own 'wardenKill' emote is not a threat).",
    )
    learned: dict[Category, float] = Field(
        default_factory=dict,
        exclude=True,  # learned from the moderators (``chatwarden.learning``), never hand-edited
        description="What the channel learned from its moderators: a shift of each category's "
        "level, at most one level either way (a category at level 0 stays off).",
    )
    learned_head: dict[str, Any] | None = Field(
        default=None,
        exclude=True,  # learned from the moderators (``chatwarden.learning.head``), likewise
        description="The channel's learned head (``chatwarden.pipeline.learned.Head``, as "
        "stored; validated by the engine that applies it): which messages its moderators act "
        "on, beyond its lines.",
    )

    @model_validator(mode="after")
    def _check_levels(self) -> AutoModSettings:
        for cat, lvl in self.levels.items():
            if not 0 <= lvl <= 4:
                raise ValueError(f"levels.{cat} must be 0-4, got {lvl!r}")
        for cat, shift in self.learned.items():
            if not -1 <= shift <= 1:
                raise ValueError(f"learned.{cat} must be between -1 and 1, got {shift!r}")
        return self

    def category_levels(self) -> dict[Category, int]:
        """The effective level of every category."""
        base = preset(self.overall_level) if self.overall_level is not None else {}
        return {cat: self.levels.get(cat, base.get(cat, 0)) for cat in CATEGORIES}

    def is_exempt(self, role: Role | str | None) -> bool:
        if role is None:
            return False
        role = Role(role)
        return role in ALWAYS_EXEMPT or (role is Role.VIP and self.vip_exempt)

    def with_level(self, overall_level: int) -> AutoModSettings:
        """A copy with the preset applied: like Twitch, a preset overwrites every category."""
        return self.model_copy(update={"overall_level": overall_level, "levels": {}})

    @property
    def version(self) -> str:
        data = self.model_dump(mode="json")
        if self.emotes:  # decisions depend on them; settings without emotes keep their version
            data["emotes"] = sorted(self.emotes)
        if self.learned:  # likewise what the channel learned
            data["learned"] = {cat: round(v, 6) for cat, v in sorted(self.learned.items())}
        if self.learned_head is not None:
            data["learned_head"] = self.learned_head
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return "s-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "settings") -> AutoModSettings:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{source}: {describe_validation_errors(exc.errors())}") from None

    @classmethod
    def load(cls, path: Path) -> AutoModSettings:
        """Load settings from a ``.toml`` or ``.json`` file."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read settings file {str(path)!r}: {exc.strerror}") from None
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(raw)
            else:
                data = tomllib.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{path}: not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}"
            ) from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a table/object at the top level")
        return cls.from_mapping(data, source=str(path))
