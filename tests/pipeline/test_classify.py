import pytest

from chatwarden.model import COLUMNS, Model, load_model
from chatwarden.pipeline.classify import mask_spans, score_rows, trigger_spans_batch
from chatwarden.pipeline.normalise import normalise_text


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
            expected = [(s, e) for s, e, w in single[col][:3] if w > 0]
            assert spans[col] == expected, (text, col)


def test_the_insult_is_what_triggers_bullying(model: Model) -> None:
    (spans,) = trigger_spans_batch(model, ["you are a stupid worthless idiot"])
    words = {"you are a stupid worthless idiot"[s:e] for s, e in spans["bullying"]}
    assert words & {"stupid", "idiot", "worthless"}
