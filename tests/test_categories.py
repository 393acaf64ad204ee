import pytest

from chatwarden.categories import CATEGORIES, DISCRIMINATION, SEVERE, preset


def test_eight_twitch_categories_in_api_order() -> None:
    assert CATEGORIES == (
        "disability",
        "sexuality_sex_or_gender",
        "misogyny",
        "race_ethnicity_or_religion",
        "sex_based_terms",
        "aggression",
        "bullying",
        "swearing",
    )


def test_level_3_preset_matches_twitch_api_example() -> None:
    assert preset(3) == {
        "disability": 3,
        "sexuality_sex_or_gender": 3,
        "misogyny": 3,
        "race_ethnicity_or_religion": 3,
        "sex_based_terms": 3,
        "aggression": 3,
        "bullying": 2,
        "swearing": 0,
    }


def test_level_0_filters_nothing_and_level_4_everything() -> None:
    assert set(preset(0).values()) == {0}
    assert set(preset(4).values()) == {4}


def test_level_1_filters_only_discrimination_and_threats() -> None:
    levels = preset(1)
    assert {c for c, lvl in levels.items() if lvl} == set(SEVERE)
    assert set(DISCRIMINATION) < set(SEVERE) and "aggression" in SEVERE


def test_level_2_keeps_trash_talk_at_bullying_level_1() -> None:
    levels = preset(2)
    assert levels["aggression"] == 2 and levels["race_ethnicity_or_religion"] == 2
    assert levels["bullying"] == 1 and levels["sex_based_terms"] == 1
    assert levels["swearing"] == 0


def test_presets_never_loosen_as_the_level_rises() -> None:
    for level in range(4):
        low, high = preset(level), preset(level + 1)
        assert all(high[c] >= low[c] for c in CATEGORIES)


@pytest.mark.parametrize("bad", [-1, 5, 10])
def test_preset_rejects_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match="0-4"):
        preset(bad)
