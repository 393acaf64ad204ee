"""The replay's decisions are the pipeline's own, and its counts are the hand-computed ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatwarden.pipeline import AutoMod
from chatwarden.replay import ChatModes, ChatRecord, ParsedLog, run_replay
from chatwarden.settings import AutoModSettings, Role, TermSpec


@pytest.mark.parametrize("batch_size", [1, 3, 512])
def test_decisions_equal_the_pipeline(small_log: ParsedLog, batch_size: int) -> None:
    settings = AutoModSettings(overall_level=3)
    automod = AutoMod(settings)
    run = run_replay(small_log.records, automod, batch_size=batch_size)
    texts = [r.text for r in small_log.records]
    roles = [r.role for r in small_log.records]
    direct = AutoMod(settings).check_batch(texts, roles=roles)
    assert len(run.outcomes) == len(texts)
    for outcome, decision in zip(run.outcomes, direct, strict=True):
        assert outcome.decision is not None
        assert outcome.action == decision.action.value
        assert outcome.decision.to_dict() == decision.to_dict()
    assert run.counts()["hold"] == sum(d.action.value == "hold" for d in direct)
    assert run.counts()["hold"] >= 1  # the log has clear insults: something is held


def test_moderators_are_exempt(small_log: ParsedLog) -> None:
    run = run_replay(small_log.records, AutoMod(AutoModSettings(overall_level=4)))
    mod = next(o for o in run.outcomes if o.record.user == "mod1")
    bob = next(o for o in run.outcomes if o.record.user == "bob")
    assert mod.action == "allow" and mod.decision is not None and mod.decision.exempt
    assert bob.action == "hold"  # the same text from a viewer


def test_blocked_term_counts_are_hand_computable(small_log: ParsedLog) -> None:
    settings = AutoModSettings(overall_level=0, terms=(TermSpec(text="noob"),))
    run = run_replay(small_log.records, AutoMod(settings))
    # level 0 holds nothing; "noob" is in carol's and erin's messages
    assert run.counts() == {"allow": 8, "hold": 0, "block": 2, "rejected": 0}
    assert [o.record.user for o in run.outcomes if o.action == "block"] == ["carol", "erin"]


def test_rules_run_before_automod_and_skip_it() -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    records = [
        ChatRecord(0, t0, "a", "noob"),
        ChatRecord(1, t0 + timedelta(seconds=1), "a", "noob again"),  # slow mode
        ChatRecord(2, t0 + timedelta(seconds=2), "m", "noob", role=Role.MODERATOR),
    ]
    settings = AutoModSettings(overall_level=0, terms=(TermSpec(text="noob"),))
    run = run_replay(records, AutoMod(settings), ChatModes(slow_mode_s=30))
    assert [(o.action, o.rule) for o in run.outcomes] == [
        ("block", None),
        ("rejected", "slow_mode"),
        ("allow", None),  # moderators are exempt from terms too
    ]
    assert run.outcomes[1].decision is None


def test_progress_counts_every_record(small_log: ParsedLog) -> None:
    seen: list[int] = []
    run_replay(small_log.records, AutoMod(), batch_size=4, progress=seen.append)
    assert seen == [4, 4, 2]
    with pytest.raises(ValueError):
        run_replay(small_log.records, AutoMod(), batch_size=0)
