"""How the strike ladder and the trust gates write a duration in their explanations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatwarden.detect import TrustGateConfig, VerificationRule, trust_gate
from chatwarden.detect.config import StrikeConfig, StrikeStepConfig
from chatwarden.detect.strikes import next_step
from tests.detect.factory import T0, ctx


@pytest.mark.parametrize(
    ("seconds", "expire_s", "expected"),
    [
        (7200, 90, "strike 1: a 2 h timeout (0 earlier offences in the last 90 s)"),
        (120, 3 * 86400, "strike 1: a 2 min timeout (0 earlier offences in the last 3 d)"),
        (45, 86400, "strike 1: a 45 s timeout (0 earlier offences in the last 24 h)"),
    ],
)
def test_strike_explanations_name_the_durations(seconds: int, expire_s: int, expected: str) -> None:
    config = StrikeConfig(
        enabled=True, steps=(StrikeStepConfig(kind="timeout", seconds=seconds),), expire_s=expire_s
    )
    step = next_step([], T0, config)
    assert (step.kind, step.seconds, step.explanation) == ("timeout", seconds, expected)


@pytest.mark.parametrize(
    ("limit", "written"), [(30, "30 s"), (90 * 60, "2 h"), (2 * 86400, "2 d"), (300, "5 min")]
)
def test_trust_gate_explanations_name_the_age_limit(limit: int, written: str) -> None:
    config = TrustGateConfig(
        email=VerificationRule(applies_to="conditions", account_younger_than_s=limit)
    )
    found = trust_gate(
        ctx(email_verified=False, account_created_at=T0 - timedelta(seconds=1)), config
    )
    assert found is not None and found.code == "trust.email_required"
    assert f"accounts younger than {written}" in found.explanation
