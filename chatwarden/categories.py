"""Twitch's eight AutoMod categories and the ``overall_level`` presets."""

from typing import Final, Literal, get_args

Category = Literal[
    "disability",
    "sexuality_sex_or_gender",
    "misogyny",
    "race_ethnicity_or_religion",
    "sex_based_terms",
    "aggression",
    "bullying",
    "swearing",
]

CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)

#: The discrimination and slurs group of Twitch's dashboard.
DISCRIMINATION: Final[tuple[Category, ...]] = (
    "disability",
    "sexuality_sex_or_gender",
    "misogyny",
    "race_ethnicity_or_religion",
)

MAX_LEVEL: Final = 4


def preset(overall_level: int) -> dict[Category, int]:
    """Per-category levels for an ``overall_level`` preset, the way Twitch sets them.

    Twitch's documented level 3 preset keeps bullying at 2 and swearing at 0; level 1 filters
    only discrimination, level 2 adds "some" sex-based terms and hostility, level 4 everything.
    """
    if not 0 <= overall_level <= MAX_LEVEL:
        raise ValueError(f"overall_level must be 0-4, got {overall_level!r}")
    if overall_level == MAX_LEVEL:
        return dict.fromkeys(CATEGORIES, MAX_LEVEL)
    levels: dict[Category, int] = dict.fromkeys(CATEGORIES, 0)
    for cat in DISCRIMINATION:
        levels[cat] = overall_level
    if overall_level >= 2:
        levels["sex_based_terms"] = overall_level - 1 if overall_level == 2 else overall_level
        levels["aggression"] = overall_level - 1 if overall_level == 2 else overall_level
        levels["bullying"] = overall_level - 1
    return levels
