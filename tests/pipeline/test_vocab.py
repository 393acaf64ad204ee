"""The bundled live-chat vocabulary: what it holds, what it leaves to the model, what it hides."""

import re

import pytest

from chatwarden.pipeline.normalise import normalise, normalise_text
from chatwarden.pipeline.vocab import (
    EMOTES,
    GUARD,
    INNOCENT,
    SLANG,
    VOCAB_DIR,
    VOCAB_VERSION,
    _version,
    is_emote_shape,
    vocab_spans,
)


def hidden(text: str, emotes: frozenset[str] = frozenset()) -> list[str]:
    """The words of the original that ``vocab_spans`` hides from the model."""
    norm = normalise(text)
    out = []
    for start, end in sorted(set(vocab_spans(norm, emotes))):
        s, e = norm.span(start, end)
        out.append(text[s:e])
    return out


@pytest.mark.parametrize("name", ["emotes.txt", "slang.txt", "innocent.txt", "guard.txt"])
def test_every_list_has_a_version_and_a_source_note(name: str) -> None:
    head = (VOCAB_DIR / name).read_text(encoding="utf-8").split("\n\n")[0]
    assert re.search(r"^# version: \d{4}\.\d+\.\d+$", head, re.MULTILINE), name
    assert "# source:" in head and "no list was downloaded" in head


def test_lists_are_clean() -> None:
    assert 250 <= len(EMOTES) and 40 <= len(SLANG) and 150 <= len(INNOCENT)
    assert all(code and not any(c.isspace() for c in code) for code in EMOTES)
    # all-lower-case messages skip the emote look-up: every code must hold a capital
    assert all(not code.islower() for code in EMOTES)
    for word in SLANG | INNOCENT:
        # matched against normalised words, so each must be one normalised word
        assert normalise_text(word) == word and re.fullmatch(r"[a-z0-9]+", word), word
    assert all(root == root.lower() and len(root) >= 2 for root in GUARD)
    assert VOCAB_VERSION.startswith("vocab-")


def test_the_version_follows_the_content() -> None:
    base = _version([("slang.txt", ("sus", "based"))])
    assert _version([("slang.txt", ("based", "sus", "sus"))]) == base
    assert _version([("slang.txt", ("sus", "based", "pog"))]) != base


def test_codes_with_identity_connotations_and_taunts_are_left_to_the_model() -> None:
    left_out = {"TriHard", "CmonBruh", "cmonBruh", "ANELE", "MingLee", "BrokeBack", "KKona"}
    left_out |= {"Pepega", "PETTHEPEPEGA", "Gayge", "BOOBA", "RIPBOZO", "EZ", "EZY"}
    assert not EMOTES & left_out
    trash_talk = {"l", "ratio", "bozo", "noob", "cope", "mald", "malding", "cringe", "simp"}
    trash_talk |= {"trash", "ez", "baka", "grass", "touch", "skill", "npc"}
    assert not (SLANG | INNOCENT) & trash_talk
    identity = {"white", "black", "jew", "jewish", "gay", "trans", "women", "ladies", "asian"}
    identity |= {"muslim", "arab", "nigerian", "transition", "homo", "indian", "mexican"}
    assert not (SLANG | INNOCENT) & identity


def test_bundled_emotes_are_case_sensitive_whole_words() -> None:
    assert hidden("KEKW OMEGALUL") == ["KEKW", "OMEGALUL"]
    assert hidden("that was close PepeHands Sadge") == ["PepeHands", "Sadge"]
    assert hidden("TransgenderPride KappaPride") == ["TransgenderPride", "KappaPride"]
    assert hidden("MONKAW monkaw") == []  # not the code "monkaW", and not slang either
    assert hidden("OMEGALUL!") == ["OMEGALUL"]  # not the emote, but slang by its word
    assert hidden("TriHard 7") == []


@pytest.mark.parametrize("word", ["vkimmWiggle", "daphCheer", "moon2SMUG", "xqcL", "pokiHype2"])
def test_channel_emote_shapes_are_hidden(word: str) -> None:
    assert is_emote_shape(word)
    assert hidden(f"{word} {word} nice") == [word, word]


@pytest.mark.parametrize(
    "word",
    [
        "wardenKill",  # a guard root: the model reads it, as before
        "killYourself",
        "fuckOff",
        "gasTheJews",
        "backToAfrica",
        "kil1Yourself",
        "uglyClown",
        "vkimmwiggle",  # no capitalised name
        "VkimmWiggle",  # no lowercase prefix
        "ogWiggle",  # prefix too short
        "iPhone",
        "vkimmWiggle!",
        "vkimm_Wiggle",
    ],
)
def test_words_that_are_not_emote_shapes_stay_visible(word: str) -> None:
    assert not is_emote_shape(word, normalise_text(word))
    assert hidden(f"{word} here") == []


def test_guard_reads_the_normalised_spelling_too() -> None:
    assert is_emote_shape("dieYoung") is False
    assert is_emote_shape("abcdTest") is True
    assert is_emote_shape("abcdTest", "abcdtest") is True
    assert is_emote_shape("abcdTest", "killtest") is False


def test_channel_emotes_are_hidden_exactly_as_written() -> None:
    emotes = frozenset({"wardenKill"})
    assert hidden("hi wardenKill", emotes) == ["wardenKill"]
    assert hidden("hi wardenkill wardenKill!", emotes) == []


def test_slang_is_hidden_in_any_case_and_spelling() -> None:
    assert hidden("Sussy") == ["Sussy"]
    assert hidden("that's SUS, based and cracked") == ["SUS", "based", "cracked"]
    assert hidden("W streamer") == ["W"]
    assert hidden("5u55y") == ["5u55y"]


def test_trash_talk_and_abuse_stay_visible() -> None:
    assert hidden("L ratio bozo") == []
    assert hidden("you are a worthless idiot") == []
    assert hidden("sus idiot") == ["sus"]


def test_words_that_contain_identity_words_are_hidden_but_identity_words_are_not() -> None:
    assert hidden("her to do list on the whiteboard") == ["whiteboard"]
    assert hidden("BLACKOUT in Scunthorpe, grapefruit cocktail") == [
        "BLACKOUT",
        "Scunthorpe",
        "grapefruit",
        "cocktail",
    ]
    assert hidden("my therapist plays assassin's creed") == ["therapist", "assassin"]
    assert hidden("white people and black people") == []
    assert hidden("white board") == []


def test_spans_survive_normalisation_that_moves_offsets() -> None:
    text = "\u200bＫＥＫＷ  f u c k   that   whiteboard\u200b"
    norm = normalise(text)
    spans = vocab_spans(norm)
    # ＫＥＫＷ is not the code KEKW, but its normalised word is slang
    assert [norm.text[s:e] for s, e in sorted(spans)] == ["kekw", "whiteboard"]
    assert hidden("ＫＥＫＷ  f u c k") == ["ＫＥＫＷ"]
    for s, e in spans:
        assert 0 <= s < e <= len(norm.text)


def test_lower_case_channel_emotes_are_still_found() -> None:
    assert hidden("hi wiggle", frozenset({"wiggle"})) == ["wiggle"]


def test_ascii_and_unicode_messages_find_the_same_words() -> None:
    assert hidden("sus, based") == hidden("sus, based é") == ["sus", "based"]


def test_nothing_to_hide_costs_nothing() -> None:
    assert vocab_spans(normalise("hi there, how is everyone")) == []
    assert vocab_spans(normalise("")) == []
