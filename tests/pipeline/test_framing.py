"""Framing (``pipeline/framing.py``) and how the engine uses it: a reported, negated or
condemned attack is not held, the attack itself and a negation that makes an attack still are."""

from __future__ import annotations

import pytest

from chatwarden.decision import Action
from chatwarden.pipeline.automod import AutoMod
from chatwarden.pipeline.framing import find_frame, framed_span
from chatwarden.pipeline.normalise import normalise
from chatwarden.settings import AutoModSettings


@pytest.fixture(scope="module")
def automod() -> AutoMod:
    return AutoMod(AutoModSettings(overall_level=2))


def _frame(text: str) -> tuple[str, str] | None:
    norm = normalise(text).text
    frame = find_frame(norm)
    if frame is None:
        return None
    return frame.kind, norm[frame.claim_start : frame.claim_end].strip(" ,.!?")


@pytest.mark.parametrize(
    ("text", "kind", "claim"),
    [
        (
            "anyone who types that gays are a plague gets a ban",
            "report",
            "gays are a plague gets a ban",
        ),
        (
            "the dude saying muslims should be deported, reported",
            "report",
            "muslims should be deported",
        ),
        ("got timed out for typing kill yourself? fair", "report", "kill yourself"),
        ("it is sexist to say that girls cant aim", "report", "girls cant aim"),
        (
            "the myth that immigrants are criminals again",
            "report",
            "immigrants are criminals again",
        ),
        ("no one here believes that jews are evil", "negation", "jews are evil"),
        ("we dont think disabled people are a burden", "negation", "disabled people are a burden"),
        ("die in a fire? wow grow up", "echo", "die in a fire"),
    ],
)
def test_cues_and_the_claim_they_frame(text: str, kind: str, claim: str) -> None:
    assert _frame(text) == (kind, claim)


@pytest.mark.parametrize(
    "text",
    [
        "people say a lot of things in chat",
        "i think this boss is broken",
        "you are trash at this game",
        "posting clips of the run later",
        "nobody",
    ],
)
def test_plain_lines_have_no_frame(text: str) -> None:
    assert _frame(text) is None


def test_a_clause_break_ends_the_claim() -> None:
    norm = normalise("nobody thinks that, also go hang yourself").text
    frame = find_frame(norm)
    assert frame is not None
    start = norm.index("go hang")
    assert not framed_span(frame, start, len(norm))
    assert not framed_span(None, 0, 1)


@pytest.mark.parametrize(
    "text",
    [
        "anyone who types that gays are a plague gets a ban",
        "no one here believes that jews are vermin",
        "kicked the guy typing go back to your country",
        "kill urself?? grow up dude",
    ],
)
def test_framed_attacks_are_allowed(automod: AutoMod, text: str) -> None:
    assert automod.check(text).action is Action.ALLOW


@pytest.mark.parametrize(
    "text",
    [
        "gays are a plague",
        "jews are vermin",
        "go back to your country",
        "kill urself",
        # the frame covers its clause only
        "nobody believes me, but muslims are vermin",
    ],
)
def test_the_same_attacks_unframed_are_held(automod: AutoMod, text: str) -> None:
    assert automod.check(text).action is Action.HOLD


def test_a_negation_excuses_only_a_claim_that_is_harmful_on_its_own(automod: AutoMod) -> None:
    """'i don't believe X are vermin' rejects an attack; the claim of 'i dont think women should
    be allowed to vote' is harmless on its own, so the frame excuses nothing there (and the
    raised negation is an exclusion rule of its own)."""
    assert automod.check("i dont believe immigrants are vermin").action is Action.ALLOW
    text = normalise("i dont think women should be allowed to vote").text
    frame = find_frame(text)
    assert frame is not None and frame.kind == "negation"
    assert automod._claim_categories([text], [frame]) == [set()]
    assert automod.check(text).action is Action.HOLD
    assert automod.check("i dont think gay people should exist").action is Action.HOLD


def test_an_empty_text_has_no_frame() -> None:
    assert find_frame("") is None
