"""Each context signal fires on the case it is for, stays silent on its near miss, and says
what a moderator would read."""

from __future__ import annotations

import pytest

from chatwarden.context.facts import ChatLine, Context, OwnMessage, Record
from chatwarden.context.signals import (
    Signal,
    burst,
    crowd_chant,
    escalation,
    new_account_link,
    record,
    repeats_own,
    signals,
    targets_one_user,
)


def _history(*items: tuple[str, float] | tuple[str, float, float]) -> tuple[OwnMessage, ...]:
    return tuple(OwnMessage(*item) for item in items)


# --------------------------------------------------------------------------- repeats_own


def test_repeats_own_counts_near_duplicates_in_two_minutes() -> None:
    ctx = Context(
        history=_history(("buy cheap followers at bestviewers", 40), ("F0LLOWERS cheap buy", 20))
    )
    found = repeats_own("buy cheap followers at bestviewers now", ctx)
    assert found is not None
    assert found.explanation == "repeats own message (3rd time in 40 s)"
    assert found.value == pytest.approx(2 / 3)


def test_repeats_own_near_miss_a_different_line_or_an_old_one() -> None:
    ctx = Context(history=_history(("what game is this", 30), ("buy followers now", 300)))
    assert repeats_own("buy followers now", ctx) is None  # the copy is five minutes old
    assert repeats_own("who is winning", ctx) is None


def test_repeats_own_short_lines_must_match_exactly() -> None:
    ctx = Context(history=_history(("lol xd", 10)))
    assert repeats_own("lol", ctx) is None
    assert repeats_own("LOL xd", ctx) is not None


def test_repeated_emote_line_counts_half() -> None:
    ctx = Context(history=_history(("KEKW", 10), ("KEKW", 20), ("KEKW", 30)))
    found = repeats_own("KEKW", ctx)
    assert found is not None
    assert found.value == pytest.approx(0.5)
    assert found.explanation == "repeats own emote line (4th time in 30 s)"


def test_an_emote_line_sent_again_past_twitch_s_duplicate_check_still_counts_half() -> None:
    ctx = Context(history=_history(("KEKW", 10), ("KEKW \U000e0000", 20), ("KEKW 😂", 30)))
    found = repeats_own("KEKW \U000e0000", ctx)
    assert found is not None
    assert found.explanation == "repeats own emote line (3rd time in 20 s)"
    assert found.value == pytest.approx(1 / 3)
    emoji = repeats_own("KEKW 😂", ctx)
    assert emoji is not None and emoji.explanation.startswith("repeats own emote line")
    worded = repeats_own("nice KEKW", Context(history=_history(("nice KEKW", 10))))
    assert worded is not None and worded.explanation.startswith("repeats own message")


# --------------------------------------------------------------------------- burst


def test_burst_fires_at_three_lines_in_thirty_seconds_and_grows() -> None:
    ctx = Context(history=_history(("a", 5), ("b", 10), ("c", 20), ("d", 29)))
    found = burst("e", ctx)
    assert found is not None
    assert found.explanation == "5 messages in 30 s"
    assert found.value == pytest.approx(0.75)


def test_burst_near_miss_two_lines_or_lines_spread_out() -> None:
    assert burst("b", Context(history=_history(("a", 5)))) is None
    assert burst("c", Context(history=_history(("a", 31), ("b", 45)))) is None


# --------------------------------------------------------------------------- escalation


def test_escalation_reads_the_worst_earlier_harm_score() -> None:
    ctx = Context(history=_history(("you are awful", 40, 0.82), ("hi", 10, 0.01)))
    found = escalation("whatever", ctx)
    assert found is not None
    assert found.explanation == "earlier message (40 s before) scored harm 0.82 (escalation)"
    assert found.value == pytest.approx(0.8)


def test_escalation_near_miss_mild_or_unscored_or_old_history() -> None:
    assert escalation("x", Context(history=_history(("meh", 10, 0.45)))) is None
    assert escalation("x", Context(history=_history(("unscored", 10)))) is None
    assert escalation("x", Context(history=_history(("old", 301, 0.99)))) is None


# --------------------------------------------------------------------------- targeting


def test_third_message_at_the_same_user_in_two_minutes() -> None:
    ctx = Context(history=_history(("@bob you again", 90), ("@Bob stop talking", 30)))
    found = targets_one_user("@bob nobody asked", ctx)
    assert found is not None
    assert found.explanation == "3rd message at @bob in 90 s"
    assert found.value == pytest.approx(2 / 3)


def test_targeting_names_the_streamer_and_counts_replies() -> None:
    ctx = Context(history=_history(("@host boring", 50)), reply_to="host", broadcaster="Host")
    found = targets_one_user("so boring", ctx)
    assert found is not None
    assert found.explanation == "2nd message at @host (the streamer) in 50 s"


def test_targeting_near_miss_different_users_or_long_ago() -> None:
    ctx = Context(history=_history(("@alice hi", 20), ("@carol hi", 40), ("@bob hi", 200)))
    assert targets_one_user("@bob hi", ctx) is None
    assert targets_one_user("no one addressed", ctx) is None


# --------------------------------------------------------------------------- record


def test_record_after_a_warning_and_a_timeout() -> None:
    found = record("x", Context(record=Record(warnings=1, timeouts=1)))
    assert found is not None
    assert found.explanation == "after 1 warning and 1 timeout in this channel"
    assert found.value == pytest.approx(1.0)  # 0.5 + 0.75, capped


def test_record_grades_a_single_denied_hold_low() -> None:
    found = record("x", Context(record=Record(denied_holds=2)))
    assert found is not None
    assert found.explanation == "after 2 denied holds in this channel"
    assert found.value == pytest.approx(0.5)


def test_record_near_miss_a_clean_or_unknown_record() -> None:
    assert record("x", Context(record=Record(account_age_s=5.0))) is None
    assert record("x", Context()) is None


# --------------------------------------------------------------------------- new account link


def test_new_account_first_message_with_a_link() -> None:
    ctx = Context(record=Record(account_age_s=3 * 3600))
    found = new_account_link("free skins at https://skinz.example.ru/claim", ctx)
    assert found is not None
    assert found.explanation == (
        "new account (3 h old), first message, with a link to skinz.example.ru"
    )
    assert found.value == 1.0
    week_old = new_account_link("see youtu.be/abc", Context(record=Record(account_age_s=3 * 86400)))
    assert week_old is not None and week_old.value == 0.5


@pytest.mark.parametrize(
    "ctx",
    [
        Context(record=Record(account_age_s=30 * 86400)),  # an old account
        Context(record=Record()),  # age unknown
        Context(),  # no record at all
        Context(record=Record(account_age_s=600), history=_history(("hi", 60))),  # not first
    ],
)
def test_new_account_link_near_misses(ctx: Context) -> None:
    assert new_account_link("free skins at https://skinz.example.ru/claim", ctx) is None


def test_new_account_without_a_link_is_silent() -> None:
    assert new_account_link("hello chat", Context(record=Record(account_age_s=600))) is None


# --------------------------------------------------------------------------- crowd chant


def test_crowd_chant_counts_other_chatters_saying_the_same() -> None:
    ctx = Context(
        user="me",
        chat_before=(
            ChatLine("a", "KEKW KEKW", 5),
            ChatLine("b", "kekw", 12),
            ChatLine("a", "KEKW", 20),
            ChatLine("me", "KEKW", 25),  # the sender's own line is not a crowd
        ),
    )
    found = crowd_chant("KEKW", ctx)
    assert found is not None
    assert found.explanation == "echoes 2 other chatters in 60 s (crowd chant)"
    assert found.value == pytest.approx(2 / 3)


def test_crowd_chant_near_miss_only_oneself_or_different_or_old_lines() -> None:
    ctx = Context(
        user="me",
        chat_before=(
            ChatLine("me", "KEKW", 5),
            ChatLine("a", "what a play", 10),
            ChatLine("b", "KEKW", 90),
        ),
    )
    assert crowd_chant("KEKW", ctx) is None


# --------------------------------------------------------------------------- all together


def test_signals_lists_every_signal_that_fires_and_nothing_on_plain_context() -> None:
    assert signals("hello", Context()) == ()
    ctx = Context(
        history=_history(("@bob go away", 30, 0.9), ("@bob go away", 20)),
        record=Record(warnings=1),
    )
    names = [s.name for s in signals("@bob go away", ctx)]
    assert names == ["targets_one_user", "escalation", "record", "repeats_own", "burst"]


def test_a_signal_value_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        Signal("x", 1.5, "too much")


# --------------------------------------------------------------------------- wording


def test_ordinals_and_minutes_read_as_english() -> None:
    many = Context(
        history=_history(*((f"same spam line here {n % 1}", 5.0 + n) for n in range(11)))
    )
    found = repeats_own("same spam line here 0", many)
    assert found is not None and found.explanation == "repeats own message (12th time in 15 s)"
    old = escalation("x", Context(history=_history(("vile", 180, 0.95))))
    assert old is not None
    assert old.explanation == "earlier message (3 minutes before) scored harm 0.95 (escalation)"


@pytest.mark.parametrize(
    ("age", "shown"),
    [(2 * 86400, "2 d"), (600, "10 min"), (45, "45 s")],
)
def test_account_age_is_shown_in_its_largest_unit(age: float, shown: str) -> None:
    found = new_account_link("join discord.gg/abc", Context(record=Record(account_age_s=age)))
    assert found is not None
    assert (
        found.explanation == f"new account ({shown} old), first message, with a link to discord.gg"
    )


def test_lines_without_words_are_never_the_same_message() -> None:
    ctx = Context(history=_history(("!!!", 5), ("!!!", 10)))
    assert repeats_own("!!!", ctx) is None


def test_targeting_counts_the_most_addressed_user() -> None:
    ctx = Context(history=_history(("@bob hey", 10), ("@bob hey", 20), ("@amy hi", 30)))
    found = targets_one_user("@bob @amy look", ctx)
    assert found is not None and found.explanation == "3rd message at @bob in 20 s"
