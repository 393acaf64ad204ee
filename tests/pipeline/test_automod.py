"""The engine end to end with the bundled model: stage order, actions and explanations."""

import pytest

from chatwarden import Action, AutoMod, AutoModSettings, InputError
from chatwarden.categories import CATEGORIES
from chatwarden.settings import TermSpec


@pytest.fixture(scope="module")
def automod() -> AutoMod:
    return AutoMod(AutoModSettings(overall_level=4))


def test_benign_chat_is_allowed(automod: AutoMod) -> None:
    for text in ["gg wp", "lol that was so close KEKW", "hi chat, how is everyone"]:
        decision = automod.check(text)
        assert decision.action is Action.ALLOW, (text, decision.categories)
        assert decision.reasons == ()


def test_abuse_is_held_with_an_explanation(automod: AutoMod) -> None:
    decision = automod.check("you are a stupid worthless idiot")
    assert decision.action is Action.HOLD
    reason = decision.reasons[0]
    assert reason.kind == "category" and reason.category in CATEGORIES
    assert reason.score is not None and reason.threshold is not None
    assert reason.score >= reason.threshold
    assert reason.level == 4
    assert reason.words, "the words that triggered it"
    for span, word in zip(reason.spans, reason.words, strict=True):
        assert decision.text[span.start : span.end] == word


def test_obfuscated_abuse_is_explained_in_original_coordinates(automod: AutoMod) -> None:
    text = "you are a st.u.p.i.d 1d10t"
    decision = automod.check(text)
    assert decision.action is Action.HOLD
    spans = [s for r in decision.reasons for s in r.spans]
    assert spans and all(0 <= s.start < s.end <= len(text) for s in spans)
    assert "idiot" in decision.normalised


def test_level_zero_allows_everything_the_model_finds() -> None:
    decision = AutoMod(AutoModSettings(overall_level=0)).check("you are a stupid worthless idiot")
    assert decision.action is Action.ALLOW
    assert decision.harm > 0.5, "scores are still reported"


def test_blocked_term_blocks_and_names_the_term() -> None:
    settings = AutoModSettings(terms=(TermSpec(text="spoil*", private=True),))
    decision = AutoMod(settings).check("he SPOILS the ending")
    assert decision.action is Action.BLOCK
    (reason,) = [r for r in decision.reasons if r.kind == "blocked_term"]
    assert reason.term == "spoil*" and reason.words == ("SPOILS",)
    assert reason.to_dict(reveal_private=False)["term"] is None


def test_permitted_term_clears_only_its_span() -> None:
    settings = AutoModSettings(
        terms=(TermSpec(text="hell"), TermSpec(text="hell yeah", kind="permitted"))
    )
    automod = AutoMod(settings)
    assert automod.check("hell yeah!").action is Action.ALLOW
    assert automod.check("hell yeah, go to hell").action is Action.BLOCK


def test_moderators_and_vips_are_exempt(automod: AutoMod) -> None:
    text = "you are a stupid worthless idiot"
    assert automod.check(text, role="moderator").action is Action.ALLOW
    assert automod.check(text, role="moderator").exempt
    assert automod.check(text, role="vip").action is Action.ALLOW
    strict = AutoMod(AutoModSettings(overall_level=4, vip_exempt=False))
    assert strict.check(text, role="vip").action is Action.HOLD


def test_same_input_and_settings_reproduce_the_same_decision(automod: AutoMod) -> None:
    text = "u r such a l0ser"
    first, again = automod.check(text), AutoMod(AutoModSettings(overall_level=4)).check(text)
    assert first.to_dict() == again.to_dict()
    assert first.model_version == automod.model.version
    assert first.settings_version == automod.settings.version


def test_batch_equals_one_at_a_time(automod: AutoMod) -> None:
    texts = ["gg", "you are a stupid idiot", "", "🙂🙂", "ＦＵＣＫ you"]
    batch = automod.check_batch(texts)
    assert [d.to_dict() for d in batch] == [automod.check(t).to_dict() for t in texts]


def test_bad_input_is_a_clear_error(automod: AutoMod) -> None:
    with pytest.raises(InputError, match="must be a string"):
        automod.check_batch(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(InputError, match="roles"):
        automod.check_batch(["a", "b"], roles=["vip"])


def test_channel_emotes_are_not_scored_but_the_words_around_them_are() -> None:
    plain = AutoMod(AutoModSettings(overall_level=4))
    emotes = frozenset({"wardenKillYou", "wardenRage"})
    with_emotes = AutoMod(AutoModSettings(overall_level=4, emotes=emotes))
    # the control: the model alone reads the emote's code as a threat
    assert plain.check("wardenKillYou").action is Action.HOLD
    for text in ["wardenKillYou", "wardenKillYou wardenKillYou", "gg wardenRage wardenKillYou"]:
        decision = with_emotes.check(text)
        assert decision.action is Action.ALLOW, (text, decision.categories)
    # codes are case-sensitive whole words, as chat clients render them
    assert with_emotes.check("wardenkillyou").action is Action.HOLD
    assert with_emotes.check("wardenKillYou!").action is Action.HOLD
    # the rest of the message is still read, and explained in the original text
    decision = with_emotes.check("wardenKillYou you stupid worthless idiot")
    assert decision.action is Action.HOLD
    words = {w for r in decision.reasons for w in r.words}
    assert "idiot" in words and "wardenKillYou" not in words
    # a blocked term still sees every word
    blocked = AutoModSettings(emotes=emotes, terms=(TermSpec(text="wardenkillyou"),))
    assert AutoMod(blocked).check("wardenKillYou").action is Action.BLOCK


def test_emotes_change_the_settings_version_only_when_given() -> None:
    base = AutoModSettings(overall_level=3)
    assert base.model_copy(update={"emotes": frozenset()}).version == base.version
    assert AutoModSettings(overall_level=3, emotes=frozenset({"Kappa"})).version != base.version
    assert "emotes" not in AutoModSettings(emotes=frozenset({"Kappa"})).model_dump()


def test_live_chat_vocabulary_is_not_scored_as_harm(automod: AutoMod) -> None:
    # the model alone reads "sussy" as harm (the control; since issue 12's retraining it no
    # longer reads "vkimmwiggle" so), the engine does not show them to it
    raw = automod.model.predict(["vkimmwiggle vkimmwiggle", "sussy"])[:, 0]
    assert raw.max() > 0.5
    for text in ["vkimmWiggle vkimmWiggle", "Sussy", "KEKW OMEGALUL", "sus", "based W"]:
        decision = automod.check(text)
        assert decision.action is Action.ALLOW, (text, decision.categories)
        assert decision.harm < 0.1, (text, decision.harm)
    # swearing next to emotes is still swearing
    decision = automod.check("KEKW OMEGALUL fuck this")
    assert decision.action is Action.HOLD
    assert {w for r in decision.reasons for w in r.words} == {"fuck"}


def test_emote_shaped_abuse_is_still_read(automod: AutoMod) -> None:
    decision = automod.check("killYourself")
    assert decision.action is Action.HOLD
    assert "aggression" in decision.categories and decision.harm > 0.5


def test_words_that_contain_identity_words_never_trigger_them() -> None:
    automod = AutoMod(
        AutoModSettings(overall_level=4, terms=(TermSpec(text="white"), TermSpec(text="black")))
    )
    race = "race_ethnicity_or_religion"
    for text in [
        "her to do list on the whiteboard",
        "we had a blackout last night",
        "Scunthorpe United won",
        "grapefruit cocktail",
        "my therapist plays assassin's creed",
    ]:
        decision = automod.check(text)
        assert decision.action is Action.ALLOW, (text, decision.reasons)
        assert decision.categories[race] < 0.15, (text, decision.categories)
    # the identity word itself is still a word: the channel's term hits it
    assert automod.check("white board").action is Action.BLOCK


def test_explanations_name_the_insult_not_the_function_words(automod: AutoMod) -> None:
    decision = automod.check("you are a worthless idiot")
    assert decision.action is Action.HOLD
    for reason in decision.reasons:
        assert set(reason.words) == {"worthless", "idiot"}, reason


def test_emote_spam_does_not_dilute_the_abuse_around_it(automod: AutoMod) -> None:
    for text in ["you are a worthless idiot", "kill yourself"]:
        plain = automod.check(text)
        for padded in [f"{text}{' KEKW' * 40}", f"{'vkimmWiggle ' * 20}{text} Sussy sus"]:
            decision = automod.check(padded)
            assert decision.action is Action.HOLD, padded
            assert decision.harm == pytest.approx(plain.harm), padded
            assert decision.categories == pytest.approx(plain.categories)
            words = {w for r in decision.reasons for w in r.words}
            assert words == {w for r in plain.reasons for w in r.words}, padded


def test_levels_are_the_settings_category_levels_and_a_copy(automod: AutoMod) -> None:
    expected = AutoModSettings(overall_level=4).category_levels()
    levels = automod.levels
    assert levels == expected
    levels.clear()  # the caller's copy: the engine keeps its own
    assert automod.levels == expected
