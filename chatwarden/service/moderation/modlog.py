"""Reading the mod log. Entries are appended by the other services and never changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatwarden.errors import InputError
from chatwarden.service.base import ServiceBase
from chatwarden.service.chat.redact import redact, sees_private_terms
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, ModLogEntry
from chatwarden.store import audit


def to_entry(row: Mapping[Any, Any], *, reveal_private: bool = False) -> ModLogEntry:
    """One mod-log row; the owner's private terms in its details are redacted unless
    ``reveal_private`` (``redact.sees_private_terms``)."""
    return ModLogEntry(
        id=row["id"],
        channel_id=row["channel_id"],
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        action=row["action"],
        target_user_id=row["target_user_id"],
        target_name=row["target_name"],
        message_id=row["message_id"],
        reason=row["reason"],
        details=redact(dict(row["details"] or {}), reveal_private),
        created_at=row["created_at"],
    )


class ModLogService(ServiceBase):
    def list_entries(
        self,
        actor: Actor,
        channel_id: int,
        *,
        action: str | None = None,
        target_user_id: int | None = None,
        actor_id: int | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[ModLogEntry]:
        """Newest first; page with ``before_id`` (the smallest id of the previous page)."""
        if not 1 <= limit <= 1000:
            raise InputError("limit must be 1 to 1000")
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.VIEW_MOD_LOG)
            rows = audit.list_entries_txn(
                conn,
                channel_id,
                action=action,
                target_user_id=target_user_id,
                actor_id=actor_id,
                before_id=before_id,
                limit=limit,
            )
        reveal = sees_private_terms(actor, role)
        return [to_entry(r, reveal_private=reveal) for r in rows]
