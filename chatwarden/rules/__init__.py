"""Pure decision rules for one chat message: facts in, a decision (and its effects) out.

``chat_rules.py``: the chat-mode rules (bans, timeouts, warnings, followers-only,
subscribers-only, emote-only, slow mode, unique chat, the rate limit), the one place they are
written; replay (``replay/modes.py``) calls ``check_chat_rules``, live chat
(``service/chat/send.py``) its two halves (``check_chat_rules_but_rate`` per message, then the
batch's rate windows in one ``ChatState.hit_rates`` call). ``effects.py``: the consequences
layer (effects as values, the pure detection decision ``detection_effects`` and the
``LogOnlyApplier``). No store, service, bus or web: the clock and the windows are passed in.
"""

from chatwarden.rules.chat_rules import (
    RATE_WINDOW_S,
    UNIQUE_CHAT_WINDOW_S,
    MemoryWindows,
    MessageFacts,
    Modes,
    RateHit,
    Rejection,
    RuleWindows,
    Standing,
    check_chat_rules,
    check_chat_rules_but_rate,
    fingerprint,
    rate_rejection,
)

__all__ = [
    "RATE_WINDOW_S",
    "UNIQUE_CHAT_WINDOW_S",
    "MemoryWindows",
    "MessageFacts",
    "Modes",
    "RateHit",
    "Rejection",
    "RuleWindows",
    "Standing",
    "check_chat_rules",
    "check_chat_rules_but_rate",
    "fingerprint",
    "rate_rejection",
]
