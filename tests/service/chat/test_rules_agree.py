"""Live chat and replay give the same rejection (code, text and retry time) for the same
messages and chat modes: both call ``rules.check_chat_rules``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chatwarden.clock import FakeClock
from chatwarden.replay.modes import ChatModes, ModeSimulator
from chatwarden.replay.records import ChatRecord
from chatwarden.services import Services
from chatwarden.settings import Role
from tests.service.conftest import Cast

SCRIPT = [  # (second, who, text)
    (0, "victor", "hi all"),
    (3, "victor", "hi again"),  # slow mode
    (4, "fiona", "HI  ALL"),  # unique chat: the same text 4 s later
    (5, "vera", "vip message"),
    (6, "vera", "vip again"),  # VIPs skip slow mode
    (7, "mike", "hi all"),  # moderators skip everything
    (8, "sam", "Kappa"),
    (9, "victor", "Kappa"),  # slow mode
    (12, "victor", "third try"),
    (13, "vera", "vip three"),
    (15, "sam", "hi sub"),  # slow mode applies to subscribers
    (20, "vera", "vip four"),  # the rate limit (3 per 30 s) applies to VIPs
    (40, "fiona", "hi all"),  # 40 s later: unique again
]
ROLES = {"vera": Role.VIP, "mike": Role.MODERATOR, "sam": Role.SUBSCRIBER, "fiona": Role.FOLLOWER}


def test_live_and_replay_reject_alike(services: Services, cast: Cast, clock: FakeClock) -> None:
    limited = services.config.model_copy(update={"rate_limit_messages_per_30s": 3})
    object.__setattr__(services.chat, "config", limited)
    patch: dict[str, Any] = {"slow_mode_s": 10, "unique_chat": True, "emote_set": ["Kappa"]}
    services.modes.update(cast.olivia, cast.channel.id, patch)
    start = clock.now()
    live: list[tuple[str | None, str | None, float | None] | None] = []
    for second, who, text in SCRIPT:
        clock.advance((start + timedelta(seconds=second) - clock.now()).total_seconds())
        r = services.chat.send_message(getattr(cast, who), cast.channel.id, text)
        live.append((r.reason, r.detail, r.retry_after_s) if r.status == "rejected" else None)
    sim = ModeSimulator(ChatModes(rate_limit_messages_per_30s=3, **patch))
    replayed = []
    for second, who, text in SCRIPT:
        at = start + timedelta(seconds=second)
        rule = sim.rejection(ChatRecord(0, at, who, text, role=ROLES.get(who)))
        replayed.append(None if rule is None else (rule.reason, rule.detail, rule.retry_after))
    assert live == replayed
    reasons = [r[0] if r else None for r in live]
    slow, dup, rate = "slow_mode", "duplicate_message", "rate_limited"
    assert reasons == [None, slow, dup, None, None, None, None, slow, None, None, slow, rate, None]
