"""Options and helpers shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

from chatwarden.errors import ChatWardenError
from chatwarden.settings import AutoModSettings

LEVEL_HELP = "Overall AutoMod level 0-4 (Twitch preset); overrides the settings file's levels."
SETTINGS_HELP = "A channel settings file (.toml or .json): levels, terms, exemptions."


def load_settings(settings_file: Path | None, level: int | None) -> AutoModSettings:
    """Settings from the file (or defaults), with ``--level`` applied as a preset."""
    try:
        settings = AutoModSettings.load(settings_file) if settings_file else AutoModSettings()
    except ChatWardenError as exc:
        fail(exc.message)
    if level is not None:
        if not 0 <= level <= 4:
            fail(f"--level must be 0-4, got {level}")
        settings = settings.with_level(level)
    return settings


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
