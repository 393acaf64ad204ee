from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatwarden.pipeline.normalise import normalise
from chatwarden.pipeline.terms import Term, TermMatch, TermMatcher

BLOCKED = ["ass", "cunt", "dick", "cock", "shit", "fuck", "hell", "noob", "stupid"]
MATCHER = TermMatcher([Term(text) for text in BLOCKED])


def found(matcher: TermMatcher, text: str) -> list[tuple[str, list[str]]]:
    """(term, the ORIGINAL text of each span) for every blocked hit."""
    norm = normalise(text)
    return [
        (hit.term.text, [text[slice(*norm.span(*span))] for span in hit.spans])
        for hit in matcher.match(norm).blocked
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United won",
        "play the bass",
        "a classic move",
        "the assessment is due",
        "cocktail hour",
        "reading Dickens tonight",
        "as far as I know",
        "hello there",
        "shell script",
        "passion",
        "shitake",  # whole words only: needs a wildcard to hit
        "",
        "   ",
        "!!! ??? ...",
    ],
)
def test_whole_words_only_never_hit_inside_other_words(text: str) -> None:
    assert found(MATCHER, text) == []


@pytest.mark.parametrize(
    ("text", "term", "spans"),
    [
        ("what an ass", "ass", ["ass"]),
        ("ASS!", "ass", ["ASS"]),
        ("asss", "ass", ["asss"]),
        ("aass", "ass", ["aass"]),
        ("shiit happens", "shit", ["shiit"]),
        ("fuuck", "fuck", ["fuuck"]),
        ("stuuuupid", "stupid", ["stuuuupid"]),
        ("the bitch's dick's", "dick", ["dick"]),
        ("hell, hell and HELL", "hell", ["hell", "hell", "HELL"]),
    ],
)
def test_whole_words_and_doubled_letters_hit(text: str, term: str, spans: list[str]) -> None:
    assert found(MATCHER, text) == [(term, spans)]


@pytest.mark.parametrize(
    ("text", "term", "span"),
    [
        ("f.u.c.k", "fuck", "f.u.c.k"),
        ("f u c k you", "fuck", "f u c k"),
        ("sh1t", "shit", "sh1t"),
        ("ＦＵＣＫ", "fuck", "ＦＵＣＫ"),
        ("ſhit", "shit", "ſhit"),
        ("you n00b", "noob", "n00b"),
        ("a$$", "ass", "a$$"),
        ("sh\u200bit", "shit", "sh\u200bit"),
        ("ѕhіt", "shit", "ѕhіt"),  # Cyrillic look-alikes
    ],
)
def test_obfuscated_terms_hit_through_normalise(text: str, term: str, span: str) -> None:
    assert found(MATCHER, text) == [(term, [span])]


def test_terms_are_normalised_like_messages() -> None:
    matcher = TermMatcher([Term("n00b"), Term("ＳＨＩＴ"), Term("a$$")])
    assert found(matcher, "noob shit ass") == [
        ("n00b", ["noob"]),
        ("ＳＨＩＴ", ["shit"]),
        ("a$$", ["ass"]),
    ]


WILD = TermMatcher([Term("hate*"), Term("*hole"), Term("*bad*")])


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("haters gonna hate", [("hate*", ["haters", "hate"])]),
        ("so hateful", [("hate*", ["hateful"])]),
        ("haateful", [("hate*", ["haateful"])]),
        ("whatever", []),
        ("you asshole", [("*hole", ["asshole"])]),
        ("a hole", [("*hole", ["hole"])]),
        ("holes and wholesome", []),
        ("not bad, notbadatall, badly", [("*bad*", ["bad", "notbadatall", "badly"])]),
        ("sinbad", [("*bad*", ["sinbad"])]),
        ("bda", []),
        ("hater asshole", [("hate*", ["hater"]), ("*hole", ["asshole"])]),
    ],
)
def test_wildcards_at_start_and_end(text: str, hits: list[tuple[str, list[str]]]) -> None:
    assert found(WILD, text) == hits


PHRASES = TermMatcher([Term("go away"), Term("*bad thing*")])


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("go away", [("go away", ["go", "away"])]),
        ("away with you, go on, go", [("go away", ["away", "go", "go"])]),
        ("go somewhere", []),
        ("gone away", []),
        ("a toobad thingy", [("*bad thing*", ["toobad", "thingy"])]),
        ("bad", []),
    ],
)
def test_phrase_hits_when_all_words_occur_anywhere(
    text: str, hits: list[tuple[str, list[str]]]
) -> None:
    assert found(PHRASES, text) == hits


PERMIT = TermMatcher(
    [
        Term("hell"),
        Term("hell yeah", kind="permitted"),
        Term("*hole"),
        Term("cornhole", kind="permitted"),
        Term(r"s+h+i+t+", is_regex=True),
        Term("holy shit", kind="permitted"),
    ]
)


@pytest.mark.parametrize(
    ("text", "hits", "permitted"),
    [
        ("hell yeah!", [], ["hell yeah"]),
        ("HELL YEAH", [], ["HELL YEAH"]),
        ("hell yeah, go to hell", [("hell", ["hell"])], ["hell yeah"]),
        ("yeah hell", [("hell", ["hell"])], []),
        ("hell no", [("hell", ["hell"])], []),
        ("playing cornhole", [], ["cornhole"]),
        ("cornhole asshole", [("*hole", ["asshole"])], ["cornhole"]),
        ("holy shit", [], ["holy shit"]),
        ("holy shit, shit", [(r"s+h+i+t+", ["shit"])], ["holy shit"]),
    ],
)
def test_permitted_terms_clear_only_the_span_they_cover(
    text: str, hits: list[tuple[str, list[str]]], permitted: list[str]
) -> None:
    norm = normalise(text)
    match = PERMIT.match(norm)
    assert found(PERMIT, text) == hits
    assert [text[slice(*norm.span(*span))] for span in match.permitted_spans] == permitted
    assert match.is_blocked is bool(hits)


def test_permitted_phrase_that_clears_one_word_of_a_blocked_phrase() -> None:
    matcher = TermMatcher([Term("hell fire"), Term("hell yeah", kind="permitted")])
    assert found(matcher, "hell yeah fire") == []
    assert found(matcher, "hell yeah fire hell") == [("hell fire", ["fire", "hell"])]


def test_match_reports_permitted_terms_and_merged_spans() -> None:
    matcher = TermMatcher([Term("hell yeah", kind="permitted"), Term("yeah boy", kind="permitted")])
    match = matcher.match(normalise("hell yeah boy"))
    assert match.blocked == ()
    assert match.permitted_spans == ((0, 13),)
    assert [hit.term.text for hit in match.permitted] == ["hell yeah", "yeah boy"]


def test_no_hit_returns_an_empty_match() -> None:
    assert MATCHER.match(normalise("gg wp everyone")) == TermMatch()
    assert TermMatcher([]).match(normalise("anything at all")) == TermMatch()


def test_hits_keep_term_order_and_carry_the_term() -> None:
    terms = [
        Term("stupid", private=True, scope="global"),
        Term(r"n[o0]+b", is_regex=True),
        Term("noob"),
    ]
    hits = TermMatcher(terms).match(normalise("noob, stupid")).blocked
    assert [hit.term for hit in hits] == terms
    assert [hit.spans for hit in hits] == [((6, 12),), ((0, 4),), ((0, 4),)]


def test_duplicate_terms_give_one_hit() -> None:
    matcher = TermMatcher([Term("noob"), Term("NOOB"), Term("n00b")])
    assert len(matcher.terms) == 1
    assert found(matcher, "noob") == [("noob", ["noob"])]


def test_global_and_channel_terms_both_match() -> None:
    matcher = TermMatcher([Term("noob", scope="global"), Term("noob")])
    assert [h.term.scope for h in matcher.match(normalise("noob")).blocked] == [
        "global",
        "channel",
    ]


FUZZ = TermMatcher(
    [
        Term("ass"),
        Term("hate*"),
        Term("*hole"),
        Term("*bad*"),
        Term("go away"),
        Term("hell"),
        Term("hell yeah", kind="permitted"),
        Term(r"k+y+s+", is_regex=True),
        Term(r"\bz", is_regex=True),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_crashes_and_spans_stay_in_bounds(text: str) -> None:
    norm = normalise(text)
    match = FUZZ.match(norm)
    size = len(norm.text)
    for start, end in match.permitted_spans:
        assert 0 <= start < end <= size
    for hit in match.blocked:
        assert hit.spans
        for start, end in hit.spans:
            assert 0 <= start < end <= size
            assert not any(a <= start and end <= b for a, b in match.permitted_spans)


words = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(words, max_size=6), st.lists(words, max_size=6))
def test_a_blocked_word_among_random_words_always_hits(before: list[str], after: list[str]) -> None:
    text = " ".join([*before, "ass", *after])
    norm = normalise(text)
    spans = [s for hit in FUZZ.match(norm).blocked if hit.term.text == "ass" for s in hit.spans]
    assert spans
    assert all(norm.text[a:b] in ("ass", "as") or "ss" in norm.text[a:b] for a, b in spans)
