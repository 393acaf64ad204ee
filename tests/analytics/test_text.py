"""Per-message text measures, against answers worked out by hand."""

from __future__ import annotations

import math

import pytest

from chatwarden.analytics import char_entropy, is_emote_only, normalise


def test_normalise_folds_case_width_and_spaces() -> None:
    assert normalise("  GG   wp ") == "gg wp"
    assert normalise("ＧＧ") == "gg"  # fullwidth, NFKC


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("", 0.0),
        ("aaaa", 0.0),
        ("ab", 1.0),
        ("AB", 1.0),  # case-folded first
        ("abcd", 2.0),
        ("aab", -(2 / 3) * math.log2(2 / 3) - (1 / 3) * math.log2(1 / 3)),  # 0.918
        ("a  b", math.log2(3)),  # "a b": three characters, each once
    ],
)
def test_char_entropy(text: str, bits: float) -> None:
    assert char_entropy(text) == pytest.approx(bits)


def test_emote_only() -> None:
    emotes = {"Kappa", "PogChamp"}
    assert is_emote_only("Kappa", emotes)
    assert is_emote_only("Kappa  PogChamp Kappa", emotes)
    assert not is_emote_only("Kappa hi", emotes)
    assert not is_emote_only("kappa", emotes)  # emote codes are case-sensitive
    assert not is_emote_only("", emotes)
    assert not is_emote_only("Kappa", set())
