"""normalise: every evasion trick, the whole-word safe list, and the offset-map invariants."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chatwarden.pipeline.normalise import (
    Normalised,
    normalise,
    normalise_text,
    skeleton,
    unelongated,
)
from chatwarden.pipeline.terms.words import WORD_RE
from chatwarden.pipeline.vocab import INNOCENT, SLANG


def check_map(norm: Normalised) -> None:
    """The invariants every caller relies on."""
    n, size = len(norm.text), len(norm.original)
    assert len(norm.starts) == len(norm.ends) == n
    for i in range(n):
        assert 0 <= norm.starts[i] < norm.ends[i] <= size
        if i:
            assert norm.starts[i - 1] <= norm.starts[i]
            assert norm.ends[i - 1] <= norm.ends[i]
    for a in range(n + 1):
        for b in (a, n):
            s, e = norm.span(a, b)
            assert 0 <= s <= e <= size


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Unicode: NFKC, casefold, accents, zalgo, look-alikes
        ("FUCK", "fuck"),
        ("Ｆｕｃｋ", "fuck"),
        ("𝐟𝐮𝐜𝐤 𝓯𝓾𝓬𝓴 𝕗𝕦𝕔𝕜", "fuck fuck fuck"),
        ("ⓕⓤⓒⓚ", "fuck"),
        ("🇫🇺🇨🇰", "fuck"),
        ("fùçk", "fuck"),
        ("fu\u0300c\u0327k", "fuck"),
        ("Z̷̢̛a̶l̸g̵o̴ t̸̡e̵x̷t̴", "zalgo text"),
        ("ѕһіт", "shit"),  # Cyrillic
        ("fuсk", "fuck"),  # one Cyrillic letter in a Latin word
        ("ΒΙΤCΗ", "bitch"),  # Greek capitals
        ("ʙɪᴛᴄʜ", "bitch"),  # small caps
        ("Straße", "strasse"),
        ("ﬁne", "fine"),
        ("søn łol ıt", "son lol it"),
        # invisible characters
        ("f\u200bu\u200cc\u200dk", "fuck"),
        ("f\u00adu\u2060c\ufeffk", "fuck"),
        ("\u202efuck\u202c", "fuck"),
        ("fu\ufe0fck", "fuck"),
        # leetspeak inside words
        ("n00b", "noob"),
        ("5h1t", "shit"),
        ("$hit a$$", "shit ass"),
        ("h@te", "hate"),
        ("@ss", "ass"),
        ("sh!t", "shit"),
        ("b1tch", "bitch"),
        ("n1gg3r", "nigger"),
        ("h4x0r l33t", "haxor leet"),
        ("k1ll y0urs3lf", "kill yourself"),
        ("9ay", "gay"),
        ("shi+head", "shithead"),
        # numbers, counts, names with digits stay
        ("top 10", "top 10"),
        ("gg 100%", "gg 100%"),
        ("2020", "2020"),
        ("1v1 me", "1v1 me"),
        ("10k subs 3rd place 60fps", "10k subs 3rd place 60fps"),
        ("ps5 cs2 mp3", "ps5 cs2 mp3"),
        ("4Head 5Head", "4head 5head"),
        ("noob123", "noob123"),
        ("$100", "$100"),
        ("1000", "1000"),
        ("gg!!!", "gg!!"),
        # spaced-out letters
        ("f u c k", "fuck"),
        ("f   u   c   k you", "fuck you"),
        ("f.u.c.k", "fuck"),
        ("f-u-c-k", "fuck"),
        ("f_u_c_k", "fuck"),
        ("f*u*c*k", "fuck"),
        ("f . u . c . k", "fuck"),
        # a separator doubled or tripled (what "y-\u200d-o" leaves without its zero-width char)
        ("f--u--c--k off", "fuck off"),
        ("k___y___s", "kys"),
        ("y-\u200d-o-\u2060-u s_t_u_\u200b_p_i_\u2060_d", "you stupid"),
        ("f-u--c---k", "fuck"),
        ("well--i think so", "well--i think so"),
        ("1--2--3", "1--2--3"),
        ("n i g g e r", "nigger"),
        ("n 1 g g 3 r", "nigger"),
        ("f u c k.", "fuck."),
        ("i am a", "i am a"),
        ("1 2 3", "1 2 3"),
        ("5 - 3 = 2", "5 - 3 = 2"),
        ("what's a b c", "what's abc"),
        ("it's a good day", "it's a good day"),
        ("a.b.c.com", "a.b.c.com"),
        # two letters: spaced, or split by a dot, dash, underscore, star or tilde
        ("g g ez", "gg ez"),
        ("where u a-t?", "where u at?"),
        ("n.o.t m.e", "not me"),
        ("i'm here", "i'm here"),  # never the apostrophe
        ("w/o you", "w/o you"),  # nor the slash
        ("x-ray", "x-ray"),
        # a spaced letter next to a dotted word stays out of it
        ("i t.o.o.k it", "i took it"),
        ("2 r-u-n-e-s", "2 runes"),
        # the spaces around a separator are the same all along a run
        ("f .u .c .k", "fuck"),
        ("m.i.d. a.n.d. cry", "mid and cry"),  # a run's closing separator goes with it
        ("d..i..e. at mid", "die at mid"),
        ("f_a_g_ off", "fag off"),
        # a lone "!" is a spaced-out "i"; the "!" that ends a word is punctuation
        ("f u c k ! n g hate", "fucking hate"),
        ("s i c k!", "sick!"),
        ("what ! no", "what ! no"),
        # a run with one letter or none joins when its digits spell a word; numbers never do
        ("$-h-0-0-7 him", "shoot him"),
        ("g.3.7 out", "get out"),
        ("7-0-0 pts", "7-0-0 pts"),
        ("1 2 3 go", "1 2 3 go"),
        # a symbol held down inside a word
        ("thi!!s", "this"),
        # no username holds "@" or "$": leetspeak, not a mention
        ("@fr1c@n$ suck", "africans suck"),
        ("hi @streamer_1", "hi @streamer_1"),
        # a look-alike read as it is drawn: the lunate sigma is "c", not "o"
        ("b\u03b9t\u03f2h", "bitch"),
        # repeats
        ("stuuuupid", "stupid"),  # one letter: a dictionary word
        ("zorbbbbb", "zorbb"),  # two: no dictionary word either way
        ("assss", "ass"),
        ("looool", "lol"),
        ("theeee", "the"),  # both words, but "the" is far commoner than "thee"
        ("gooood", "good"),  # both words, neither far commoner: two letters stay
        ("fuuuucks", "fucks"),  # not in the dictionary, but a word of the training text
        ("bruhhhh", "bruh"),
        ("noooo!!!!!", "no!!"),
        # whitespace
        ("  hi \t there \n", "hi there"),
        ("a\u00a0b\u3000c", "abc"),
        ("ab\u2800cd", "ab cd"),
        # whole words survive
        ("Scunthorpe", "scunthorpe"),
        ("bass classic assessment", "bass classic assessment"),
        ("cocktail Dickens", "cocktail dickens"),
        # chat furniture
        ("PogChamp KEKW LUL", "pogchamp kekw lul"),
        ("@Streamer_99 hi", "@streamer_99 hi"),
        ("@ssh0le", "@ssh0le"),  # four or more characters read as a username: kept
        ("see https://www.twitch.tv/xqc?aaa=1111", "see https://www.twitch.tv/xqc?aaa=1111"),
        ("go to www.g00gle.com now", "go to www.g00gle.com now"),
        ("clips.twitch.tv/Abc123", "clips.twitch.tv/abc123"),
        ("", ""),
        ("   ", ""),
        ("\u200b", ""),
    ],
)
def test_normalise_table(raw: str, expected: str) -> None:
    norm = normalise(raw)
    assert norm.text == expected
    assert normalise_text(raw) == expected
    check_map(norm)
    assert normalise(norm.text).text == norm.text


@pytest.mark.parametrize(
    ("raw", "word", "original"),
    [
        ("you are stuuuupid ok", "stupid", "stuuuupid"),
        ("lol f.u.c.k you", "fuck", "f.u.c.k"),
        ("ok ｆｕｃｋ", "fuck", "ｆｕｃｋ"),
        ("Straße!", "strasse", "Straße"),
        ("hi f\u200bu\u200bc\u200bk", "fuck", "f\u200bu\u200bc\u200bk"),
        ("fu\u0300ck", "fuck", "fu\u0300ck"),
        ("the  n00b   here", "noob", "n00b"),
    ],
)
def test_span_maps_word_back_to_original(raw: str, word: str, original: str) -> None:
    norm = normalise(raw)
    i = norm.text.index(word)
    s, e = norm.span(i, i + len(word))
    assert raw[s:e] == original


def test_span_of_empty_range_is_a_point() -> None:
    norm = normalise("ab cd")
    assert norm.span(3, 3) == (3, 3)
    assert norm.span(5, 5) == (5, 5)
    assert normalise("").span(0, 0) == (0, 0)


def test_expansion_shares_origin() -> None:
    norm = normalise("ß")
    assert norm.text == "ss"
    assert norm.starts == (0, 0)
    assert norm.ends == (1, 1)


@pytest.mark.parametrize(
    ("word", "skel"),
    [("stuupid", "stupid"), ("looool", "lol"), ("ass", "as"), ("", ""), ("abc", "abc")],
)
def test_skeleton(word: str, skel: str) -> None:
    assert skeleton(word) == skel


def test_fast_path_agrees_with_repeated_calls() -> None:
    # the token cache must not change answers: same line twice, and in other company
    first = normalise("u r a n00b lol")
    again = normalise("u r a n00b lol")
    assert first == again
    assert normalise("n00b").text == "noob"


any_text = st.text(st.characters(codec=None, categories=None), max_size=80)
chat_text = st.text(
    st.sampled_from(list("abcdefgiklnorstu013457$@!|+.-_*' ")) | st.characters(codec=None),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(any_text | chat_text)
@example("a\ud800b")
@example("a \u0e31b")
@example("$\u0e31")
def test_invariants_on_any_text(raw: str) -> None:
    norm = normalise(raw)
    check_map(norm)
    assert normalise(norm.text).text == norm.text
    norm.text.encode("utf-8")  # never leaves a lone surrogate behind


def _tile(chunk: str) -> str:
    return (chunk * (10_000 // len(chunk) + 1))[:10_000]


@settings(max_examples=10, deadline=None)
@given((any_text | chat_text).filter(bool).map(_tile))
@example(_tile("a "))
@example(_tile("a."))
@example(_tile("a" * 50 + " 1"))
def test_long_input(raw: str) -> None:
    norm = normalise(raw)
    assert len(norm.starts) == len(norm.text)
    assert normalise(norm.text).text == norm.text


ascii_chat = st.lists(
    st.sampled_from(list("abcdefgiklnorstuxy0123456789$@!|+.-_*'()\"<:/ "))
    | st.sampled_from(["http://", "www.", "@user", ".com", "  ", "it's", "i'm", "f u c k"]),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(ascii_chat)
@example("what's a b c")
@example("f. u. c. k.")
def test_ascii_fast_path_matches_general_path(raw: str) -> None:
    # a leading zero-width space forces the general path and shifts every offset by one
    fast, general = normalise(raw), normalise("\u200b" + raw)
    assert general.text == fast.text
    assert general.starts == tuple(i + 1 for i in fast.starts)
    assert general.ends == tuple(i + 1 for i in fast.ends)


IDENTITY_AND_SWEAR_WORDS = frozenset(
    "white black jew jews gay trans arab asian homo rape rapist ass cock cunt dick cum tit hoe "
    "anal sex nig fag spic coon mong crip tard kill die hate stab".split()
)


@pytest.mark.parametrize(
    "raw",
    [
        "her to do list on the whiteboard",
        "BLACKOUT last night",
        "Scunthorpe United",
        "grapefruit, therapist, assassin, cocktail",
        "wh1teboard and bl4ckout",
        "W H I T E B O A R D",
        "c o c k t a i l s",
        "the transfer window",
        "among us, subscription, skyscraper",
    ],
)
def test_innocent_words_never_become_identity_or_swear_words(raw: str) -> None:
    """Merging spaced letters and decoding leet inside words keeps an innocent word whole:
    no new word appears that the original did not already hold."""
    before = set(WORD_RE.findall(raw.lower()))
    after = set(WORD_RE.findall(normalise_text(raw)))
    assert not (after - before) & IDENTITY_AND_SWEAR_WORDS, (raw, after)


def test_the_vocabulary_lists_survive_normalisation() -> None:
    """Slang and innocent words are matched on normalised words: every case, spacing and
    emphasis of them must normalise back to the listed word."""
    for word in sorted(SLANG | INNOCENT):
        forms = [word.upper(), word.capitalize(), f"{word}!!!"]
        if len(word) >= 3:
            forms.append(" ".join(word))
        for form in forms:
            assert normalise_text(form).rstrip("!") == word, form


def test_unelongated_cuts_only_letters_squeezed_from_longer_runs() -> None:
    norm = normalise("blarghhhh, see the zorbbbb")
    assert norm.text == "blarghh, see the zorbb"
    got = unelongated(norm)
    assert got is not None
    text, index = got
    assert text == "blargh, see the zorb"
    assert [norm.text[i] for i in index] == list(text)
    assert unelongated(normalise("good see all")) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("y o u a r e s u c h a n i d i o t", "you are such an idiot"),
        ("g o b a c k t o y o u r c o u n t r y", "go back to your country"),
        ("s h u t u p", "shutup"),  # chat writes it as one word: the counts keep it whole
        ("a r e a m i s t a k e", "are a mistake"),  # frequency, not length: not "area"
        ("n a a a a t i v e s", "natives"),  # a held-down letter stays in its word
        ("c a n t w a i t f o r r r r r", "cant wait for"),
        ("k y s", "kys"),  # no words in it: joined whole
        ("s t u p i d", "stupid"),  # one word
        ("b l a c k b e r r i e s", "blackberries"),  # an innocent word is never split
        ("a a a a a a", "a"),  # one-letter words in a row are letters (then squeezed)
    ],
)
def test_spaced_runs_keep_their_word_breaks(raw: str, expected: str) -> None:
    norm = normalise(raw)
    assert norm.text == expected
    assert normalise(norm.text).text == norm.text
    assert norm.span(0, len(norm.text)) == (0, len(raw))


def test_the_token_code_cache_is_bounded_and_never_changes_a_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chatwarden.pipeline import normalise as module

    texts = ["u r a l0ser", "s t u p i d bot", "hello there chat", "n00b team gg", "kys now"]
    expected = [normalise(t) for t in texts]
    monkeypatch.setattr(module, "_CODES", {})
    monkeypatch.setattr(module, "_CODES_MAX", 3)
    for _ in range(2):
        assert [normalise(t) for t in texts] == expected
        assert len(module._CODES) <= 3
