"""Suspicious users: monitored (chat normally, flagged to moderators) or restricted (only
moderators see their messages). Moderators add and clear users by hand; the chat path flags
likely ban evaders and users banned in channels that share ban information (with the reasons).

A cleared user keeps a row with status ``cleared``, so the automatic checks leave them alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from chatwarden.errors import Conflict, InputError, NotFound
from chatwarden.service import events
from chatwarden.service.base import Outbox, ServiceBase, clean_text
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, _ToDict
from chatwarden.store import audit
from chatwarden.store import detection as store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.detection import SuspiciousRow

Status = Literal["monitored", "restricted", "cleared"]
Source = Literal["manual", "auto", "shared"]

LOW_TRUST = {"monitored": "active_monitoring", "restricted": "restricted", "cleared": "none"}
#: our ``source`` -> the EventSub ``types`` word
EVENTSUB_TYPE = {
    "manual": "manually_added",
    "auto": "ban_evader_detector",
    "shared": "banned_in_shared_channel",
}


@dataclass(frozen=True, slots=True)
class SuspiciousUser(_ToDict):
    channel_id: int
    user_id: int
    username: str
    status: str
    low_trust_status: str
    source: str
    evasion_level: str | None
    evasion_score: float | None
    reasons: list[str]  # why, in words (every flag has at least one)
    shared_channels: list[dict[str, Any]]  # [{"id", "name"}] that banned the user
    matched_user_id: int | None
    matched_username: str | None
    added_by: int | None  # None: AutoMod
    added_by_name: str | None
    created_at: datetime
    updated_at: datetime


def to_suspicious(row: SuspiciousRow, names: Mapping[int, str]) -> SuspiciousUser:
    shared = [int(c) for c in row.shared_channel_ids or []]
    return SuspiciousUser(
        channel_id=row.channel_id,
        user_id=row.user_id,
        username=row.username,
        status=row.status,
        low_trust_status=LOW_TRUST[row.status],
        source=row.source,
        evasion_level=row.evasion_level,
        evasion_score=row.evasion_score,
        reasons=list(row.reasons or []),
        shared_channels=[{"id": c, "name": names.get(c)} for c in shared],
        matched_user_id=row.matched_user_id,
        matched_username=row.matched_username,
        added_by=row.added_by,
        added_by_name=row.added_by_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def flag_txn(
    out: Outbox,
    channel: ChannelRow,
    *,
    user_id: int,
    username: str,
    status: Status,
    source: Source,
    reasons: list[str],
    actor: Actor | None = None,
    evasion_level: str | None = None,
    evasion_score: float | None = None,
    matched_user_id: int | None = None,
    shared_channel_ids: list[int] | None = None,
    log_reason: str = "",
) -> None:
    """Write (or replace) a flag, log it and tell the moderators; ``actor`` None is AutoMod."""
    facts: dict[str, Any] = {
        "source": source,
        "reasons": reasons,
        "evasion_level": evasion_level,
        "evasion_score": evasion_score,
        "matched_user_id": matched_user_id,
        "shared_channel_ids": shared_channel_ids or [],
    }
    actor_id = None if actor is None else actor.user_id
    _store_flag_txn(out, channel, user_id, status, actor_id, facts)
    audit.append_txn(
        out.conn,
        channel_id=channel.id,
        actor_id=actor_id,
        action={"cleared": "suspicious.clear"}.get(status, f"suspicious.{status}"),
        created_at=out.now,
        target_user_id=user_id,
        reason=log_reason or "; ".join(reasons),
        details=facts,
    )
    _tell_moderators(out, channel, actor, user_id, username, status, reasons)


def _store_flag_txn(
    out: Outbox,
    channel: ChannelRow,
    user_id: int,
    status: Status,
    actor_id: int | None,
    facts: Mapping[str, Any],
) -> None:
    """Write the flag's row; its ``facts`` (the mod-log entry's details) are columns too."""
    store.put_suspicious_txn(
        out.conn,
        {
            "channel_id": channel.id,
            "user_id": user_id,
            "status": status,
            **facts,
            "added_by": actor_id,
            "created_at": out.now,
            "updated_at": out.now,
        },
    )


def _tell_moderators(
    out: Outbox,
    channel: ChannelRow,
    actor: Actor | None,
    user_id: int,
    username: str,
    status: Status,
    reasons: list[str],
) -> None:
    """``channel.suspicious_user.update`` to the channel's moderators."""
    out.emit(
        channel,
        events.SUSPICIOUS_USER_UPDATE,
        events.suspicious_user_update(
            channel,
            moderator_id=None if actor is None else actor.user_id,
            moderator_name=None if actor is None else actor.username,
            user_id=user_id,
            login=username,
            low_trust_status=LOW_TRUST[status],
            reasons=reasons,
        ),
    )


class SuspiciousService(ServiceBase):
    def list_users(
        self, actor: Actor, channel_id: int, *, include_cleared: bool = False
    ) -> list[SuspiciousUser]:
        """Monitored and restricted users (and cleared ones if asked), newest first."""
        statuses: tuple[str, ...] = ("monitored", "restricted")
        if include_cleared:
            statuses += ("cleared",)
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_DETECTION)
            rows = store.list_suspicious_txn(conn, channel_id, statuses)
            names = store.channel_names_txn(
                conn, {int(c) for r in rows for c in r.shared_channel_ids or []}
            )
        return [to_suspicious(r, names) for r in rows]

    def get(self, actor: Actor, channel_id: int, user_id: int) -> SuspiciousUser:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_DETECTION)
            row = store.get_suspicious_txn(conn, channel_id, user_id)
            if row is None:
                raise NotFound(f"user {user_id} is not flagged in this channel")
            names = store.channel_names_txn(conn, row.shared_channel_ids or [])
        return to_suspicious(row, names)

    def flag(
        self,
        actor: Actor,
        channel_id: int,
        user_id: int,
        status: Literal["monitored", "restricted"],
        reason: str = "",
    ) -> SuspiciousUser:
        """Monitor or restrict a user by hand (a moderator cannot flag a moderator)."""
        if status not in ("monitored", "restricted"):
            raise InputError("status must be 'monitored' or 'restricted'")
        reason = clean_text(reason, "reason", 500)
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            target = self.user_txn(out.conn, user_id)
            self.require_txn(out.conn, actor, channel, Permission.MANAGE_SUSPICIOUS, user_id)
            why = f"added by {actor.username}" + (f": {reason}" if reason else "")
            flag_txn(
                out,
                channel,
                user_id=user_id,
                username=target.username,
                status=status,
                source="manual",
                reasons=[why],
                actor=actor,
                log_reason=reason,
            )
        return self.get(actor, channel_id, user_id)

    def clear(self, actor: Actor, channel_id: int, user_id: int, reason: str = "") -> None:
        """Stop monitoring/restricting a user; automatic checks will not flag them again."""
        reason = clean_text(reason, "reason", 500)
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            target = self.user_txn(out.conn, user_id)
            self.require_txn(out.conn, actor, channel, Permission.MANAGE_SUSPICIOUS, user_id)
            row = store.get_suspicious_txn(out.conn, channel_id, user_id)
            if row is None or row.status == "cleared":
                raise Conflict(f"{target.username} is not monitored or restricted")
            why = f"cleared by {actor.username}" + (f": {reason}" if reason else "")
            flag_txn(
                out,
                channel,
                user_id=user_id,
                username=target.username,
                status="cleared",
                source=row.source,
                reasons=[*list(row.reasons or []), why],
                actor=actor,
                evasion_level=row.evasion_level,
                evasion_score=row.evasion_score,
                matched_user_id=row.matched_user_id,
                shared_channel_ids=list(row.shared_channel_ids or []),
                log_reason=reason,
            )
