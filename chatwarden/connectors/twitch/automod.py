"""Twitch's AutoMod settings (Helix Get and Update AutoMod Settings) and ChatWarden's, mapped
(pure).

Twitch's eight individual fields are ChatWarden's category names and both use levels 0-4, so
a level maps to itself. ``overall_level`` is a preset on both sides: a ChatWarden preset with
no per-category override is sent as ``{"overall_level": n}`` (Twitch applies its preset and
answers the levels it set), anything else as all eight individual fields (Twitch sets a field
left out to 0, so all are sent). Twitch takes one or the other, never both
(``update_request`` refuses both). Pulled, Twitch's levels become the channel's exactly: its
``overall_level`` with the categories where Twitch's levels differ from ChatWarden's preset as
overrides, or, without one, all eight levels.

What does not map is kept and reported, never dropped: ChatWarden's VIP exemption, its learned
shifts and head, and its blocked and permitted terms (Twitch keeps its blocked terms apart,
not in these settings) stay as they are; a field Twitch sends that ChatWarden does not know is
named and left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from chatwarden.categories import CATEGORIES, MAX_LEVEL, Category, preset
from chatwarden.connectors.twitch.parse import HelixRequest
from chatwarden.settings import AutoModSettings

PATH = "/moderation/automod/settings"
READ_SCOPE = "moderator:read:automod_settings"
MANAGE_SCOPE = "moderator:manage:automod_settings"
#: the fields of Twitch's answer that name whose settings they are, not a setting
IDS = ("broadcaster_id", "moderator_id")


@dataclass(frozen=True, slots=True)
class TwitchAutoMod:
    """One channel's AutoMod settings as Twitch answers them."""

    overall_level: int | None
    levels: Mapping[Category, int]  # all eight individual fields
    unknown: tuple[str, ...] = ()  # fields ChatWarden does not know (not mapped)


def get_request(broadcaster_id: str, moderator_id: str) -> HelixRequest:
    """Get AutoMod Settings (``moderator:read:automod_settings`` or ``...:manage:...``)."""
    return HelixRequest("GET", PATH, _ids(broadcaster_id, moderator_id))


def update_request(broadcaster_id: str, moderator_id: str, body: Mapping[str, int]) -> HelixRequest:
    """Update AutoMod Settings (``moderator:manage:automod_settings``): ``body`` is
    ``{"overall_level": n}`` or individual fields, never both (``ValueError``)."""
    fields = set(body)
    if not fields:
        raise ValueError("give overall_level or the individual AutoMod levels")
    if "overall_level" in fields and len(fields) > 1:
        raise ValueError(
            "Twitch takes overall_level or the individual AutoMod levels, not both "
            f"(got {', '.join(sorted(fields))})"
        )
    unknown = sorted(fields - {"overall_level", *CATEGORIES})
    if unknown:
        raise ValueError(f"not Twitch AutoMod settings: {', '.join(unknown)}")
    for name, level in body.items():
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
            raise ValueError(f"{name} must be 0-{MAX_LEVEL}, got {level!r}")
    return HelixRequest("PUT", PATH, _ids(broadcaster_id, moderator_id), dict(body))


def parse_settings(body: Mapping[str, Any]) -> TwitchAutoMod:
    """Get's (and Update's) answer ``{"data": [{...}]}`` → ``TwitchAutoMod``; ``ValueError``
    naming what is not as Twitch documents it."""
    data = body.get("data")
    if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], Mapping):
        raise ValueError("Twitch's AutoMod settings: expected {data: [one settings object]}")
    row = data[0]
    overall = row.get("overall_level")
    if overall is not None and not _level(overall):
        raise ValueError(f"Twitch's overall_level is not 0-{MAX_LEVEL}: {overall!r}")
    levels: dict[Category, int] = {}
    for cat in CATEGORIES:
        value = row.get(cat)
        if not _level(value):
            raise ValueError(f"Twitch's {cat} is not a level 0-{MAX_LEVEL}: {value!r}")
        levels[cat] = value
    unknown = tuple(sorted(set(row) - {*IDS, "overall_level", *CATEGORIES}))
    return TwitchAutoMod(overall, levels, unknown)


def pull_patch(twitch: TwitchAutoMod) -> dict[str, Any]:
    """The change to a channel's settings that makes its levels Twitch's (for
    ``AutoModSettingsService.update_settings``)."""
    if twitch.overall_level is None:
        return {"overall_level": None, "levels": dict(twitch.levels)}
    base = preset(twitch.overall_level)
    overrides = {cat: lvl for cat, lvl in twitch.levels.items() if lvl != base[cat]}
    return {"overall_level": twitch.overall_level, "levels": overrides}


def push_body(settings: AutoModSettings) -> dict[str, int]:
    """What Update AutoMod Settings is sent for a channel's settings."""
    if settings.overall_level is not None:
        base = preset(settings.overall_level)
        if all(base[cat] == lvl for cat, lvl in settings.levels.items()):
            return {"overall_level": settings.overall_level}
    return {str(cat): lvl for cat, lvl in settings.category_levels().items()}


@dataclass(frozen=True, slots=True)
class Difference:
    """One setting where ChatWarden's and Twitch's differ (a level, or None: no preset)."""

    field: str
    chatwarden: int | None
    twitch: int | None


def differences(settings: AutoModSettings, twitch: TwitchAutoMod) -> list[Difference]:
    """Where the channel's settings and Twitch's differ: the preset (unless it is the same, or
    ChatWarden's has overrides that Twitch holds as individual levels), then each category's
    effective level."""
    found = []
    theirs = twitch.overall_level
    if settings.overall_level != theirs and push_body(settings).get("overall_level") != theirs:
        found.append(Difference("overall_level", settings.overall_level, twitch.overall_level))
    ours = settings.category_levels()
    for cat in CATEGORIES:
        if ours[cat] != twitch.levels[cat]:
            found.append(Difference(cat, ours[cat], twitch.levels[cat]))
    return found


def not_mapped(settings: AutoModSettings, twitch: TwitchAutoMod | None = None) -> list[str]:
    """What has no counterpart on the other side (kept where it is, never dropped)."""
    notes = [
        f"vip_exempt={str(settings.vip_exempt).lower()}: ChatWarden only (Twitch's AutoMod "
        "settings have no VIP exemption); kept",
        "blocked and permitted terms: not part of Twitch's AutoMod settings (Twitch keeps its "
        "blocked terms apart); ChatWarden's kept",
    ]
    if settings.learned:
        shifts = ", ".join(f"{cat} {shift:+g}" for cat, shift in sorted(settings.learned.items()))
        notes.append(f"learned shifts ({shifts}): ChatWarden only; kept")
    if settings.learned_head is not None:
        notes.append("learned head: ChatWarden only; kept")
    if twitch is not None and twitch.unknown:
        notes.append(
            f"Twitch fields ChatWarden does not know: {', '.join(twitch.unknown)}; not mapped"
        )
    return notes


def _ids(broadcaster_id: str, moderator_id: str) -> tuple[tuple[str, str], ...]:
    return (("broadcaster_id", broadcaster_id), ("moderator_id", moderator_id))


def _level(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_LEVEL
