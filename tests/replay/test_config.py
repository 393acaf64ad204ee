"""Replay settings files: AutoMod settings plus an optional [chat_modes] table."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatwarden.detect.settings import DEFAULT_SETTINGS
from chatwarden.errors import ConfigError
from chatwarden.replay import ChatModes, load_replay_settings


def test_defaults_and_a_full_file(tmp_path: Path) -> None:
    defaults = load_replay_settings(None)
    assert defaults.automod.overall_level == 2 and defaults.modes == ChatModes()
    path = tmp_path / "strict.toml"
    path.write_text(
        "overall_level = 3\n[levels]\nswearing = 2\n"
        '[[terms]]\ntext = "noob"\n'
        '[chat_modes]\nslow_mode_s = 10\nemote_only = true\nemote_set = ["Kappa"]\n'
    )
    loaded = load_replay_settings(path)
    assert loaded.source == "strict.toml"
    assert loaded.automod.category_levels()["swearing"] == 2
    assert [t.text for t in loaded.automod.terms] == ["noob"]
    assert loaded.modes.slow_mode_s == 10 and loaded.modes.emote_set == ("Kappa",)
    as_json = tmp_path / "a.json"
    as_json.write_text('{"overall_level": 1, "chat_modes": {"unique_chat": true}}')
    assert load_replay_settings(as_json).modes.unique_chat is True


def test_detection_defaults_to_the_live_defaults_and_a_table_applies_over_them(
    tmp_path: Path,
) -> None:
    assert load_replay_settings(None).detection == DEFAULT_SETTINGS
    assert DEFAULT_SETTINGS.detectors.waves.enabled is False  # opt-in live, so here too
    path = tmp_path / "demo.toml"
    path.write_text(
        "[detection.detectors.waves]\nenabled = true\n"
        "[detection.detectors.spam.caps]\nenabled = true\n"
    )
    detection = load_replay_settings(path).detection
    assert detection.enabled and detection.detectors.waves.enabled
    assert detection.detectors.spam.caps.enabled
    assert not detection.detectors.spam.links.enabled  # the rest stays as live
    path.write_text("[detection]\nenabled = false\n")
    assert load_replay_settings(path).detection.enabled is False


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("overall_level = 7\n", "overall_level"),
        ("[chat_modes]\nslow_mode_s = -1\n", "chat_modes.slow_mode_s"),
        ("[chat_modes]\nturbo = true\n", "chat_modes.turbo"),
        ("chat_modes = 3\n", "chat_modes must be a table"),
        ("overall_level = \n", "not valid"),
        ("[detection]\nturbo = true\n", "detection.turbo"),
        ("[detection.detectors.waves]\nmin_users = 1\n", "detection.detectors.waves.min_users"),
        ("detection = 3\n", "detection must be a table"),
    ],
)
def test_bad_files_name_the_key(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_replay_settings(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_replay_settings(tmp_path / "missing.toml")
