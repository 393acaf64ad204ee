"""Team calibration: splits, reversals and workload from decided holds and user actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatwarden.analytics.calibration import (
    MAX_DISAGREEMENTS,
    REVERSAL_WINDOW_S,
    DecidedHold,
    Disagreement,
    UserAction,
    calibrate,
    reversals,
    similarity,
    splits,
    words,
    workload,
)

T0 = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
ANA, BEN = (1, "ana"), (2, "ben")


def hold(
    item: int,
    text: str,
    verdict: str,
    mod: tuple[int, str] = ANA,
    *,
    sender: int = 10,
    at_s: float = 0,
    wait_s: float = 30,
) -> DecidedHold:
    held = T0 + timedelta(seconds=at_s)
    return DecidedHold(
        item_id=item,
        message_id=f"m{item}",
        sender_id=sender,
        sender_name=f"user{sender}",
        text=text,
        verdict=verdict,  # type: ignore[arg-type]
        moderator_id=mod[0],
        moderator_name=mod[1],
        held_at=held,
        decided_at=held + timedelta(seconds=wait_s),
    )


def act(action: str, target: int | None, at_s: float, mod: tuple[int, str] = BEN) -> UserAction:
    return UserAction(action, target, mod[0], mod[1], T0 + timedelta(seconds=at_s))


def test_words_and_similarity() -> None:
    assert words("Go  BACK to Bronze") == frozenset({"go", "back", "to", "bronze"})
    assert similarity(words("go back to bronze"), words("go back to bronze noob")) == 0.8
    assert similarity(frozenset(), frozenset()) == 0.0


def test_near_identical_holds_decided_both_ways_are_a_split() -> None:
    decided = [
        hold(1, "go back to bronze noob", "allowed", ANA),
        hold(2, "GO BACK TO BRONZE noob", "denied", BEN, at_s=60),
        hold(3, "what a save", "denied", BEN),  # nothing like it was allowed
    ]
    (split,) = splits(decided)
    assert split.kind == "split" and split.first.item_id == 2 and split.second is not None
    assert split.second.item_id == 1 and split.action is None
    assert split.explanation == (
        "near-identical messages decided both ways: ana allowed it and ben denied it"
    )
    assert split.at == decided[1].decided_at


def test_a_split_pairs_each_denial_with_its_most_similar_allow() -> None:
    decided = [
        hold(1, "a b c d e", "allowed"),
        hold(2, "a b c d e f", "allowed"),  # 5/6 like the denial below
        hold(3, "a b c d e f", "denied", BEN),
    ]
    (split,) = splits(decided)
    assert split.second is not None and split.second.item_id == 2


def test_the_same_moderator_deciding_both_ways_is_a_split_too() -> None:
    decided = [hold(1, "ur trash lol", "allowed"), hold(2, "ur trash lol", "denied")]
    (split,) = splits(decided)
    assert split.explanation.endswith("ana allowed one and denied the other")


def test_messages_not_similar_enough_are_no_split() -> None:
    decided = [hold(1, "go back to bronze", "allowed"), hold(2, "go back to gold noob", "denied")]
    assert splits(decided) == []


def test_an_allow_followed_by_a_timeout_of_the_sender_is_a_reversal() -> None:
    allowed = hold(1, "you are all clowns", "allowed", ANA, sender=10, wait_s=0)
    actions = [
        act("warn", 10, 60),  # a warning is not a reversal
        act("timeout", 11, 60),  # someone else
        act("timeout", 10, -30),  # before the allow
        act("ban", 10, 240),
        act("timeout", 10, 120),
        act("timeout", None, 130),  # a channel-wide action (no target)
    ]
    (rev,) = reversals([allowed], actions)
    assert (
        rev.kind == "reversal"
        and rev.action is not None
        and rev.action.at == T0 + timedelta(seconds=120)
    )
    assert rev.explanation == "ana allowed it; ben timed out user10 2 min later"
    assert rev.at == rev.action.at
    banned = reversals([allowed], [act("ban", 10, 20)])
    assert banned[0].explanation == "ana allowed it; ben banned user10 1 min later"


def test_a_late_action_or_a_denied_hold_is_no_reversal() -> None:
    allowed = hold(1, "hi", "allowed", wait_s=0)
    assert reversals([allowed], [act("timeout", 10, REVERSAL_WINDOW_S + 1)]) == []
    assert reversals([allowed], [act("timeout", 10, REVERSAL_WINDOW_S)]) != []
    denied = hold(2, "hi", "denied", wait_s=0)
    assert reversals([denied], [act("timeout", 10, 5)]) == []


def test_workload_counts_decisions_actions_and_the_median_wait() -> None:
    decided = [
        hold(1, "a", "allowed", ANA, wait_s=10),
        hold(2, "b", "denied", ANA, wait_s=30),
        hold(3, "c", "denied", ANA, wait_s=-5),  # clocks disagree: never negative
        hold(4, "d", "allowed", BEN, wait_s=90),
    ]
    rows = workload(decided, [act("timeout", 10, 0, BEN), act("ban", 11, 0, (3, "cleo"))])
    assert [(w.moderator_name, w.allowed, w.denied, w.actions) for w in rows] == [
        ("ana", 1, 2, 0),
        ("ben", 1, 0, 1),
        ("cleo", 0, 0, 1),
    ]
    assert rows[0].decisions == 3 and rows[0].median_decision_s == 10.0
    assert rows[1].median_decision_s == 90.0 and rows[2].median_decision_s is None


def test_calibrate_lists_the_newest_first_and_bounds_the_list() -> None:
    decided = [hold(1, "x y", "allowed", wait_s=0), hold(2, "x y", "denied", BEN, at_s=100)]
    report = calibrate(decided, [act("timeout", 10, 400)])
    assert [d.kind for d in report.disagreements] == ["reversal", "split"]
    assert {w.moderator_name for w in report.workload} == {"ana", "ben"}
    many = [hold(i, "same words here", "allowed", at_s=i) for i in range(60)]
    many += [hold(100 + i, "same words here", "denied", BEN, at_s=i) for i in range(60)]
    assert len(calibrate(many, []).disagreements) == MAX_DISAGREEMENTS


def test_a_disagreement_without_either_second_event_is_refused() -> None:
    broken = Disagreement("split", hold(1, "a", "denied"), None, None, "")
    with pytest.raises(AssertionError):
        _ = broken.at
