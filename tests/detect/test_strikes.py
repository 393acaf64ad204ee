"""The strike ladder with an injected clock: escalation, the top rung, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatwarden.clock import FakeClock
from chatwarden.detect import Offence, StrikeConfig, StrikeStepConfig, next_step
from tests.detect.factory import T0


def test_default_ladder_escalates_warn_timeout_timeout_ban() -> None:
    clock = FakeClock(T0)
    offences: list[Offence] = []
    seen = []
    for _ in range(5):
        step = next_step(offences, clock.now())
        seen.append((step.kind, step.seconds, step.strike))
        offences.append(Offence(clock.now(), "spam.caps"))
        clock.advance(3600)
    assert seen == [
        ("warn", None, 1),
        ("timeout", 600, 2),
        ("timeout", 86400, 3),
        ("ban", None, 4),
        ("ban", None, 5),  # the last rung repeats
    ]


def test_offences_expire() -> None:
    config = StrikeConfig(expire_s=7 * 86400)
    clock = FakeClock(T0)
    offences = [Offence(clock.now(), "manual")]
    clock.advance(7 * 86400 - 1)
    assert next_step(offences, clock.now(), config).kind == "timeout"  # still counts
    clock.advance(1)
    step = next_step(offences, clock.now(), config)
    assert (step.kind, step.strike, step.active_offences) == ("warn", 1, 1)
    assert "0 earlier offences in the last 7 d" in step.explanation


def test_partial_expiry_steps_back_down() -> None:
    config = StrikeConfig(expire_s=86400)
    offences = [Offence(T0, "a"), Offence(T0 + timedelta(hours=20), "b")]
    assert next_step(offences, T0 + timedelta(hours=21), config).strike == 3
    # the first offence expired, the second still counts
    assert next_step(offences, T0 + timedelta(hours=25), config).strike == 2


def test_offences_after_now_are_ignored() -> None:
    offences = [Offence(T0 + timedelta(seconds=10), "future")]
    assert next_step(offences, T0).strike == 1


def test_custom_ladder() -> None:
    config = StrikeConfig(
        steps=(StrikeStepConfig(kind="timeout", seconds=5), StrikeStepConfig(kind="ban"))
    )
    first = next_step([], T0, config)
    assert (first.kind, first.seconds) == ("timeout", 5)
    assert "5 s timeout" in first.explanation
    assert next_step([Offence(T0, "x")], T0, config).kind == "ban"


def test_invalid_steps_are_rejected() -> None:
    with pytest.raises(ValueError):
        StrikeStepConfig(kind="timeout")
    with pytest.raises(ValueError):
        StrikeStepConfig(kind="ban", seconds=60)
    with pytest.raises(ValueError):
        StrikeConfig(steps=())
