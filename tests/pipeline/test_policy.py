import itertools

from chatwarden.categories import CATEGORIES, preset
from chatwarden.pipeline.policy import Policy, find_categories, threshold_for

THRESHOLDS = {c: (0.9, 0.8, 0.7, 0.5) for c in ("harm", *CATEGORIES)}


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


def test_a_category_needs_the_harm_score_of_its_level_too() -> None:
    s = scores(sexuality_sex_or_gender=0.99)
    assert find_categories(s, {"sexuality_sex_or_gender": 2}, THRESHOLDS, harm=0.79) == []
    (finding,) = find_categories(s, {"sexuality_sex_or_gender": 2}, THRESHOLDS, harm=0.8)
    assert finding.category == "sexuality_sex_or_gender"
    # a lower level needs a higher harm score
    assert find_categories(s, {"sexuality_sex_or_gender": 1}, THRESHOLDS, harm=0.85) == []


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
        gate = 0.0 if cat == "swearing" else THRESHOLDS["harm"][level - 1]
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
