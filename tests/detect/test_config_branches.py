"""Detector settings and actions refuse values that make no sense, with the reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chatwarden.detect import ActionKind, DetectionConfig, EvasionConfig, FilterConfig
from chatwarden.detect.settings import DetectionSettings
from chatwarden.detect.types import DetectAction


def test_filter_timeouts_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="timeouts must be positive seconds"):
        FilterConfig(action="timeout", timeouts=(5, 0))
    assert FilterConfig(action="timeout", timeouts=(5, 60)).timeouts == (5, 60)


def test_evasion_possible_score_may_not_exceed_likely() -> None:
    with pytest.raises(ValidationError, match="possible_score must not exceed likely_score"):
        EvasionConfig(likely_score=0.5, possible_score=0.6)
    assert EvasionConfig(likely_score=0.5, possible_score=0.5).possible_score == 0.5


@pytest.mark.parametrize(
    ("kind", "seconds", "message"),
    [
        (ActionKind.TIMEOUT, None, "seconds is required for timeout and only for timeout"),
        (ActionKind.DELETE, 5, "seconds is required for timeout and only for timeout"),
        (ActionKind.TIMEOUT, 0, "a timeout lasts at least one second"),
    ],
)
def test_detect_action_checks_its_seconds(
    kind: ActionKind, seconds: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DetectAction(kind, seconds)


def test_detectors_given_as_a_config_object_are_taken_as_they_are() -> None:
    """A mapping applies over the defaults; a ready ``DetectionConfig`` is used unchanged."""
    core = DetectionConfig()
    assert DetectionSettings(detectors=core).detectors == core
    partial = DetectionSettings.model_validate({"detectors": {"strikes": {"enabled": True}}})
    assert partial.detectors.strikes.enabled is True
