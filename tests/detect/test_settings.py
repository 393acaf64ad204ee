"""A channel's detection settings: the live defaults, partial settings and the channel's emotes."""

from __future__ import annotations

from chatwarden.detect.config import DetectionConfig
from chatwarden.detect.settings import (
    DEFAULT_DETECTORS,
    DEFAULT_SETTINGS,
    DetectionSettings,
    with_channel_emotes,
)


def test_the_acting_filters_are_opt_in_and_a_partial_object_applies_over_the_defaults() -> None:
    assert DEFAULT_SETTINGS.enabled and not DEFAULT_DETECTORS.waves.enabled
    assert not DEFAULT_DETECTORS.spam.caps.enabled and DEFAULT_DETECTORS.raid.enabled
    assert DetectionConfig().spam.caps.enabled  # the core's own default differs
    caps_on = DetectionSettings.model_validate({"detectors": {"spam": {"caps": {"enabled": True}}}})
    assert caps_on.detectors.spam.caps.enabled and not caps_on.detectors.spam.links.enabled


def test_the_channel_s_emotes_join_the_detectors_emotes() -> None:
    config = DEFAULT_DETECTORS
    assert with_channel_emotes(config, ()) is config
    added = with_channel_emotes(config, ("vkimmWiggle",))
    assert "vkimmWiggle" in added.spam.emotes and config.spam.emotes < added.spam.emotes
    assert with_channel_emotes(added, ("vkimmWiggle",)) is added  # already there: unchanged
