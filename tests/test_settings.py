import json
from pathlib import Path

import pytest

from chatwarden.errors import ConfigError
from chatwarden.settings import AutoModSettings, Role


def test_default_is_overall_level_2() -> None:
    s = AutoModSettings()
    assert s.overall_level == 2
    assert s.category_levels()["swearing"] == 0
    assert s.category_levels()["race_ethnicity_or_religion"] == 2


def test_custom_levels_override_the_preset() -> None:
    s = AutoModSettings(overall_level=3, levels={"swearing": 4})
    levels = s.category_levels()
    assert levels["swearing"] == 4 and levels["bullying"] == 2


def test_no_preset_means_only_the_given_categories() -> None:
    s = AutoModSettings(overall_level=None, levels={"bullying": 1})
    assert {c: v for c, v in s.category_levels().items() if v} == {"bullying": 1}


def test_with_level_overwrites_every_category_like_twitch() -> None:
    s = AutoModSettings(overall_level=None, levels={"swearing": 4}).with_level(1)
    assert s.category_levels()["swearing"] == 0


@pytest.mark.parametrize(
    ("role", "vip_exempt", "exempt"),
    [
        (None, True, False),
        (Role.VIEWER, True, False),
        (Role.SUBSCRIBER, True, False),
        (Role.VIP, True, True),
        (Role.VIP, False, False),
        (Role.MODERATOR, False, True),
        (Role.LEAD_MODERATOR, False, True),
        ("owner", False, True),
    ],
)
def test_exemptions(role: Role | str | None, vip_exempt: bool, exempt: bool) -> None:
    assert AutoModSettings(vip_exempt=vip_exempt).is_exempt(role) is exempt


def test_version_is_stable_and_changes_with_settings() -> None:
    a, b = AutoModSettings(overall_level=2), AutoModSettings(overall_level=2)
    assert a.version == b.version
    assert AutoModSettings(overall_level=3).version != a.version


def test_load_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('overall_level = 3\n[[terms]]\ntext = "spoil*"\nprivate = true\n')
    s = AutoModSettings.load(toml)
    assert s.overall_level == 3 and s.terms[0].private
    js = tmp_path / "c.json"
    js.write_text(json.dumps({"overall_level": 1, "levels": {"swearing": 4}}))
    assert AutoModSettings.load(js).category_levels()["swearing"] == 4


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("overall_level = 7\n", "overall_level"),
        ("[levels]\nswearing = 9\n", "swearing"),
        ("[levels]\nnot_a_category = 1\n", "not_a_category"),
        ("surprise = 1\n", "surprise"),
        ("overall_level = \n", "not valid"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=needle):
        AutoModSettings.load(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        AutoModSettings.load(tmp_path / "nope.toml")
