"""Trust gates: Twitch-style chat verification, enforced in the send path.

Email and/or phone verification is required of everyone, of first-time chatters, or of
accounts younger / followers newer than a limit (``detectors.trust``); exempt roles (by
default VIPs, subscribers and moderators) always pass. While Shield Mode is on, its preset's
``verification`` is required of everyone not exempt as well. A refused message is
``rejected`` with reason ``verification_required`` and a sentence that says what is missing
and why; nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatwarden.detect.config import TrustGateConfig, VerificationRule
from chatwarden.detect.trust import trust_gate
from chatwarden.detect.types import MessageContext
from chatwarden.service.base import Deps, ServiceBase
from chatwarden.service.detection.settings import DetectionSettingsService, DetectionState
from chatwarden.service.types import Actor, SendResult

REJECT_REASON = "verification_required"


def effective_gates(state: DetectionState) -> TrustGateConfig:
    """The channel's gates, with Shield Mode's verification added while it is on."""
    gates = state.settings.detectors.trust
    if state.shield_active and state.preset.verification != "none":
        kind = state.preset.verification
        gates = gates.model_copy(update={kind: VerificationRule(applies_to="everyone")})
    return gates


def gates_active(gates: TrustGateConfig) -> bool:
    return gates.email.applies_to != "nobody" or gates.phone.applies_to != "nobody"


def check(ctx: MessageContext, gates: TrustGateConfig) -> SendResult | None:
    """The rejection for a chatter who lacks a required verification (None: may chat)."""
    finding = trust_gate(ctx, gates)
    if finding is None:
        return None
    detail = finding.explanation[0].upper() + finding.explanation[1:] + "."
    return SendResult("rejected", None, REJECT_REASON, detail)


class TrustService(ServiceBase):
    """Read and change the trust gates (a part of the detection settings)."""

    def __init__(self, deps: Deps, settings: DetectionSettingsService) -> None:
        super().__init__(deps)
        self.settings = settings

    def get(self, actor: Actor, channel_id: int) -> TrustGateConfig:
        return self.settings.get(actor, channel_id).detectors.trust

    def update(self, actor: Actor, channel_id: int, patch: Mapping[str, Any]) -> TrustGateConfig:
        updated = self.settings.update(
            actor, channel_id, {"detectors": {"trust": dict(patch)}}, what="trust"
        )
        return updated.detectors.trust
