"""Suggested terms from what moderators act on again and again."""

from __future__ import annotations

from chatwarden.learning.suggest import MAX_SUGGESTIONS, Example, suggest_terms


def acted(text: str, sender: int) -> Example:
    return Example(text, sender, True)


def stood(text: str, sender: int = 99) -> Example:
    return Example(text, sender, False)


def test_a_phrase_moderators_remove_from_several_chatters_is_suggested() -> None:
    examples = [
        acted("FREE FOLLOWERS at example now", 1),
        acted("free followers at example, cheap", 2),
        acted("get free followers at example", 3),
        stood("i have followers now"),
        stood("gg wp"),
    ]
    [s] = suggest_terms(examples)
    assert (s.term, s.kind, s.acted, s.stood, s.senders) == (
        "free followers at example",
        "phrase",
        3,
        0,
        3,
    )
    assert s.explanation == (
        "moderators acted on 3 messages with 'free followers at example' from 3 chatters, "
        "none let stand"
    )
    assert s.examples[0] == "FREE FOLLOWERS at example now"


def test_a_link_domain_is_suggested_before_the_words_around_it() -> None:
    examples = [acted(f"cheap viewers bit.ly/x{i} go", i) for i in range(4)]
    found = suggest_terms(examples)
    assert found[0].term == "bit.ly" and found[0].kind == "link"


def test_one_chatters_spam_common_words_and_chat_that_stands_suggest_nothing() -> None:
    one_spammer = [acted("buy my course now", 1) for _ in range(5)]
    assert suggest_terms(one_spammer) == []
    function_words = [acted("the and of", i) for i in range(5)]
    assert suggest_terms(function_words) == []
    too_few = [acted("spoiler ending", 1), acted("spoiler ending", 2)]
    assert suggest_terms(too_few) == []
    # "spoiler" also in messages moderators let stand (more than 10 %)
    mixed = [acted(f"spoiler {w}", i) for i, w in enumerate(["a1", "b2", "c3", "d4"])]
    mixed += [stood("no spoiler please"), stood("spoiler warning")]
    assert [s.term for s in suggest_terms(mixed)] == []


def test_existing_terms_are_not_suggested_again_and_the_list_is_bounded() -> None:
    examples = [acted("free followers", i) for i in range(3)]
    assert [s.term for s in suggest_terms(examples)] == ["free followers"]
    assert suggest_terms(examples, existing=["Free Followers"]) == []  # nor a part of it
    many = [acted(f"topic{k} banned", i) for k in range(20) for i in range(3)]
    assert len(suggest_terms(many)) == MAX_SUGGESTIONS
