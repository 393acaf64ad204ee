"""Each digit that stands for a letter is read as that letter, end to end.

The cases are written out (not derived from ``LEET_DIGITS``) so that dropping a mapping, e.g.
``"7" -> "t"``, fails here: a blocked term written with that digit would slip through.
"""

from __future__ import annotations

import pytest

from chatwarden import AutoMod, AutoModSettings
from chatwarden.decision import Action
from chatwarden.pipeline.leet import decode_word
from chatwarden.pipeline.normalise import normalise
from chatwarden.settings import TermSpec


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("b0at", "boat"),
        ("n1ce", "nice"),
        ("h3llo", "hello"),
        ("h4te", "hate"),
        ("a5k", "ask"),
        ("s7upid", "stupid"),
        ("7roll", "troll"),
        ("ni9ht", "night"),
    ],
)
def test_each_letter_digit_decodes(word: str, expected: str) -> None:
    assert decode_word(word) == expected


def test_normalise_reads_7_as_t_without_moving_offsets() -> None:
    norm = normalise("s7upid 7roll")
    assert norm.text == "stupid troll"
    assert norm.starts == tuple(range(12)) and norm.ends == tuple(range(1, 13))


def test_a_blocked_term_written_with_7_is_blocked() -> None:
    automod = AutoMod(AutoModSettings(overall_level=0, terms=(TermSpec(text="troll"),)))
    decision = automod.check("stop being a 7roll")
    assert decision.action is Action.BLOCK
    [reason] = decision.reasons
    assert reason.kind == "blocked_term" and reason.term == "troll"
    # a digit that stands for no letter leaves the word alone: reading 7 as t is what matched
    assert automod.check("stop being a 8roll").action is Action.ALLOW  # 8 means itself
