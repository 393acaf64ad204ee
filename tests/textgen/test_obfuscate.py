import random
import unicodedata

import pytest

from chatwarden.textgen.obfuscate import TRICKS, WORD_TRICKS, obfuscate

LINES = [
    "you are so stupid",
    "shut up idiot nobody asked",
    "go back to your country loser",
    "ok",
]


@pytest.mark.parametrize("trick", sorted(TRICKS))
@pytest.mark.parametrize("line", LINES)
def test_each_trick_changes_text(trick: str, line: str) -> None:
    for seed in range(20):
        assert obfuscate(line, trick, random.Random(seed)) != line


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_deterministic_per_seed(trick: str) -> None:
    line = "you are a stupid fucking idiot lol"
    first = [obfuscate(line, trick, random.Random(seed)) for seed in range(10)]
    again = [obfuscate(line, trick, random.Random(seed)) for seed in range(10)]
    assert first == again
    assert len(set(first)) > 1, "different seeds should give different outputs"


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_longest_word_always_rewritten(trick: str) -> None:
    line = "u r a disgusting clown"
    for seed in range(20):
        out = obfuscate(line, trick, random.Random(seed))
        assert "disgusting" not in out


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_no_words_is_identity(trick: str) -> None:
    for text in ["", "123 456", "!!! ???", "🔥🔥"]:
        assert obfuscate(text, trick, random.Random(0)) == text


def test_examples() -> None:
    rng = random.Random(0)
    assert obfuscate("fuck", "spaced", rng) == "f u c k"
    assert obfuscate("fuck", "fullwidth", rng) == "ｆｕｃｋ"
    assert obfuscate("fuck", "dotted", rng).replace("*", ".").replace("-", ".").replace(
        "_", "."
    ) == ("f.u.c.k")


def test_tricks_stay_within_their_alphabet() -> None:
    rng = random.Random(3)
    line = "stupid idiot trash"
    leet = obfuscate(line, "leetspeak", rng)
    assert set(leet) <= set("abcdefghijklmnopqrstuvwxyz 4@31!05$7")
    glyphs = obfuscate(line, "homoglyphs", rng)
    assert any(unicodedata.name(ch).startswith(("CYRILLIC", "GREEK")) for ch in glyphs)
    zw = obfuscate(line, "zero_width", rng)
    assert "".join(ch for ch in zw if ch.isascii()) == line
    elong = obfuscate(line, "elongation", rng)
    assert len(elong) > len(line)
    assert obfuscate(line, "mixed_case", rng).lower() == line
    accented = obfuscate(line, "accents", rng)
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", accented) if not unicodedata.combining(ch)
    )
    assert stripped == line


def test_mixed_combines_tricks() -> None:
    outs = {obfuscate("absolutely disgusting", "mixed", random.Random(s)) for s in range(30)}
    assert len(outs) == 30


def test_unknown_trick() -> None:
    with pytest.raises(KeyError, match="unknown trick 'rot13'"):
        obfuscate("x", "rot13", random.Random(0))


def test_registry_names() -> None:
    assert set(TRICKS) == set(WORD_TRICKS) | {"mixed"}
