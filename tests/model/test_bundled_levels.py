"""The bundled model's decisions on issue 12's examples: what each level holds (docs/levels.md)."""

from __future__ import annotations

import pytest

from chatwarden.decision import Action
from chatwarden.pipeline import AutoMod
from chatwarden.settings import AutoModSettings

#: Allowed at the default level 2 before issue 12; each must be held there.
SEVERE = (
    "kys",
    "i will kill you",
    "I hope you die",
    "women shouldn't be allowed to stream",
    "go back to your country",
    "i will find where you live",
)
#: Held before issue 12 (real Twitch chat among them); none may be held at level 2.
HARMLESS_AT_2 = (
    "uninstall noob",
    "go touch grass bozo",
    "Transgender",
    # the model scores it for sexuality_sex_or_gender, but with the group named "they" the
    # line is harmless, so it is identity talk (pipeline/identity_talk.py)
    "Let's raise some cash for Trans people TransgenderPride",
    "BUSINESS WOMEN FOSHOW",
    "black socialists are the most famous US socialists",
    "her to do list on the whiteboard",
    "Sussy",
    "jesus fucking christ",
    "vkimmWiggle",
)


#: Well-wishes and praise in the words threats use ("i hope you ...", "you deserve ..."), held at
#: level 2 by the model before its kind_words training family, beside the threats in the same
#: frames, which must stay held.
KIND = (
    "you deserve better",
    "i hope you get some sleep",
    "i hope your mom gets better",
    "black people deserve equal rights",
    "women deserve respect",
    "trans people deserve respect",
)
UNKIND = (
    "you deserve to die",
    "i hope you get cancer",
    "women deserve to be beaten",
    "gay people deserve nothing",
)


@pytest.fixture(scope="module")
def automods() -> dict[int, AutoMod]:
    return {level: AutoMod(AutoModSettings(overall_level=level)) for level in (1, 2, 4)}


@pytest.mark.parametrize("text", SEVERE + UNKIND)
def test_severe_lines_are_held_at_level_2(automods: dict[int, AutoMod], text: str) -> None:
    decision = automods[2].check(text)
    assert decision.action is Action.HOLD, (text, decision.harm, decision.categories)


@pytest.mark.parametrize("text", HARMLESS_AT_2 + KIND)
def test_identity_talk_slang_emotes_and_trash_talk_pass_level_2(
    automods: dict[int, AutoMod], text: str
) -> None:
    decision = automods[2].check(text)
    assert decision.action is Action.ALLOW, (text, decision.reasons)


@pytest.mark.parametrize("text", ["uninstall noob", "go touch grass bozo"])
def test_trash_talk_is_held_only_at_level_4(automods: dict[int, AutoMod], text: str) -> None:
    assert automods[1].check(text).action is Action.ALLOW
    decision = automods[4].check(text)
    assert decision.action is Action.HOLD, (text, decision.harm, decision.categories)
