"""What a replay runs with: AutoMod settings, chat modes, detection settings and the model.

A replay settings file is an AutoMod settings file (``docs/settings.example.toml``) with an
optional ``[chat_modes]`` table (``ChatModes``); without the table no chat mode is simulated
(only the default rate limit); and an optional ``[detection]`` table with the keys of a
channel's detection settings (``GET /api/v1/channels/{name}/detection/settings``,
``DetectionSettings``); without it the live defaults apply (ban evasion and raid alerts on,
spam filters, the flood limit and bot waves off); and an optional ``[context]`` table
(``ContextSettings``: ``enabled = true`` scores each message with its context, off by default).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from chatwarden.detect.settings import DEFAULT_SETTINGS, DetectionSettings
from chatwarden.errors import ConfigError, describe_validation_errors
from chatwarden.replay.context import ContextSettings
from chatwarden.replay.modes import ChatModes
from chatwarden.settings import AutoModSettings


@dataclass(frozen=True)
class ReplaySettings:
    automod: AutoModSettings = field(default_factory=AutoModSettings)
    modes: ChatModes = field(default_factory=ChatModes)
    #: where the settings came from (for the report): a file name or "defaults"
    source: str = "defaults"
    #: the channel's detection settings (a ``[detection]`` table; default: the live defaults)
    detection: DetectionSettings = DEFAULT_SETTINGS
    #: context-aware scoring (a ``[context]`` table; default: off)
    context: ContextSettings = field(default_factory=ContextSettings)


def load_replay_settings(path: Path | None) -> ReplaySettings:
    """Settings from a ``.toml``/``.json`` file (``None``: the defaults, overall level 2)."""
    if path is None:
        return ReplaySettings()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read settings file {str(path)!r}: {exc.strerror}") from None
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table/object at the top level")
    modes_data = data.pop("chat_modes", {})
    if not isinstance(modes_data, dict):
        raise ConfigError(f"{path}: chat_modes must be a table")
    try:
        modes = ChatModes.model_validate(modes_data)
    except ValidationError as exc:
        problems = describe_validation_errors(exc.errors(), prefix="chat_modes.", show_input=False)
        raise ConfigError(f"{path}: {problems}") from None
    detection_data = data.pop("detection", {})
    if not isinstance(detection_data, dict):
        raise ConfigError(f"{path}: detection must be a table")
    try:
        detection = DetectionSettings.model_validate(detection_data)
    except ValidationError as exc:
        problems = describe_validation_errors(exc.errors(), prefix="detection.", show_input=False)
        raise ConfigError(f"{path}: {problems}") from None
    context_data = data.pop("context", {})
    if not isinstance(context_data, dict):
        raise ConfigError(f"{path}: context must be a table")
    try:
        context = ContextSettings.model_validate(context_data)
    except ValidationError as exc:
        problems = describe_validation_errors(exc.errors(), prefix="context.", show_input=False)
        raise ConfigError(f"{path}: {problems}") from None
    automod = AutoModSettings.from_mapping(data, source=str(path))
    return ReplaySettings(
        automod=automod, modes=modes, detection=detection, context=context, source=path.name
    )
