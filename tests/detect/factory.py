"""A factory for detector inputs: a regular chatter unless told otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chatwarden.detect import MessageContext
from chatwarden.settings import Role

T0 = datetime(2025, 6, 1, 18, 0, tzinfo=UTC)


def ctx(user_id: int = 1, text: str = "hello chat", at: float = 0.0, **kw: Any) -> MessageContext:
    """A message ``at`` seconds after T0 from an established, verified follower."""
    base: dict[str, Any] = dict(
        channel_id=1,
        user_id=user_id,
        username=f"user{user_id}",
        text=text,
        at=T0 + timedelta(seconds=at),
        role=Role.FOLLOWER,
        account_created_at=T0 - timedelta(days=400),
        email_verified=True,
        followed_at=T0 - timedelta(days=100),
        message_id=None,
    )
    base.update(kw)
    return MessageContext(**base)


def newcomer(user_id: int, text: str, at: float, **kw: Any) -> MessageContext:
    """A first-time chatter with a day-old, unverified account who does not follow."""
    base: dict[str, Any] = dict(
        account_created_at=T0 + timedelta(seconds=at) - timedelta(days=1),
        email_verified=False,
        followed_at=None,
        first_message_in_channel=True,
        username=f"newbie{user_id}",
    )
    base.update(kw)
    return ctx(user_id, text, at, **base)
