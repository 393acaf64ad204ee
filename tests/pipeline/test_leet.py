"""leet.decode_word: which digit runs and symbols read as letters."""

from __future__ import annotations

import pytest

from chatwarden.pipeline.leet import decode_word


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("n00b", "noob"),
        ("a55", "ass"),
        ("$h1t", "shit"),
        ("sh!t", "shit"),
        ("wow!!", "wow!!"),  # a trailing "!" is punctuation
        ("yes!|no", "yes!|no"),  # two symbols together are not a letter
        ("top10", "top10"),  # a number glued on
        ("noob123", "noob123"),
        ("gr8", "gr8"),  # 8 means itself
        ("h264", "h264"),
        ("1v1", "1v1"),
        ("60fps", "60fps"),
        ("ps5", "ps5"),
        ("b4", "b4"),
        # ... unless the word it spells is an English word
        ("no7", "not"),
        ("wh0", "who"),
        ("wai7", "wait"),
        ("b07", "bot"),
        ("gu355", "guess"),
        ("don7", "dont"),  # the commonest chat words count too
        ("w@s73", "waste"),
        ("!ts", "its"),  # a leading "!" is an "i" when that spells a word
        ("!d!07", "idiot"),
        ("!help", "!help"),  # ... and a chat command otherwise
        ("1st", "1st"),  # a count stays a count, whatever it spells
        ("4head", "4head"),
        ("2020", "2020"),  # no letter: not a word
        ("$$$", "$$$"),
    ],
)
def test_decode_word(word: str, expected: str) -> None:
    assert decode_word(word) == expected
    assert len(decode_word(word)) == len(word)
