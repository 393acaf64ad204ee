"""Identity talk (``pipeline/identity_talk.py``): group names replaced, and the engine holds an
identity finding only when the line is still harmful without them."""

from __future__ import annotations

import pytest

from chatwarden.decision import Action
from chatwarden.pipeline.automod import AutoMod
from chatwarden.pipeline.identity_talk import IDENTITY_WORDS, without_groups
from chatwarden.settings import AutoModSettings


@pytest.fixture(scope="module")
def automod() -> AutoMod:
    return AutoMod(AutoModSettings(overall_level=2))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trans women deserve respect", "they deserve respect"),
        ("black folks are here", "they are here"),
        ("i met some jewish people and muslims", "i met some they and they"),
        ("the people here are nice", "the people here are nice"),  # a head alone is no group
        ("whiteboard and blackout", "whiteboard and blackout"),  # whole words only
    ],
)
def test_group_names_become_they(text: str, expected: str) -> None:
    assert without_groups(text) == expected


def test_the_list_names_every_identity_category() -> None:
    for word in ("trans", "gay", "women", "muslims", "immigrants", "disabled", "autistic"):
        assert word in IDENTITY_WORDS


@pytest.mark.parametrize(
    "text",
    [
        "Let's raise some cash for Trans people TransgenderPride",
        "gay people should exist",
        "queer joy",
    ],
)
def test_identity_talk_is_allowed(automod: AutoMod, text: str) -> None:
    assert automod.check(text).action is Action.ALLOW


@pytest.mark.parametrize(
    "text",
    [
        "muslims deserve to be beaten",  # harmful with the group replaced: the model still holds
        "gay people are disgusting",  # a rule holds it
    ],
)
def test_identity_attacks_are_still_held(automod: AutoMod, text: str) -> None:
    assert automod.check(text).action is Action.HOLD
