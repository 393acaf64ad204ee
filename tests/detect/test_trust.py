"""Trust gates: who must have a verified email or phone, and who is exempt."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatwarden.detect import ActionKind, TrustGateConfig, VerificationRule, trust_gate
from chatwarden.settings import Role
from tests.detect.factory import T0, ctx

HOUR = 3600


def gate(config: TrustGateConfig, **kw: object) -> str | None:
    found = trust_gate(ctx(**kw), config)
    return found.code if found else None


def test_off_by_default() -> None:
    assert gate(TrustGateConfig(), email_verified=False, phone_verified=False) is None


def test_everyone() -> None:
    config = TrustGateConfig(email=VerificationRule(applies_to="everyone"))
    assert gate(config, email_verified=False) == "trust.email_required"
    assert gate(config, email_verified=True) is None
    phone = TrustGateConfig(phone=VerificationRule(applies_to="everyone"))
    assert gate(phone, phone_verified=False, email_verified=True) == "trust.phone_required"
    assert gate(phone, phone_verified=True) is None


def test_first_time_chatters_only() -> None:
    config = TrustGateConfig(email=VerificationRule(applies_to="first_time_chatters"))
    assert gate(config, email_verified=False, first_message_in_channel=True) == (
        "trust.email_required"
    )
    assert gate(config, email_verified=False, first_message_in_channel=False) is None


def test_account_age_limit_just_below_and_above() -> None:
    config = TrustGateConfig(
        phone=VerificationRule(applies_to="conditions", account_younger_than_s=24 * HOUR)
    )
    young = T0 - timedelta(hours=24) + timedelta(seconds=1)
    old = T0 - timedelta(hours=24)
    assert gate(config, account_created_at=young) == "trust.phone_required"
    assert gate(config, account_created_at=old) is None
    assert gate(config, account_created_at=None) == "trust.phone_required"  # unknown = new


def test_follow_age_limit_includes_non_followers() -> None:
    config = TrustGateConfig(
        email=VerificationRule(applies_to="conditions", follower_newer_than_s=10 * 60)
    )
    kw: dict[str, object] = {"email_verified": False}
    assert gate(config, followed_at=T0 - timedelta(minutes=9), **kw) == "trust.email_required"
    assert gate(config, followed_at=T0 - timedelta(minutes=10), **kw) is None
    assert gate(config, followed_at=None, **kw) == "trust.email_required"


@pytest.mark.parametrize(
    ("role", "exempt"),
    [
        (Role.VIEWER, False),
        (Role.FOLLOWER, False),
        (Role.SUBSCRIBER, True),
        (Role.VIP, True),
        (Role.MODERATOR, True),
        (Role.OWNER, True),
    ],
)
def test_exempt_roles(role: Role, exempt: bool) -> None:
    config = TrustGateConfig(email=VerificationRule(applies_to="everyone"))
    assert (gate(config, role=role, email_verified=False) is None) is exempt


def test_exemptions_are_configurable() -> None:
    config = TrustGateConfig(
        email=VerificationRule(applies_to="everyone"), exempt_roles=frozenset({Role.OWNER})
    )
    assert gate(config, role=Role.SUBSCRIBER, email_verified=False) == "trust.email_required"


def test_finding_explains_and_refuses() -> None:
    config = TrustGateConfig(
        phone=VerificationRule(applies_to="conditions", account_younger_than_s=7 * 24 * HOUR)
    )
    found = trust_gate(ctx(account_created_at=T0 - timedelta(hours=2)), config)
    assert found is not None
    assert found.action.kind is ActionKind.DELETE
    assert found.explanation == (
        "a verified phone number is needed to chat here: "
        "this channel requires it of accounts younger than 7 d"
    )
