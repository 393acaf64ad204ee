"""Reading and labelling the training sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatwarden.training.datasets import (
    COLUMNS,
    IDENTITY,
    UNKNOWN,
    Example,
    Lexicon,
    clean,
    identity_counts,
    load_examples,
    make_labels,
    split,
)

FIXTURE = Path(__file__).parent / "fixtures" / "data"
REPO_DATA = Path(__file__).parents[2] / "data"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load(FIXTURE)


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples(FIXTURE)


def _col(name: str) -> int:
    return COLUMNS.index(name)


def _by_text(examples: list[Example], text: str) -> Example:
    (found,) = [eg for eg in examples if eg.text == text]
    return found


def _label(eg: Example, column: str) -> int:
    return eg.labels[_col(column)]


def test_lexicon_whole_words_and_prefixes(lexicon: Lexicon) -> None:
    assert "swearing" in lexicon.categories("what the fucking hell")
    assert "bullying" in lexicon.categories("such an idiot")
    assert lexicon.categories("a classic assessment in scunthorpe") == set()


@pytest.mark.parametrize("folder", [FIXTURE, REPO_DATA])
def test_the_lexicon_names_no_group_only_slurs(folder: Path) -> None:
    lex = Lexicon.load(folder)
    for text in ("women", "black", "gay", "trans", "muslim", "jewish", "deaf", "white", "asian"):
        assert lex.categories(text) == set(), text


def test_harmless_rows_are_zero_except_swearing(lexicon: Lexicon) -> None:
    labels = make_labels(lexicon, "holy shit that clutch", 0)
    assert labels[0] == 0
    assert labels[_col("swearing")] == 1
    assert labels[_col("bullying")] == 0


def test_the_lexicon_labels_only_the_lexical_categories(lexicon: Lexicon) -> None:
    labels = make_labels(lexicon, "you stupid faggot show me your dick", 1)
    assert labels[_col("sex_based_terms")] == 1
    # a slur in the text says nothing the source did not annotate: identity stays unknown
    for cat in (*IDENTITY, "bullying", "aggression"):
        assert labels[_col(cat)] == UNKNOWN, cat
    plain = make_labels(lexicon, "you idiot", 1)
    assert plain[_col("sex_based_terms")] == 0  # lexical: no sexual term, not sex-based
    assert plain[_col("misogyny")] == UNKNOWN


def test_annotated_categories_win(lexicon: Lexicon) -> None:
    labels = make_labels(lexicon, "you idiot", 1, {"disability": 1, "bullying": 0})
    assert labels[_col("disability")] == 1
    assert labels[_col("bullying")] == 0
    unsure = make_labels(lexicon, "you idiot", 1, {"misogyny": UNKNOWN})
    assert unsure[_col("misogyny")] == UNKNOWN


def test_clean_drops_tweet_artefacts() -> None:
    assert clean("RT @bob: hi &amp; https://t.co/x #gg") == "hi gg"


def test_load_examples_dedupes_and_labels(examples: list[Example]) -> None:
    texts = [" ".join(eg.text.lower().split()) for eg in examples]
    assert len(texts) == len(set(texts))
    assert {eg.source for eg in examples} == {
        "davidson",
        "convabuse",
        "notoxic_dota",
        "edos",
        "edos_not_sexist",
        "toxigen_seeds",
        "jigsaw_identity",
        "gab_hate_corpus",
    }
    assert all(len(eg.labels) == len(COLUMNS) for eg in examples)


def test_toxigen_hate_has_its_groups_category_and_neutral_is_harmless(
    examples: list[Example],
) -> None:
    hate = _by_text(examples, "women should not be allowed to play ranked")
    assert hate.labels[0] == 1 and _label(hate, "misogyny") == 1
    assert _label(hate, "race_ethnicity_or_religion") == 0
    assert _label(hate, "bullying") == UNKNOWN  # not annotated
    trans = _by_text(examples, "trans people are a danger to everyone around them")
    assert _label(trans, "sexuality_sex_or_gender") == 1
    neutral = _by_text(examples, "my trans friend runs the best speedrun community")
    assert neutral.labels[0] == 0 and set(neutral.labels[1:]) == {0}


def test_identity_templates_label_by_term(examples: list[Example]) -> None:
    kill = _by_text(examples, "kill gay")
    assert kill.labels[0] == 1
    assert _label(kill, "sexuality_sex_or_gender") == 1 and _label(kill, "aggression") == 1
    assert _by_text(examples, "hug gay").labels[0] == 0
    you = _by_text(examples, "You are a disgusting deaf")
    assert _label(you, "disability") == 1 and _label(you, "bullying") == 1
    assert _label(you, "aggression") == 0
    both = _by_text(examples, "Being mexican and lesbian is vile")
    assert _label(both, "race_ethnicity_or_religion") == 1
    assert _label(both, "sexuality_sex_or_gender") == 1
    old = _by_text(examples, "Being old is disgusting")  # age: harm only, no category
    assert old.labels[0] == 1 and _label(old, "race_ethnicity_or_religion") == UNKNOWN


def test_gab_hate_corpus_targets_violence_and_vulgarity(examples: list[Example]) -> None:
    race = _by_text(examples, "those people are animals and should go back where they came from")
    assert race.labels[0] == 1 and _label(race, "race_ethnicity_or_religion") == 1
    assert _label(race, "misogyny") == 0 and _label(race, "aggression") == 0
    violence = _by_text(examples, "we must exterminate every one of them now")
    assert _label(violence, "aggression") == 1
    vulgar = _by_text(examples, "the senator is a lying piece of garbage")
    assert vulgar.labels[0] == 1 and _label(vulgar, "bullying") == 1
    assert {_label(vulgar, c) for c in IDENTITY} == {0}
    political = _by_text(examples, "every leftist is subhuman filth")
    assert {_label(political, c) for c in IDENTITY} == {0}
    no_target = _by_text(examples, "these people are a disease on our nation")
    assert {_label(no_target, c) for c in IDENTITY} == {UNKNOWN}
    mention = _by_text(examples, "the church group held a food drive for refugee families")
    assert mention.labels[0] == 0


def test_edos_not_sexist_is_harmless_unless_it_has_abusive_words(
    examples: list[Example],
) -> None:
    sexist = _by_text(examples, "she should be beaten for saying that")
    assert sexist.labels[0] == 1 and _label(sexist, "aggression") == 1
    assert _label(sexist, "misogyny") == 1
    plain = _by_text(examples, "my sister just got promoted at work")
    assert plain.labels[0] == 0 and _label(plain, "misogyny") == 0
    rude = _by_text(examples, "that referee is a fucking joke")
    assert rude.labels[0] == UNKNOWN and _label(rude, "misogyny") == 0


def test_identity_words_occur_on_both_sides(examples: list[Example]) -> None:
    counts = identity_counts(examples, ["women", "trans", "gay", "black", "lesbian"])
    for word, (harmful, harmless) in counts.items():
        assert harmful > 0 and harmless > 0, word


@pytest.mark.skipif(not (REPO_DATA / "toxigen_seeds").is_dir(), reason="data/ not present")
def test_the_committed_data_has_identity_words_on_both_sides() -> None:
    counts = identity_counts(load_examples(REPO_DATA))
    one_sided = [w for w, (h, n) in counts.items() if h == 0 or n == 0]
    assert one_sided == []


def test_split_is_deterministic_and_keeps_groups_together(examples: list[Example]) -> None:
    train1, dev1 = split(examples, 0.3)
    train2, dev2 = split(examples, 0.3)
    assert train1 == train2 and dev1 == dev2
    assert {eg.group for eg in train1}.isdisjoint({eg.group for eg in dev1})
    assert dev1 and train1
