"""Emotes and emoji are not text: the caps, symbols and repetition filters skip them, and still
catch the capitals, symbols and repeated words of what is left."""

from __future__ import annotations

from chatwarden.detect import (
    ActionKind,
    CapsConfig,
    ChannelDetectors,
    DetectionConfig,
    EmotesConfig,
    LengthConfig,
    RepetitionConfig,
    SpamConfig,
    SymbolsConfig,
)
from chatwarden.detect.emotes import EMOJI_RE, INVISIBLE_RE, is_emote, text_words
from chatwarden.detect.spam import check_spam, repetition, symbols
from chatwarden.pipeline.vocab import EMOTES
from tests.detect.factory import ctx

# every filter on, and no channel emote list (what a channel that never synced its emotes has)
BARE = SpamConfig()


def codes(text: str, config: SpamConfig = BARE) -> list[str]:
    return [h.code for h in check_spam(ctx(text=text), config)]


def test_emotes_are_channel_codes_bundled_codes_and_channel_emote_shapes() -> None:
    assert is_emote("KEKW") and is_emote("OMEGALUL") and is_emote("D:")  # bundled
    assert is_emote("vkimmWiggle") and is_emote("moon2SMUG")  # channel-emote shape
    assert is_emote("SNIPEZ", frozenset({"SNIPEZ"})) and not is_emote("SNIPEZ")
    # case and punctuation matter, as chat clients render them; abuse in camelCase is text
    assert not is_emote("kekw") and not is_emote("KEKW!") and not is_emote("killYourself")
    # check_spam skips the look-up for text without a capital: every bundled code holds one
    assert all(code.lower() != code for code in EMOTES)
    tokens = ["hi", "chat"]
    assert text_words(tokens) is tokens
    assert text_words(["KEKW", "hi", "vkimmWiggle"]) == ["hi"]


def test_emoji_are_pictures_but_text_art_characters_are_not() -> None:
    for emoji in ("😂", "❤", "\ufe0f", "\u200d", "👍", "🏽", "⭐", "🇺"):
        assert EMOJI_RE.fullmatch(emoji), emoji
    for symbol in ("⣿", "█", "─", "!", "a", "©"):
        assert not EMOJI_RE.fullmatch(symbol) and not INVISIBLE_RE.fullmatch(symbol), symbol
    for blank in ("\u2800", "\U000e0000", "\u200b"):
        assert INVISIBLE_RE.fullmatch(blank) and not EMOJI_RE.fullmatch(blank), repr(blank)


def test_an_emote_wall_is_not_caps_but_shouting_around_an_emote_is() -> None:
    assert codes("KEKW OMEGALUL LULW KEKW OMEGALUL LULW") == []
    assert codes("vkimmWiggle moon2SMUG xqcL vkimmWiggle moon2SMUG") == []
    # emotes left out, too few letters remain to judge
    assert codes("KEKW KEKW KEKW KEKW lol") == []
    assert codes("KEKX KEKX KEKX KEKX lol") == ["spam.caps"]  # not emotes: capitals
    assert codes("WHY IS NOBODY LISTENING TO ME KEKW") == ["spam.caps"]


def test_a_short_shout_is_not_caps() -> None:
    assert codes("LOL") == [] and codes("GG GG") == [] and codes("LETS GOOO") == []
    assert codes("LETS GOOOOOO BOYS WE WON") == ["spam.caps"]


def test_emoji_and_symbol_emotes_are_not_symbols() -> None:
    assert codes("lol " + "😂" * 15) == []
    # a picture repeated is the emote limit's business (off in BARE), not repetition's
    assert codes("lol " + "😂" * 16) == [] and codes("lol " + "😂 " * 16) == []
    assert codes("lol " + "a" * 16) == ["spam.repetition"]  # a run of a letter still is
    assert codes("so good " + "❤️" * 10) == []
    assert codes("👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽 nice one") == []
    assert codes(" ".join(["D:"] * 10)) == []
    # padding that draws nothing (braille blank, U+E0000) is not symbols either
    assert codes("\u2800" * 30 + " forsenJam TrumpetTime \U000e0000") == []
    assert codes("nice one " + "\u200b" * 20) == []
    assert codes("a" * 8 + "\u2800" + "a" * 8) == ["spam.repetition"]  # what shows is a run
    # the symbols of the text around them still count
    assert codes("😂 ?!?!?!?!?!?!?!?! ok") == ["spam.symbols"]
    assert codes("!?" * 10) == ["spam.symbols"]
    assert codes("⣿⠟⠻⣿" * 4) == ["spam.symbols"]  # braille text art


def test_a_repeated_emote_is_not_word_repetition() -> None:
    assert codes(" ".join(["KEKW"] * 12)) == []
    assert codes(" ".join(["vkimmWiggle"] * 12)) == []
    assert codes(" ".join(["buy"] * 9)) == ["spam.repetition"]
    assert codes("KEKW " + " ".join(["buy"] * 9)) == ["spam.repetition"]
    assert codes(" ".join(["buy"] * 8) + " KEKW KEKW") == []


def test_the_channel_detectors_leave_an_emote_wall_alone() -> None:
    det = ChannelDetectors(1, DetectionConfig(spam=BARE))
    assert det.observe(ctx(1, "OMEGALUL OMEGALUL OMEGALUL OMEGALUL LULW")).action.kind is (
        ActionKind.NONE
    )
    shout = det.observe(ctx(2, "STOP SPOILING THE GAME FOR EVERYONE"))
    assert shout.action.kind is ActionKind.DELETE and shout.codes() == ["spam.caps"]


def test_the_filters_called_directly_skip_texts_under_their_minimum_length() -> None:
    short = "KEKW ?!"
    tokens = short.split()
    assert symbols(short, tokens, text_words(tokens), BARE) is None
    longer = BARE.model_copy(update={"repetition": RepetitionConfig(min_length=10)})
    assert repetition(short, tokens, text_words(tokens), longer) is None


def test_many_configs_are_planned_without_growing_without_bound() -> None:
    configs = [SpamConfig(length=LengthConfig(max_length=100 + i)) for i in range(300)]
    assert all(
        codes("ab" * 75, c) == (["spam.length"] if i < 50 else []) for i, c in enumerate(configs)
    )


def test_emote_flood_counts_channel_emotes_with_the_repetition_filter_off() -> None:
    cfg = SpamConfig(
        emotes=frozenset({"HYPE"}),
        repetition=RepetitionConfig(enabled=False),
        caps=CapsConfig(enabled=False),
        symbols=SymbolsConfig(enabled=False),
    )
    assert codes(" ".join(["HYPE"] * 21), cfg) == ["spam.emote_flood"]


def test_twitch_smileys_are_emotes_not_symbols_or_repeated_words() -> None:
    assert is_emote("<3") and is_emote(":)") and is_emote("o_O") and not is_emote("<3<3")
    assert codes(" ".join(["<3"] * 13)) == []
    assert codes(" ".join([":)"] * 12) + " so good") == []
    assert codes(" ".join(["<4"] * 13)) == ["spam.repetition"]  # not a smiley


def test_whitespace_is_never_a_run() -> None:
    assert codes("ok" + " " * 40 + "then") == []
    assert codes("ok" + "\u3000" * 40 + "then") == []  # ideographic space
    assert codes("ok" + "." * 40 + "then") == ["spam.symbols", "spam.repetition"]


def test_emote_flood_counts_emoji_as_pictures() -> None:
    cfg = SpamConfig(
        emote_flood=EmotesConfig(enabled=True),
        repetition=RepetitionConfig(enabled=False),
        caps=CapsConfig(enabled=False),
        symbols=SymbolsConfig(enabled=False),
    )
    assert codes("😂" * 20, cfg) == []
    assert codes("😂" * 21, cfg) == ["spam.emote_flood"]
    assert codes("👍🏽" * 20 + " nice", cfg) == []  # a skin tone is part of its emoji
    assert codes("🇺🇸" * 20, cfg) == [] and codes("🇺🇸" * 21, cfg) == ["spam.emote_flood"]
    assert codes("❤️ " * 21, cfg) == ["spam.emote_flood"]  # variation selectors too
    # channel emotes and emoji together
    with_hype = cfg.model_copy(update={"emotes": frozenset({"HYPE"})})
    assert codes("HYPE " * 11 + "🔥" * 10, with_hype) == ["spam.emote_flood"]
    assert codes("HYPE " * 10 + "🔥" * 10, with_hype) == []
