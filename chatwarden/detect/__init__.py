"""Proactive detection: pure detectors for spam, floods, bot waves, hate raids, ban evasion,
trust gates and strike ladders.

Pure means: no database, no web, no bus, no wall clock. The service hands in a
``MessageContext`` per accepted message (with the AutoMod decision it already made) and gets
back a ``DetectionResult``: findings, each with an action (none / flag / hold / delete /
timeout(seconds)), a machine code, a human explanation and JSON-ready evidence. Time is the
message's own timestamp. State (sliding windows, permits, recent offences, style profiles) is
per channel, in memory and bounded; the service keeps one ``ChannelDetectors`` per channel.

Usage (service side)::

    detectors = ChannelDetectors(channel_id, DetectionConfig(), banned=profiles_from_store)
    result = detectors.observe(MessageContext(channel_id=..., user_id=..., ..., at=ts))
    for finding in result.findings: ...        # mod log / Mod View
    result.action                               # the strongest action to apply
    result.alerts                               # raid alerts (channel-level)
    result.evasion                              # ban-evasion assessment, when reassessed

    trust_gate(ctx, config.trust)               # before accepting a message (pure)
    next_step(offences, now, config.strikes)    # strike ladder (pure)

See docs/detection.md ("API for the service") for the contract.
"""

from __future__ import annotations

from chatwarden.detect.channel import ChannelDetectors
from chatwarden.detect.config import (
    CapsConfig,
    DetectionConfig,
    EmotesConfig,
    EvasionConfig,
    FilterConfig,
    LengthConfig,
    LinksConfig,
    MentionsConfig,
    RaidConfig,
    RateConfig,
    RepetitionConfig,
    SimilarityConfig,
    SpamConfig,
    StrikeConfig,
    StrikeStepConfig,
    SymbolsConfig,
    TrustGateConfig,
    VerificationRule,
    WaveConfig,
)
from chatwarden.detect.evasion import assess_evasion
from chatwarden.detect.strikes import next_step
from chatwarden.detect.trust import trust_gate
from chatwarden.detect.types import (
    NO_ACTION,
    ActionKind,
    BannedProfile,
    DetectAction,
    DetectionResult,
    EvasionAssessment,
    Finding,
    MessageContext,
    Offence,
    StrikeStep,
    WaveReport,
)

__all__ = [
    "NO_ACTION",
    "ActionKind",
    "BannedProfile",
    "CapsConfig",
    "ChannelDetectors",
    "DetectAction",
    "DetectionConfig",
    "DetectionResult",
    "EmotesConfig",
    "EvasionAssessment",
    "EvasionConfig",
    "FilterConfig",
    "Finding",
    "LengthConfig",
    "LinksConfig",
    "MentionsConfig",
    "MessageContext",
    "Offence",
    "RaidConfig",
    "RateConfig",
    "RepetitionConfig",
    "SimilarityConfig",
    "SpamConfig",
    "StrikeConfig",
    "StrikeStep",
    "StrikeStepConfig",
    "SymbolsConfig",
    "TrustGateConfig",
    "VerificationRule",
    "WaveConfig",
    "WaveReport",
    "assess_evasion",
    "next_step",
    "trust_gate",
]
