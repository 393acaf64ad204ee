import pytest

from chatwarden.model import COLUMNS, Model, load_model
from chatwarden.pipeline.classify import (
    MIN_SHARE,
    STOP_WORDS,
    ModelView,
    cut_spans,
    is_function_word,
    mask_spans,
    model_input,
    model_text,
    model_view,
    score_rows,
    trigger_spans_batch,
)
from chatwarden.pipeline.normalise import normalise, normalise_text


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model()


def test_mask_spans_keeps_length_and_blanks_only_the_spans() -> None:
    assert mask_spans("hell yeah go to hell", [(0, 9)]) == " " * 9 + " go to hell"
    assert mask_spans("abc", []) == "abc"


def test_score_rows_gives_harm_and_every_category(model: Model) -> None:
    ((harm, cats),) = score_rows(model, ["you are a stupid idiot"])
    assert 0.0 <= harm <= 1.0
    assert tuple(cats) == COLUMNS[1:]
    assert score_rows(model, []) == []


TEXTS = [
    normalise_text(t)
    for t in [
        "you are a stupid worthless idiot",
        "gg wp",
        "",
        "   ",
        "a b c",
        "kill yourself noob lol",
        "what   the  f u c k",
    ]
]


def test_batch_explanations_equal_one_text_at_a_time(model: Model) -> None:
    batch = trigger_spans_batch(model, TEXTS)
    for text, spans in zip(TEXTS, batch, strict=True):
        single = model.contributions_many(text, list(COLUMNS))
        for col in COLUMNS:
            content = [(s, e, w) for s, e, w in single[col] if not is_function_word(text[s:e])]
            floor = MIN_SHARE * content[0][2] if content else 0.0
            expected = [(s, e) for s, e, w in content[:3] if w > 0 and w >= floor]
            assert spans[col] == expected, (text, col)


def test_the_insult_is_what_triggers_bullying(model: Model) -> None:
    (spans,) = trigger_spans_batch(model, ["you are a stupid worthless idiot"])
    words = {"you are a stupid worthless idiot"[s:e] for s, e in spans["bullying"]}
    assert words & {"stupid", "idiot", "worthless"}


def test_function_words_are_never_the_explanation(model: Model) -> None:
    text = "you are a worthless idiot"
    (spans,) = trigger_spans_batch(model, [text], [["harm", "bullying"]])
    for col in ("harm", "bullying"):
        words = [text[s:e] for s, e in spans[col]]
        assert set(words) == {"worthless", "idiot"}, (col, words)
    # the function words do carry weight in the model: the filter is what drops them
    raw = model.contributions_many(text, ["bullying"])["bullying"]
    assert any(text[s:e] in {"you", "are", "a"} and w > 0 for s, e, w in raw)


def test_function_words_cover_contractions_and_chat_spellings() -> None:
    for word in ["you", "are", "an", "the", "is", "you're", "u", "ur", "it's", "you,"]:
        assert is_function_word(word), word
    for word in ["idiot", "kill", "women", "not", "never", "die", "kys"]:
        assert not is_function_word(word), word
    assert not STOP_WORDS & {"not", "no", "never", "kill", "hate", "die"}


def test_weak_words_are_not_named(model: Model) -> None:
    text = normalise_text("the weather is nice but you are a worthless stupid idiot")
    (spans,) = trigger_spans_batch(model, [text], [["bullying"]], limit=10)
    contributions = dict(
        ((s, e), w) for s, e, w in model.contributions_many(text, ["bullying"])["bullying"]
    )
    named = [contributions[span] for span in spans["bullying"]]
    assert named and min(named) >= MIN_SHARE * max(named)
    assert "weather" not in {text[s:e] for s, e in spans["bullying"]}


def test_model_input_cuts_the_chat_vocabulary() -> None:
    norm = normalise("KEKW you sussy idiot vkimmWiggle on the whiteboard")
    seen = model_input(norm)
    assert seen == "you idiot on the"
    assert model_text("KEKW you sussy idiot vkimmWiggle on the whiteboard") == seen
    # permitted spans and channel emotes go the same way
    assert model_input(normalise("hi wardenKill"), emotes=frozenset({"wardenKill"})) == "hi"
    assert model_input(normalise("hell yeah"), [(0, 4)]) == "yeah"
    assert model_input(normalise("gg wp")) == ""  # both slang
    assert model_input(normalise("nice  play")) == "nice play"


def test_cut_spans_maps_every_kept_character_back() -> None:
    text = "aa bb cc dd ee"
    view = cut_spans(text, [(3, 5), (6, 9), (0, 2), (7, 8)])  # unsorted and overlapping
    assert view.text == "dd ee"
    assert view.at is not None and len(view.at) == len(view.text)
    for i, ch in enumerate(view.text):
        if ch != " ":
            assert text[view.at[i]] == ch
    assert view.to_normalised(0, 2) == (9, 11) and view.to_normalised(3, 5) == (12, 14)
    assert cut_spans(text, []) == ModelView(text)
    assert ModelView(text).to_normalised(3, 5) == (3, 5)
    assert cut_spans("abc", [(0, 3)]).text == ""
    assert cut_spans("you, sus? idiot", [(5, 8)]).text == "you, ? idiot"


def test_model_view_of_real_text_maps_words_to_the_normalised_text() -> None:
    norm = normalise("KEKW  y o u   are a whiteboard IDIOT PogChamp")
    view = model_view(norm)
    assert view.text == "you are a idiot"
    start = view.text.index("idiot")
    s, e = view.to_normalised(start, start + 5)
    assert norm.text[s:e] == "idiot"
