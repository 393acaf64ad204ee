"""Starred-out letters: filled in only when the starred word spells one maskable word."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatwarden import AutoMod, AutoModSettings
from chatwarden.decision import Action
from chatwarden.pipeline import masks
from chatwarden.pipeline.masks import fill, fill_masks
from chatwarden.pipeline.normalise import normalise


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("c*nt", "cunt"),  # a slur of severe.txt
        ("dyk*", "dyke"),  # a trailing star
        ("n*gg*r", "nigger"),  # two stars apart
        ("n***a", "nigga"),  # several spellings of one slur fit: its first
        ("f**k", "fuck"),  # a swear word of masked.txt
        ("a**hole", "asshole"),
        ("s**t", None),  # shit or slut: two words fit, left as written
        ("f***", None),  # one letter shows: anything could be meant
        ("lol*", None),  # nothing maskable fits
        ("c*nts*", None),  # no maskable word that long
    ],
)
def test_fill(word: str, expected: str | None) -> None:
    assert fill(word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ban this c*nt", "ban this cunt"),
        ("SH*T happens", "shit happens"),
        ("n*gg3r", "nigger"),  # leetspeak first, then the star
        ("n***a lol", "nigga lol"),  # not two letters joined around a separator
        ("b**ch please", "bitch please"),
        ("*hugs* you", "*hugs* you"),  # an action, not a mask
        ("so** good", "so** good"),
        ("f***", "f**"),  # left to the repeat squeeze as before
        ("f*u*c*k", "fuck"),  # letters spaced by stars still join
        ("see https://x.com/c*nt", "see https://x.com/c*nt"),  # links stay as written
    ],
)
def test_normalise_fills_masks(text: str, expected: str) -> None:
    n = normalise(text)
    assert n.text == expected
    assert normalise(n.text).text == n.text  # idempotent
    assert len(n.starts) == len(n.text)  # one character for one: the map still lines up


def test_the_filled_word_maps_back_to_the_starred_one() -> None:
    n = normalise("hey c*nt nobody asked")
    at = n.text.index("cunt")
    assert n.span(at, at + 4) == (4, 8)
    assert n.original[slice(*n.span(at, at + 4))] == "c*nt"


def test_fill_masks_leaves_a_word_without_stars() -> None:
    assert fill_masks("clean") == "clean"
    assert fill_masks("c*nt, really") == "cunt, really"


def test_a_starred_slur_is_held_like_the_slur() -> None:
    engine = AutoMod(AutoModSettings.model_validate({"overall_level": 4}))
    starred, plain = engine.check("typical dyk*"), engine.check("typical dyke")
    assert starred.action == plain.action != Action.ALLOW


def test_missing_word_lists_fill_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "masked.txt").write_text("# a comment\n\nfuck fucks don't\n", encoding="utf-8")
    monkeypatch.setattr(masks, "_VOCAB", tmp_path)  # no severe.txt here
    masks._groups.cache_clear()
    try:
        assert fill("c*nt") is None
        assert fill("f*ck") == "fuck"
    finally:
        masks._groups.cache_clear()


def test_only_slur_lines_of_severe_txt_are_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "severe.txt").write_text(
        "@macro  YOU  you|u\nslur  misogyny  3  cunt|cunts|two words\nslur short\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(masks, "_VOCAB", tmp_path)
    masks._groups.cache_clear()
    try:
        assert fill("c*nt") == "cunt"
        assert fill("y*u") is None  # a macro's words are not maskable words
    finally:
        masks._groups.cache_clear()
