"""What the findings on one message add up to (the live hook and replay both use it)."""

from __future__ import annotations

from chatwarden.detect.types import DELETE, FLAG, HOLD, NO_ACTION, Finding, timeout
from chatwarden.detect.verdict import verdict


def f(detector: str, code: str, action: object, why: str) -> Finding:
    return Finding(detector, code, action, why)  # type: ignore[arg-type]


def test_the_strongest_action_wins_and_the_findings_behind_it_explain_it() -> None:
    v = verdict(
        [
            f("spam", "spam.caps", DELETE, "caps"),
            f("flood", "flood.rate", timeout(10), "too fast"),
            f("spam", "spam.links", timeout(600), "a link"),
            f("wave", "wave.crowdspeak", NO_ACTION, "crowd"),
        ]
    )
    assert v.action == timeout(600) and v.status == "blocked"
    assert [x.code for x in v.acting] == ["spam.links"] and v.explanation == "a link"
    assert verdict([f("wave", "w", HOLD, "held"), f("spam", "s", FLAG, "f")]).status == "held"
    assert verdict([f("spam", "s", FLAG, "f")]).status is None


def test_evasion_never_acts_on_the_message_and_nothing_found_is_no_action() -> None:
    v = verdict([f("evasion", "evasion.likely", HOLD, "looks like a banned user")])
    assert v.action == NO_ACTION and v.status is None and v.acting == ()
    none = verdict([])
    assert none.action == NO_ACTION and none.explanation == "" and none.status is None
    crowd = verdict([f("wave", "wave.crowdspeak", NO_ACTION, "a crowd")])
    assert crowd.status is None and crowd.explanation == "a crowd"  # as live records it
