"""Unban requests: a banned chatter asks once at a time; a moderator approves (which unbans)
or denies, with a note for the user and a private note for the team."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from chatwarden.errors import Conflict, Forbidden, InputError, NotFound
from chatwarden.service import events
from chatwarden.service.base import Deps, Outbox, ServiceBase, clean_text
from chatwarden.service.moderation.actions import ActionService
from chatwarden.service.moderation.labels import reverse_ban_labels_txn
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, UnbanRequest
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import unban as store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.engine import is_unique_violation
from chatwarden.store.unban import UnbanRequestRow

MAX_TEXT = 500
STATUSES = ("pending", "approved", "denied")


def to_request(row: UnbanRequestRow, *, team: bool) -> UnbanRequest:
    return UnbanRequest(
        id=row.id,
        channel_id=row.channel_id,
        user_id=row.user_id,
        username=row.username,
        text=row.text,
        status=row.status,
        created_at=row.created_at,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        resolution_note=row.resolution_note,
        private_note=row.private_note if team else None,
    )


class UnbanService(ServiceBase):
    def __init__(self, deps: Deps, actions: ActionService) -> None:
        super().__init__(deps)
        self._actions = actions

    def create_request(self, actor: Actor, channel_id: int, text: str) -> UnbanRequest:
        text = clean_text(text, "text", MAX_TEXT, allow_empty=False)
        try:
            with self.transaction() as out:
                conn = out.conn
                channel = self.channel_txn(conn, channel_id)
                self.require_txn(conn, actor, channel, Permission.CREATE_UNBAN_REQUEST)
                member = channel_store.get_member_txn(conn, channel_id, actor.user_id)
                if member is None or not member.banned:
                    raise Forbidden("only a banned user can request an unban")
                if store.list_requests_txn(
                    conn, channel_id, status="pending", user_id=actor.user_id
                ):
                    raise Conflict("you already have a pending unban request here")
                request_id = store.insert_request_txn(
                    conn,
                    channel_id=channel_id,
                    user_id=actor.user_id,
                    text=text,
                    created_at=out.now,
                )
                out.emit(
                    channel,
                    events.UNBAN_REQUEST_CREATE,
                    events.unban_request_create(
                        channel,
                        request_id=request_id,
                        user_id=actor.user_id,
                        login=actor.username,
                        text=text,
                        created_at=out.now,
                    ),
                )
                row = store.get_request_txn(conn, request_id)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise Conflict("you already have a pending unban request here") from None
            raise
        assert row is not None
        return to_request(row, team=False)

    def list_requests(
        self, actor: Actor, channel_id: int, status: str | None = "pending"
    ) -> list[UnbanRequest]:
        if status is not None and status not in STATUSES:
            raise InputError(f"status must be one of {', '.join(STATUSES)} or None")
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_UNBAN_REQUESTS)
            rows = store.list_requests_txn(conn, channel_id, status=status)
        return [to_request(r, team=True) for r in rows]

    def my_requests(self, actor: Actor, channel_id: int) -> list[UnbanRequest]:
        with self.db.read() as conn:
            self.channel_txn(conn, channel_id)
            rows = store.list_requests_txn(conn, channel_id, status=None, user_id=actor.user_id)
        return [to_request(r, team=False) for r in rows]

    def resolve(
        self,
        actor: Actor,
        request_id: int,
        approve: bool,
        note_to_user: str = "",
        private_note: str = "",
    ) -> UnbanRequest:
        """Approve (unbans the user and marks the ban's labels reversed, in the same
        transaction) or deny a pending request."""
        note_to_user = clean_text(note_to_user, "note_to_user", MAX_TEXT)
        private_note = clean_text(private_note, "private_note", MAX_TEXT)
        status = "approved" if approve else "denied"
        with self.transaction() as out:
            conn = out.conn
            row = store.get_request_txn(conn, request_id)
            if row is None:
                raise NotFound(f"no unban request with id {request_id}")
            channel = self.channel_txn(conn, row.channel_id)
            self.require_txn(conn, actor, channel, Permission.RESOLVE_UNBAN_REQUEST)
            if not store.resolve_request_txn(
                conn,
                request_id,
                status=status,
                resolved_by=actor.user_id,
                now=out.now,
                resolution_note=note_to_user,
                private_note=private_note,
            ):
                raise Conflict(f"this unban request was already {row.status}")
            details = {"unban_request_id": request_id}
            if approve:
                self._approve_txn(out, actor, channel, row, note_to_user, details)
            _log_resolution_txn(out, actor, channel, row, approve, note_to_user, private_note)
            _announce_resolution(out, actor, channel, row, status, note_to_user)
            result = store.get_request_txn(conn, request_id)
        assert result is not None
        return to_request(result, team=True)

    def _approve_txn(
        self,
        out: Outbox,
        actor: Actor,
        channel: ChannelRow,
        row: UnbanRequestRow,
        note_to_user: str,
        details: dict[str, Any],
    ) -> None:
        """Unban the requester (if still banned) and mark their ban's labels reversed."""
        member = channel_store.get_member_txn(out.conn, channel.id, row.user_id)
        if member is not None and member.banned:
            self._actions.unban_txn(out, actor, channel.id, row.user_id, note_to_user, details)
        reverse_ban_labels_txn(
            out.conn, channel.id, row.user_id, moderator_id=actor.user_id, now=out.now
        )


def _log_resolution_txn(
    out: Outbox,
    actor: Actor,
    channel: ChannelRow,
    row: UnbanRequestRow,
    approve: bool,
    note_to_user: str,
    private_note: str,
) -> None:
    """The mod-log entry of the approval or denial (with the team's private note)."""
    audit.append_txn(
        out.conn,
        channel_id=channel.id,
        actor_id=actor.user_id,
        action=f"unban_request.{'approve' if approve else 'deny'}",
        created_at=out.now,
        target_user_id=row.user_id,
        reason=note_to_user,
        details={"unban_request_id": row.id, "private_note": private_note},
    )


def _announce_resolution(
    out: Outbox,
    actor: Actor,
    channel: ChannelRow,
    row: UnbanRequestRow,
    status: str,
    note_to_user: str,
) -> None:
    """The resolution's event for the channel, the moderation event and the requester's
    notification (none of them with the private note)."""
    approve = status == "approved"
    out.emit(
        channel,
        events.UNBAN_REQUEST_RESOLVE,
        events.unban_request_resolve(
            channel,
            request_id=row.id,
            user_id=row.user_id,
            login=row.username,
            moderator_id=actor.user_id,
            moderator_name=actor.username,
            status=status,
            resolution_text=note_to_user,
        ),
    )
    out.moderated(
        channel,
        actor,
        f"{'approve' if approve else 'deny'}_unban_request",
        {
            "is_approved": approve,
            **events.target(row.user_id, row.username),
            "moderator_message": note_to_user,
        },
    )
    out.notify(
        row.user_id,
        "unban_request_resolved",
        channel.id,
        request_id=row.id,
        status=status,
        note=note_to_user,
    )
