"""The engine applies a channel's learned level shifts (``AutoModSettings.learned``)."""

from __future__ import annotations

import pytest

from chatwarden import AutoMod, AutoModSettings
from chatwarden.decision import Action
from chatwarden.errors import ConfigError


def test_learned_shifts_move_the_line_and_the_settings_version() -> None:
    text = "uninstall the game you absolute clown, you are trash"
    base = AutoModSettings.model_validate({"overall_level": 4})
    engine = AutoMod(base)
    plain = engine.check(text)
    assert plain.action != Action.ALLOW, plain  # held at level 4 for bullying
    relaxed = AutoMod(base.model_copy(update={"learned": {"bullying": -1.0}}))
    found = relaxed.check(text)
    assert "bullying" not in {r.category for r in found.reasons if r.category}
    assert found.settings_version != plain.settings_version
    # the learned state is never exported with the owner's settings
    assert "learned" not in base.model_copy(update={"learned": {"bullying": -1.0}}).model_dump()


def test_a_category_at_level_0_stays_off_whatever_was_learned() -> None:
    settings = AutoModSettings.model_validate({"overall_level": 2})
    assert settings.category_levels()["swearing"] == 0
    engine = AutoMod(settings.model_copy(update={"learned": {"swearing": 1.0}}))
    assert engine.check("holy shit that clutch").action == Action.ALLOW


def test_learned_shifts_are_bounded() -> None:
    with pytest.raises(ConfigError, match="learned.bullying must be between -1 and 1"):
        AutoModSettings.from_mapping({"overall_level": 2, "learned": {"bullying": -2}})
