"""A phrase repeated back to back is read once by the model (``pipeline/repeats.py``)."""

from __future__ import annotations

import pytest

from chatwarden import AutoMod, AutoModSettings
from chatwarden.pipeline.classify import cut_spans, model_text
from chatwarden.pipeline.repeats import MAX_PHRASE, repeat_spans


def once(text: str) -> str:
    return cut_spans(text, repeat_spans(text)).text


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("wiggle wiggle wiggle wiggle", "wiggle"),
        ("pagman rope pagman rope pagman rope pagman", "pagman rope pagman"),
        ("i said no no no to him", "i said no to him"),
        ("x y x y z z z", "x y z"),
        ("kill you kill you", "kill you"),
        ("a b c d a b c d", "a b c d"),
        ("good game", "good game"),  # nothing twice
        ("the cat and the dog", "the cat and the dog"),  # twice, not back to back
        ("one", "one"),
        ("", ""),
    ],
)
def test_the_copies_after_the_first_are_cut(text: str, read: str) -> None:
    assert once(text) == read


def test_the_longest_stretch_of_copies_wins_and_long_phrases_are_left() -> None:
    # "a a" (2 words) vs "a a b" ... the period that covers most words is kept
    assert once("a a a a a a") == "a"
    assert repeat_spans("ab ab ab") == [(3, 8)]
    five = "v w x y z"
    assert MAX_PHRASE < 5 and once(f"{five} {five}") == f"{five} {five}"


def test_a_harmless_phrase_pasted_many_times_scores_like_it_does_once() -> None:
    engine = AutoMod(AutoModSettings(overall_level=2))
    once_, many = engine.check_batch(["wiggle", " ".join(["WIGGLE"] * 13)])
    assert many.harm == pytest.approx(once_.harm)
    assert model_text(" ".join(["WIGGLE"] * 13)) == "wiggle"
    # a threat is still held, however often it is pasted
    threat = engine.check(" ".join(["i will kill you"] * 4))
    assert threat.action.value == "hold"
    assert "kill" in " ".join(w for r in threat.reasons for w in r.words)
