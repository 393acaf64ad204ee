"""The connector interface's pure parts: keys, back-off, and which effects go out."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import pytest

from chatwarden.connectors.base import (
    InboundMessage,
    Moderated,
    PlatformUser,
    backoff_delays,
    fate_effects,
    moderation_effects,
)
from chatwarden.rules.effects import Ban, Delete, Deliver, Hold, Timeout, Warn

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
USER = PlatformUser("irc", "bob", "bob")


def test_a_long_platform_id_is_hashed_into_the_key_limit() -> None:
    msg = InboundMessage("irc", "#c", "x" * 80, USER, "hi")
    key = msg.idempotency_key
    assert key is not None and key.startswith("h:") and len(key) <= 64
    assert InboundMessage("irc", "#c", "x" * 80, USER, "other").idempotency_key == key


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    delays = list(itertools.islice(backoff_delays(1.0, 8.0, random.Random(1)), 6))
    bounds = [1, 2, 4, 8, 8, 8]
    assert all(b / 2 <= d <= b for d, b in zip(delays, bounds, strict=True))
    assert len(set(delays)) == len(delays)


@pytest.mark.parametrize(
    ("status", "reason", "effect"),
    [
        ("held", "held_for_review", Hold("held_for_review")),
        ("blocked", "blocked_term", Delete("blocked_term")),
        ("rejected", "banned", Delete("banned")),
        ("rejected", "timed_out", Delete("timed_out")),
        ("rejected", "slow_mode", Deliver("slow_mode")),
        ("delivered", None, Deliver("")),
        ("delayed", None, Deliver("")),
    ],
)
def test_fate_effects(status: str, reason: str | None, effect: object) -> None:
    assert fate_effects(status, reason) == [effect]


def _moderate(action: str, **detail: object) -> dict[str, object]:
    return {"type": "channel.moderate", "event": {"action": action, action: detail}}


def test_moderation_events_become_effects() -> None:
    ban = _moderate("ban", user_id="7", user_login="bob", reason="hate")
    assert moderation_effects(ban, NOW) == [Moderated(7, "bob", None, Ban("hate"))]
    timeout = _moderate(
        "timeout", user_id="7", user_login="bob", reason="spam", expires_at="2026-12-07T12:10:00Z"
    )
    assert moderation_effects(timeout, NOW) == [Moderated(7, "bob", None, Timeout("spam", 600))]
    warn = _moderate("warn", user_id="7", user_login="bob", reason="be nice")
    assert moderation_effects(warn, NOW) == [Moderated(7, "bob", None, Warn("be nice"))]
    delete = _moderate("delete", user_id="7", user_login="bob", message_id="m1")
    assert moderation_effects(delete, NOW) == [Moderated(7, "bob", "m1", Delete("deleted"))]
    removed = {
        "type": "channel.chat.message_delete",
        "event": {"target_user_id": "7", "target_user_login": "bob", "message_id": "m2"},
    }
    assert moderation_effects(removed, NOW) == [
        Moderated(7, "bob", "m2", Delete("deleted in ChatWarden"))
    ]


@pytest.mark.parametrize(
    "envelope",
    [
        {"type": "automod.message.hold", "event": {}},
        _moderate("slow", wait_time_seconds=30),
        _moderate("unban", user_id="7", user_login="bob"),
        _moderate("timeout", user_id="7", user_login="bob"),  # no expiry
        _moderate("delete", user_id="7", user_login="bob"),  # no message
        {"type": "channel.moderate", "event": {"action": "ban", "ban": None}},
        {"type": "channel.chat.message_delete", "event": {"message_id": "m"}},
    ],
)
def test_other_events_ask_nothing(envelope: dict[str, object]) -> None:
    assert moderation_effects(envelope, NOW) == []
