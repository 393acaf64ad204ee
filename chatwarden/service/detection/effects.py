"""Our own chat's effect applier: carries out ``rules.effects`` values in the store and on the
bus, inside the chat service's write transaction, each with its mod-log entry.

The message's own fate (``Deliver``, ``Hold``, ``Delete`` without ``user_ids``) is written by
``service/chat/send.py`` with the message itself (one insert per batch) and is not applied
again here; ``Warn`` and ``Ban`` come only from the strike ladder today (``Strike``), which
applies them in ``service/detection/strikes.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from chatwarden.rules.effects import (
    Alert,
    Ban,
    Delete,
    Deliver,
    Effect,
    Flag,
    Hold,
    ShieldMode,
    Strike,
    Target,
    Timeout,
    Warn,
)
from chatwarden.service import events
from chatwarden.service.base import Outbox
from chatwarden.service.detection.settings import DetectionSettings, load_state_txn
from chatwarden.service.detection.shield import ShieldService
from chatwarden.service.detection.strikes import apply_offence_txn, automod_moderate
from chatwarden.service.detection.suspicious import flag_txn
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import detection as store
from chatwarden.store.channels import ChannelRow


class ChatEffects:
    """``EffectApplier`` for our own chat, for one write transaction (``out``)."""

    def __init__(
        self, out: Outbox, channels: Mapping[int, ChannelRow], shield: ShieldService
    ) -> None:
        self.out = out
        self.channels = channels
        self.shield = shield
        self._settings: dict[int, DetectionSettings] = {}  # read once per channel
        self._shield_enabled: dict[int, bool] = {}  # the last ShieldMode's result

    def settings(self, channel_id: int) -> DetectionSettings:
        """The channel's detection settings as this transaction sees them (read once)."""
        if channel_id not in self._settings:
            self._settings[channel_id] = load_state_txn(self.out.conn, channel_id).settings
        return self._settings[channel_id]

    def apply(self, target: Target, effects: Sequence[Effect]) -> None:
        channel = self.channels[target.channel_id]
        for effect in effects:
            match effect:
                case Deliver() | Hold() | Delete(user_ids=()):
                    pass  # the message's own fate: written with it (service/chat/send.py)
                case Delete():
                    self._delete_earlier(channel, effect)
                case Flag():
                    self._flag(channel, target, effect)
                case Alert():
                    self._alert(channel, target, effect)
                case Timeout():
                    self._timeout(channel, target, effect)
                case ShieldMode():
                    self._shield_mode(channel, effect)
                case Strike():
                    self._strike(channel, target, effect)
                case Warn() | Ban():
                    raise NotImplementedError(f"{type(effect).__name__} is applied by Strike")

    def _alert(self, channel: ChannelRow, target: Target, effect: Alert) -> None:
        """Tell the moderators, as the alert's kind says."""
        match effect.kind:
            case "suspicious_message":
                self._suspicious_message(channel, target, effect)
            case "finding":
                self._finding(channel, target, effect)
            case "raid":
                self._raid(channel, effect)

    def _flag(self, channel: ChannelRow, target: Target, effect: Flag) -> None:
        extra: dict[str, Any] = {}
        if effect.source == "shared":
            extra["shared_channel_ids"] = list(effect.shared_channel_ids)
        else:
            extra.update(
                evasion_level=effect.evasion_level,
                evasion_score=effect.evasion_score,
                matched_user_id=effect.matched_user_id,
            )
        flag_txn(
            self.out,
            channel,
            user_id=target.user_id,
            username=target.username,
            status=effect.status,
            source=effect.source,
            reasons=list(effect.reasons),
            **extra,
        )

    def _suspicious_message(self, channel: ChannelRow, target: Target, effect: Alert) -> None:
        flag = effect.details
        assert target.message_id is not None  # a stored message
        self.out.emit(
            channel,
            events.SUSPICIOUS_USER_MESSAGE,
            events.suspicious_user_message(
                channel,
                user_id=target.user_id,
                login=target.username,
                low_trust_status=flag["low_trust_status"],
                types=list(flag["types"]),
                evaluation=flag["evaluation"],
                shared_ban_channel_ids=list(flag["shared_channel_ids"]),
                reasons=list(flag["reasons"]),
                message_id=target.message_id,
                text=target.text,
            ),
        )

    def _finding(self, channel: ChannelRow, target: Target, effect: Alert) -> None:
        self.out.emit(
            channel,
            events.DETECTION_FINDING,
            events.detection_finding(
                channel,
                user_id=target.user_id,
                login=target.username,
                message_id=target.message_id,
                text=target.text,
                action=effect.action,
                findings=[f.to_dict() for f in effect.findings],
            ),
        )

    def _timeout(self, channel: ChannelRow, target: Target, effect: Timeout) -> None:
        out, uid, seconds = self.out, target.user_id, effect.seconds
        until = out.now + timedelta(seconds=seconds)
        member = channel_store.ensure_member_txn(out.conn, channel.id, uid)
        if member.timeout_until is None or member.timeout_until < until:
            channel_store.update_member_txn(out.conn, channel.id, uid, timeout_until=until)
        reason = effect.reason
        detail = events.target(uid, target.username, reason=reason, expires_at=until.isoformat())
        out.emit(channel, events.MODERATE, automod_moderate(channel, "timeout", detail))
        out.notify(
            uid,
            "timed_out",
            channel.id,
            reason=reason,
            until=until.isoformat(),
            duration_s=seconds,
        )
        audit.append_txn(
            out.conn,
            channel_id=channel.id,
            actor_id=None,
            action="detection.timeout_user",
            created_at=out.now,
            target_user_id=uid,
            message_id=target.message_id,
            reason=reason,
            details={
                "duration_s": seconds,
                "until": until.isoformat(),
                "findings": [f.to_dict() for f in effect.findings],
            },
        )

    def _delete_earlier(self, channel: ChannelRow, effect: Delete) -> None:
        """A cluster just became a bot wave: remove its bot-like members' earlier messages that
        are still in chat (those sent before the wave was recognised)."""
        out = self.out
        since = out.now - timedelta(seconds=effect.since_s)
        removed = store.remove_recent_txn(out.conn, channel.id, list(effect.user_ids), since)
        for row in removed:
            out.removed_from_chat(channel, row.public_id, row.sender_id, row.sender_name, "automod")
        if removed:
            details = {"finding": effect.finding.to_dict()} if effect.finding is not None else {}
            audit.append_many_txn(
                out.conn,
                [
                    {
                        "channel_id": channel.id,
                        "actor_id": None,
                        "action": effect.log_action,
                        "target_user_id": row.sender_id,
                        "message_id": row.public_id,
                        "reason": effect.reason,
                        "details": details,
                        "created_at": out.now,
                    }
                    for row in removed
                ],
            )

    def _shield_mode(self, channel: ChannelRow, effect: ShieldMode) -> None:
        cid = channel.id
        fresh = channel_store.get_channel_txn(self.out.conn, cid)
        assert fresh is not None
        self._shield_enabled[cid] = self.shield.activate_txn(self.out, fresh, None, effect.reason)

    def _raid(self, channel: ChannelRow, effect: Alert) -> None:
        out, cid = self.out, channel.id
        alert = effect.findings[0]
        enabled = self._shield_enabled.pop(cid, False)  # the ShieldMode just before, if any
        audit.append_txn(
            out.conn,
            channel_id=cid,
            actor_id=None,
            action="detection.raid_alert",
            created_at=out.now,
            reason=effect.reason,
            details={**alert.to_dict(), "shield_mode_enabled": enabled},
        )
        out.emit(
            channel,
            events.RAID_ALERT,
            events.raid_alert(channel, finding=alert.to_dict(), at=out.now, shield_enabled=enabled),
        )

    def _strike(self, channel: ChannelRow, target: Target, effect: Strike) -> None:
        apply_offence_txn(
            self.out,
            channel,
            self.settings(channel.id).detectors.strikes,
            user_id=target.user_id,
            username=target.username,
            code=effect.code,
            message_id=target.message_id,
            explanation=effect.reason,
        )
