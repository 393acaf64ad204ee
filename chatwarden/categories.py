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

#: Held from level 1 on: identity-based attacks, threats and self-harm encouragement.
SEVERE: Final[tuple[Category, ...]] = (*DISCRIMINATION, "aggression")

MAX_LEVEL: Final = 4


def preset(overall_level: int) -> dict[Category, int]:
    """Per-category levels for an ``overall_level`` preset (``docs/levels.md``).

    Level 1 holds only the most severe: identity-based attacks and threats or self-harm
    encouragement (``aggression``). Level 2 raises those to 2 and adds the clearest
    sex-based terms and severe bullying (both at 1). Level 3 is Twitch's documented API example
    (bullying stays at 2, swearing at 0). Level 4 holds everything, ordinary trash talk and
    swearing included.
    """
    if not 0 <= overall_level <= MAX_LEVEL:
        raise ValueError(f"overall_level must be 0-4, got {overall_level!r}")
    if overall_level == MAX_LEVEL:
        return dict.fromkeys(CATEGORIES, MAX_LEVEL)
    levels: dict[Category, int] = dict.fromkeys(CATEGORIES, 0)
    for cat in SEVERE:
        levels[cat] = overall_level
    if overall_level >= 2:
        levels["sex_based_terms"] = 1 if overall_level == 2 else overall_level
        levels["bullying"] = overall_level - 1
    return levels
