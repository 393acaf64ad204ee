import itertools

import pytest

from chatwarden.categories import CATEGORIES, preset
from chatwarden.pipeline.policy import Policy, find_categories, harm_floor, threshold_for

THRESHOLDS = {c: (0.9, 0.8, 0.7, 0.5) for c in ("harm", *CATEGORIES)}
FLOOR = 0.5  # harm's level-4 threshold


def scores(**given: float) -> dict[str, float]:
    return {c: given.get(c, 0.0) for c in CATEGORIES}


def test_level_zero_never_holds() -> None:
    assert threshold_for(THRESHOLDS, "bullying", 0) == float("inf")
    found = find_categories(scores(swearing=1.0), preset(3), THRESHOLDS, harm=1.0)
    assert found == []


def test_higher_levels_use_lower_thresholds() -> None:
    s = scores(bullying=0.75)
    assert find_categories(s, {"bullying": 2}, THRESHOLDS, harm=1.0) == []
    (finding,) = find_categories(s, {"bullying": 3}, THRESHOLDS, harm=1.0)
    assert (finding.category, finding.level, finding.threshold) == ("bullying", 3, 0.7)


def test_threshold_is_inclusive_and_findings_sorted_by_score() -> None:
    s = scores(aggression=0.8, race_ethnicity_or_religion=0.95)
    found = find_categories(s, preset(2) | {"aggression": 2}, THRESHOLDS, harm=1.0)
    assert [f.category for f in found] == ["race_ethnicity_or_religion", "aggression"]


def test_a_category_needs_the_harm_floor_not_the_harm_threshold_of_its_level() -> None:
    s = scores(sexuality_sex_or_gender=0.95)
    assert harm_floor(THRESHOLDS) == FLOOR
    # a neutral identity mention: the category head alone is not enough
    assert find_categories(s, {"sexuality_sex_or_gender": 1}, THRESHOLDS, harm=0.49) == []
    # an identity attack whose harm score is below harm's level-1 threshold is still held at
    # level 1: the old gate (harm >= 0.9 at level 1) hid exactly these
    (finding,) = find_categories(s, {"sexuality_sex_or_gender": 1}, THRESHOLDS, harm=0.6)
    assert (finding.category, finding.level, finding.threshold) == (
        "sexuality_sex_or_gender",
        1,
        0.9,
    )


def test_thresholds_per_category_give_each_its_own_severity() -> None:
    thresholds = dict(THRESHOLDS) | {"bullying": (0.99, 0.98, 0.97, 0.6)}
    trash_talk = scores(bullying=0.9)
    for level in (1, 2, 3):
        assert find_categories(trash_talk, {"bullying": level}, thresholds, harm=0.9) == []
    (finding,) = find_categories(trash_talk, {"bullying": 4}, thresholds, harm=0.9)
    assert finding.category == "bullying"


def test_swearing_is_not_gated_by_harm() -> None:
    (finding,) = find_categories(scores(swearing=0.6), {"swearing": 4}, THRESHOLDS, harm=0.0)
    assert finding.category == "swearing"


def expected_findings(
    s: dict[str, float], levels: dict[str, int], harm: float
) -> list[tuple[str, int, float, float]]:
    """The rule written out longhand, as the oracle for the bound policy."""
    out = []
    for cat in CATEGORIES:
        level = levels.get(cat, 0)
        if level == 0:
            continue
        limit = THRESHOLDS[cat][level - 1]
        gate = 0.0 if cat == "swearing" else FLOOR
        if s[cat] >= limit and harm >= gate:
            out.append((cat, level, s[cat], limit))
    return sorted(out, key=lambda f: (-f[2], f[0]))


def test_bound_policy_follows_the_rule_on_a_grid() -> None:
    grid = (0.0, 0.5, 0.7, 0.8, 0.95)
    for level in range(5):
        levels = preset(level)
        policy = Policy(levels, THRESHOLDS)
        for harm, bully, swear, race in itertools.product(grid, repeat=4):
            s = scores(bullying=bully, swearing=swear, race_ethnicity_or_religion=race)
            found = [(f.category, f.level, f.score, f.threshold) for f in policy.find(s, harm)]
            assert found == expected_findings(s, dict(levels), harm)


def test_a_fractional_level_lies_between_the_whole_levels_around_it() -> None:
    assert threshold_for(THRESHOLDS, "bullying", 2.5) == pytest.approx(0.75)  # 0.8 .. 0.7
    assert threshold_for(THRESHOLDS, "bullying", 0.5) == pytest.approx(0.95)  # 1.0 .. 0.9
    assert threshold_for(THRESHOLDS, "bullying", 3) == 0.7
    assert threshold_for(THRESHOLDS, "bullying", 4.5) == 0.5  # never beyond level 4
