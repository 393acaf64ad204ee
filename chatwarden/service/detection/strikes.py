"""The strike ladder applied to offences: warn -> timeout 10 min -> timeout 24 h -> ban
(``detectors.strikes`` in the detection settings; off by default), offences expiring.

What counts as an offence (``DetectionSettings.offences``): a message AutoMod blocked for a
blocked term, and a message the live detectors deleted or timed out (spam filters, floods, bot
waves); and, where the channel counts them (``offences.denied_holds``, off by default), a held
message a moderator denied (``ReviewService.resolve``). A message still held is no offence (a
moderator has not decided yet). Moderators and VIPs are never struck. Each offence is stored;
the sanction is ``detect.next_step`` over the offences still active, applied as AutoMod (actor
None) and written to the mod log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chatwarden.detect.config import StrikeConfig
from chatwarden.detect.strikes import next_step
from chatwarden.detect.types import Offence, StrikeStep
from chatwarden.service import events
from chatwarden.service.base import Outbox, ServiceBase
from chatwarden.service.detection.settings import DetectionSettingsService, load_state_txn
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, _ToDict
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import detection as store
from chatwarden.store.channels import ChannelRow


@dataclass(frozen=True, slots=True)
class UserStrikes(_ToDict):
    channel_id: int
    user_id: int
    active: list[dict[str, Any]]  # [{"code", "message_id", "at", "expires_at"}]
    next_step: dict[str, Any]  # what the next offence would bring


def automod_moderate(channel: ChannelRow, action: str, detail: dict[str, Any]) -> dict[str, Any]:
    """``channel.moderate`` done by AutoMod (no moderator)."""
    event = events.moderate(
        channel, moderator_id=0, moderator_name="", action=action, detail=detail
    )
    event.update(moderator_user_id=None, moderator_user_login=None, moderator_user_name=None)
    return event


def apply_offence_txn(
    out: Outbox,
    channel: ChannelRow,
    config: StrikeConfig,
    *,
    user_id: int,
    username: str,
    code: str,
    message_id: str | None,
    explanation: str,
) -> StrikeStep:
    """Record one offence and apply the ladder's sanction for it (inside the transaction)."""
    step = _record_offence_txn(out, channel.id, config, user_id, code, message_id)
    reason = f"{step.explanation}; offence: {explanation}"
    details: dict[str, Any] = {
        "strike": step.strike,
        "step": step.kind,
        "seconds": step.seconds,
        "offence": code,
        "message_id": message_id,
    }
    target = events.target(user_id, username, reason=reason)
    until = _sanction_txn(out, channel.id, user_id, step, reason)
    if until is not None:
        target["expires_at"] = details["until"] = until.isoformat()
    out.emit(channel, events.MODERATE, automod_moderate(channel, step.kind, target))
    audit.append_txn(
        out.conn,
        channel_id=channel.id,
        actor_id=None,
        action=f"strike.{step.kind}",
        created_at=out.now,
        target_user_id=user_id,
        message_id=message_id,
        reason=reason,
        details=details,
    )
    return step


def _record_offence_txn(
    out: Outbox,
    cid: int,
    config: StrikeConfig,
    user_id: int,
    code: str,
    message_id: str | None,
) -> StrikeStep:
    """Store the offence; the ladder's step for it, counted over the still active ones."""
    horizon = out.now - timedelta(seconds=config.expire_s)
    earlier = [
        Offence(at=r.created_at, code=r.code)
        for r in store.offences_since_txn(out.conn, cid, user_id, horizon)
    ]
    step = next_step(earlier, out.now, config)
    store.insert_offence_txn(
        out.conn,
        channel_id=cid,
        user_id=user_id,
        code=code,
        created_at=out.now,
        message_id=message_id,
    )
    return step


def _sanction_txn(
    out: Outbox, cid: int, user_id: int, step: StrikeStep, reason: str
) -> datetime | None:
    """Warn, time out or ban the member and tell them; a timeout's end, else None."""
    conn, now = out.conn, out.now
    member = channel_store.ensure_member_txn(conn, cid, user_id)
    if step.kind == "warn":
        channel_store.update_member_txn(conn, cid, user_id, warned_at=now, warning_reason=reason)
        out.notify(user_id, "warned", cid, reason=reason)
        return None
    if step.kind == "timeout":
        assert step.seconds is not None
        until = now + timedelta(seconds=step.seconds)
        if member.timeout_until is None or member.timeout_until < until:
            channel_store.update_member_txn(conn, cid, user_id, timeout_until=until)
        out.notify(
            user_id,
            "timed_out",
            cid,
            reason=reason,
            until=until.isoformat(),
            duration_s=step.seconds,
        )
        return until
    channel_store.update_member_txn(conn, cid, user_id, banned=True, timeout_until=None)
    out.notify(user_id, "banned", cid, reason=reason)
    return None


class StrikeService(ServiceBase):
    def __init__(self, deps: Any, settings: DetectionSettingsService) -> None:
        super().__init__(deps)
        self.settings = settings

    def get_config(self, actor: Actor, channel_id: int) -> StrikeConfig:
        return self.settings.get(actor, channel_id).detectors.strikes

    def update_config(
        self, actor: Actor, channel_id: int, patch: Mapping[str, Any]
    ) -> StrikeConfig:
        """Change the ladder (``enabled``, ``steps``, ``expire_s``); logged like any setting."""
        updated = self.settings.update(
            actor, channel_id, {"detectors": {"strikes": dict(patch)}}, what="strikes"
        )
        return updated.detectors.strikes

    def user_strikes(self, actor: Actor, channel_id: int, user_id: int) -> UserStrikes:
        """A user's active offences here and what the next one would bring."""
        now = self.clock.now()
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_DETECTION)
            self.user_txn(conn, user_id)
            config = load_state_txn(conn, channel_id).settings.detectors.strikes
            rows = store.offences_since_txn(
                conn, channel_id, user_id, now - timedelta(seconds=config.expire_s)
            )
        step = next_step([Offence(r.created_at, r.code) for r in rows], now, config)
        return UserStrikes(
            channel_id=channel_id,
            user_id=user_id,
            active=[
                {
                    "code": r.code,
                    "message_id": r.message_id,
                    "at": r.created_at.isoformat(),
                    "expires_at": _expiry(r.created_at, config).isoformat(),
                }
                for r in rows
            ],
            next_step={
                "kind": step.kind,
                "seconds": step.seconds,
                "strike": step.strike,
                "explanation": step.explanation,
            },
        )


def _expiry(at: datetime, config: StrikeConfig) -> datetime:
    return at + timedelta(seconds=config.expire_s)
