"""Trust gates: Twitch-style chat verification as a pure check.

Email and/or phone verification can be required of everyone, of first-time chatters, or of
accounts younger / followers newer than a limit; exempt roles (by default VIPs, subscribers
and moderators) always pass.
"""

from __future__ import annotations

from chatwarden.detect.config import TrustGateConfig, VerificationRule
from chatwarden.detect.types import DELETE, Finding, MessageContext


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def _why_required(rule: VerificationRule, ctx: MessageContext) -> str | None:
    """Why ``rule`` applies to this chatter (None: it does not)."""
    if rule.applies_to == "everyone":
        return "this channel requires it of everyone"
    if rule.applies_to == "first_time_chatters":
        return (
            "this channel requires it of first-time chatters"
            if (ctx.first_message_in_channel)
            else None
        )
    if rule.applies_to == "conditions":
        age = ctx.account_age_s()
        limit = rule.account_younger_than_s
        if limit is not None and (age is None or age < limit):
            return f"this channel requires it of accounts younger than {_duration(limit)}"
        follow = ctx.follow_age_s()
        limit = rule.follower_newer_than_s
        if limit is not None and (follow is None or follow < limit):
            return (
                "this channel requires it of accounts that have not followed for "
                f"{_duration(limit)}"
            )
    return None


def trust_gate(ctx: MessageContext, config: TrustGateConfig) -> Finding | None:
    """A ``trust.*`` finding (action delete: the message is refused) or None if it may pass.

    Codes: ``trust.email_required``, ``trust.phone_required``.
    """
    if ctx.role in config.exempt_roles:
        return None
    for kind, rule, verified in (
        ("email", config.email, ctx.email_verified),
        ("phone", config.phone, ctx.phone_verified),
    ):
        if verified:
            continue
        why = _why_required(rule, ctx)
        if why is not None:
            return Finding(
                detector="trust",
                code=f"trust.{kind}_required",
                action=DELETE,
                explanation=f"a verified {kind} address is needed to chat here: {why}"
                if kind == "email"
                else f"a verified phone number is needed to chat here: {why}",
                evidence={"requirement": kind, "rule": rule.applies_to, "why": why},
                user_id=ctx.user_id,
                message_id=ctx.message_id,
            )
    return None
