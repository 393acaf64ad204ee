"""Shadow-mode scoring against a hand count."""

from __future__ import annotations

import pytest

from chatwarden.analytics import ShadowFact, moderator_verdict, summarise


@pytest.mark.parametrize(
    ("initial", "status", "verdict"),
    [
        ("held", "denied", "harmful"),
        ("delivered", "deleted", "harmful"),
        ("held", "delivered", "acceptable"),
        ("held", "expired", None),
        ("held", "held", None),
        ("delivered", "delivered", None),
        ("blocked", "blocked", None),
    ],
)
def test_moderator_verdict(initial: str, status: str, verdict: str | None) -> None:
    assert moderator_verdict(initial, status) == verdict


def test_summarise() -> None:
    facts = [
        ShadowFact("allow", "allow"),
        ShadowFact("allow", "hold"),  # candidate stricter
        ShadowFact("hold", "allow", "acceptable"),  # candidate looser, and right
        ShadowFact("hold", "hold", "harmful"),
        ShadowFact("hold", "block", "harmful"),  # differ, both flag
        ShadowFact("allow", "allow", "harmful"),  # a deleted message both let through
    ]
    s = summarise(facts).to_dict()
    assert s["evaluated"] == 6
    assert s["disagreements"] == 3
    assert s["disagreement_rate"] == 0.5
    assert (s["candidate_stricter"], s["candidate_looser"]) == (1, 1)
    assert s["judged"] == 4
    assert (s["live_agrees"], s["candidate_agrees"]) == (2, 3)
    assert s["live_agreement"] == 0.5
    assert s["candidate_agreement"] == 0.75


def test_summarise_nothing() -> None:
    s = summarise([]).to_dict()
    assert s["evaluated"] == 0
    assert s["disagreement_rate"] is None
    assert s["live_agreement"] is None
