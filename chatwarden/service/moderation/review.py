"""The hold-for-review queue. Two moderators acting on one item at once: exactly one wins
(a conditional ``UPDATE ... WHERE status = 'pending'``), the other gets ``Conflict``."""

from __future__ import annotations

from typing import Literal

from chatwarden.errors import Conflict, InputError, NotFound
from chatwarden.service import events
from chatwarden.service.base import Outbox, ServiceBase
from chatwarden.service.chat.context import public_context
from chatwarden.service.chat.redact import redact, sees_private_terms
from chatwarden.service.chat.send import message_event
from chatwarden.service.detection.settings import load_state_txn
from chatwarden.service.detection.strikes import apply_offence_txn
from chatwarden.service.moderation.labels import record_label_txn
from chatwarden.service.permissions import Permission, is_mod
from chatwarden.service.types import Actor, ChatMessage, ReviewItem
from chatwarden.settings import Role
from chatwarden.store import audit
from chatwarden.store import messages as message_store
from chatwarden.store import review as store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.review import ReviewItemRow

Verdict = Literal["allow", "deny"]


def to_item(row: ReviewItemRow, *, reveal_private: bool) -> ReviewItem:
    message = ChatMessage(
        id=row.public_id,
        channel_id=row.channel_id,
        sender_id=row.sender_id,
        sender_name=row.sender_name,
        text=row.text,
        status=row.message_status,
        created_at=row.message_created_at,
        delivered_at=row.delivered_at,
    )
    decision = row.decision or {}
    reasons = list(decision.get("reasons", []))
    return ReviewItem(
        id=row.id,
        channel_id=row.channel_id,
        message=message,
        status=row.status,
        reasons=redact(reasons, reveal_private),
        held_at=row.held_at,
        expires_at=row.expires_at,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        resolved_by_name=row.resolver_name,
        context=public_context(decision.get("context")),
    )


class ReviewService(ServiceBase):
    def list_pending(self, actor: Actor, channel_id: int) -> list[ReviewItem]:
        """Pending, unexpired items, oldest first, each with AutoMod's explanation."""
        now = self.clock.now()
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.VIEW_QUEUE)
            rows = store.list_pending_txn(conn, channel_id, now)
        reveal = sees_private_terms(actor, role)
        return [to_item(r, reveal_private=reveal) for r in rows]

    def list_handled(self, actor: Actor, channel_id: int, limit: int = 30) -> list[ReviewItem]:
        """The latest decided items (allowed, denied, expired), newest first, with the
        message text and who decided; private terms redacted as in the pending list."""
        if not 1 <= limit <= 100:
            raise InputError(f"limit must be between 1 and 100, got {limit}")
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.VIEW_QUEUE)
            rows = store.list_handled_txn(conn, channel_id, limit)
        reveal = sees_private_terms(actor, role)
        return [to_item(r, reveal_private=reveal) for r in rows]

    def get_item(self, actor: Actor, item_id: int) -> ReviewItem:
        with self.db.read() as conn:
            row = store.get_item_txn(conn, item_id)
            if row is None:
                raise NotFound(f"no review item with id {item_id}")
            channel = self.channel_txn(conn, row.channel_id)
            role = self.require_txn(conn, actor, channel, Permission.VIEW_QUEUE)
        return to_item(row, reveal_private=sees_private_terms(actor, role))

    def resolve(self, actor: Actor, item_id: int, verdict: Verdict) -> ReviewItem:
        """Allow (the message appears as the newest in chat) or deny a held message; the
        verdict is kept as a label (0: fine, 1: a violation) in the same transaction."""
        if verdict not in ("allow", "deny"):
            raise InputError(f"verdict must be 'allow' or 'deny', got {verdict!r}")
        with self.transaction() as out:
            conn, now = out.conn, out.now
            row = store.get_item_txn(conn, item_id)
            if row is None:
                raise NotFound(f"no review item with id {item_id}")
            channel = self.channel_txn(conn, row.channel_id)
            role = self.require_txn(conn, actor, channel, Permission.RESOLVE_HELD)
            status = "allowed" if verdict == "allow" else "denied"
            if not store.resolve_item_txn(
                conn, item_id, status, resolved_by=actor.user_id, now=now
            ):
                current = store.get_item_txn(conn, item_id)
                assert current is not None
                if current.status == "pending":
                    raise Conflict("this held message has expired")
                raise Conflict(f"this held message was already {current.status}")
            if verdict == "allow":
                message_store.set_status_txn(
                    conn, row.message_id, "delivered", expect="held", delivered_at=now
                )
            else:
                message_store.set_status_txn(conn, row.message_id, "denied", expect="held")
            entry_id = audit.append_txn(
                conn,
                channel_id=channel.id,
                actor_id=actor.user_id,
                action="automod." + ("approve" if verdict == "allow" else "deny"),
                created_at=now,
                target_user_id=row.sender_id,
                message_id=row.public_id,
                details={"review_item_id": item_id},
            )
            record_label_txn(
                conn,
                channel,
                message_pk=row.message_id,
                sender_id=row.sender_id,
                text=row.text,
                decision=row.decision,
                label=0 if verdict == "allow" else 1,
                source="review.allow" if verdict == "allow" else "review.deny",
                moderator_id=actor.user_id,
                mod_log_id=entry_id,
                now=now,
            )
            self._announce(out, channel, row, "approved" if verdict == "allow" else "denied", actor)
            if verdict == "deny":
                self._denial_offence_txn(out, channel, row, actor)
            result = store.get_item_txn(conn, item_id)
        assert result is not None
        return to_item(result, reveal_private=sees_private_terms(actor, role))

    def _denial_offence_txn(
        self, out: Outbox, channel: ChannelRow, row: ReviewItemRow, actor: Actor
    ) -> None:
        """A denied hold is a strike when the channel counts it (``offences.denied_holds``)."""
        settings = load_state_txn(out.conn, channel.id).settings
        if not (settings.detectors.strikes.enabled and settings.offences.denied_holds):
            return
        role = self.role_txn(out.conn, channel, row.sender_id)
        if is_mod(role) or role is Role.VIP:  # never struck, as on the chat path
            return
        apply_offence_txn(
            out,
            channel,
            settings.detectors.strikes,
            user_id=row.sender_id,
            username=row.sender_name,
            code="automod.deny",
            message_id=row.public_id,
            explanation=f"a held message denied by {actor.username}",
        )

    def expire_due(self, limit: int = 500) -> int:
        """Expire pending items past their time (their messages are never shown)."""
        expired = 0
        with self.transaction() as out:
            for row in store.due_for_expiry_txn(out.conn, out.now, limit):
                if not store.expire_item_txn(out.conn, row.id, out.now):
                    continue
                message_store.set_status_txn(out.conn, row.message_id, "expired", expect="held")
                channel = self.channel_txn(out.conn, row.channel_id)
                self._announce(out, channel, row, "expired", None)
                expired += 1
        return expired

    def _announce(
        self,
        out: Outbox,
        channel: ChannelRow,
        row: ReviewItemRow,
        status: str,
        actor: Actor | None,
    ) -> None:
        out.emit(
            channel,
            events.AUTOMOD_UPDATE,
            events.automod_update(
                channel,
                message_id=row.public_id,
                item_id=row.id,
                sender_id=row.sender_id,
                sender_name=row.sender_name,
                text=row.text,
                status=status,
                moderator_id=None if actor is None else actor.user_id,
                moderator_name=None if actor is None else actor.username,
                held_at=row.held_at,
                decision=redact(row.decision, False),  # the moderators' view
            ),
        )
        kind = {"approved": "message_allowed", "denied": "message_denied"}.get(
            status, "message_expired"
        )
        out.notify(row.sender_id, kind, channel.id, message_id=row.public_id)
        if status == "approved":
            msg = message_store.get_message_txn(out.conn, row.public_id)
            assert msg is not None
            role = self.role_txn(out.conn, channel, row.sender_id)
            out.emit(
                channel,
                events.CHAT_MESSAGE,
                message_event(channel, msg, role, out.now),
                public=True,
                mods=False,
            )
