"""Channel health analytics: pure metric definitions (no I/O; never imports store, service or
web). The service layer feeds them what is stored and keeps the results as minute roll-ups.
Every metric is defined in docs/analytics.md."""

from chatwarden.analytics.rollup import (
    MessageFact,
    MinuteRollup,
    ModActionFact,
    ResolutionFact,
    event_kind,
    minute_of,
    roll_minute,
)
from chatwarden.analytics.series import Bucket, Resolution, build_series, floor_to, percentile
from chatwarden.analytics.shadow import ShadowFact, ShadowSummary, moderator_verdict, summarise
from chatwarden.analytics.text import char_entropy, is_emote_only, normalise

__all__ = [
    "Bucket",
    "MessageFact",
    "MinuteRollup",
    "ModActionFact",
    "Resolution",
    "ResolutionFact",
    "ShadowFact",
    "ShadowSummary",
    "build_series",
    "char_entropy",
    "event_kind",
    "floor_to",
    "is_emote_only",
    "minute_of",
    "moderator_verdict",
    "normalise",
    "percentile",
    "roll_minute",
    "summarise",
]
