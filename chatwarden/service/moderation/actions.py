"""Moderator actions on people and messages. Each is permission-checked (moderators never act
on the owner or on another moderator), appends a mod-log entry in the same transaction, and
publishes ``channel.moderate`` after the commit. A delete, warn, timeout or ban also records the
moderator's judgement as a label, in that transaction (``service/moderation/labels.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from chatwarden.errors import Conflict, InputError, NotFound
from chatwarden.service import events
from chatwarden.service.base import Outbox, ServiceBase, clean_text
from chatwarden.service.moderation.labels import (
    label_reaction_txn,
    record_label_txn,
    reverse_undone_labels_txn,
)
from chatwarden.service.moderation.modlog import to_entry
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, ModLogEntry
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import messages as message_store
from chatwarden.store.accounts import UserRow
from chatwarden.store.channels import ChannelRow
from chatwarden.store.labels import Source

MAX_REASON = 500
MAX_TIMEOUT_S = 14 * 24 * 3600
#: messages ``clear_chat`` removes at most (the newest; more than any chat view shows)
CLEAR_LIMIT = 500
#: a timed-out or banned chatter's newest messages still in chat that leave it with them (as on
#: Twitch, where a 1 s timeout is the way to "purge" someone's lines)
PURGE_LIMIT = 100
#: the label source of each action on a person
_REACTION_SOURCE: dict[str, Source] = {
    "warn": "action.warn",
    "timeout": "action.timeout",
    "ban": "action.ban",
}


class ActionService(ServiceBase):
    def delete_message(
        self, actor: Actor, channel_id: int, message_id: str, reason: str = ""
    ) -> ModLogEntry:
        """Remove a delivered (or still delayed) message from chat."""
        reason = clean_text(reason, "reason", MAX_REASON)
        with self.transaction() as out:
            conn = out.conn
            channel = self.channel_txn(conn, channel_id)
            msg = message_store.get_message_txn(conn, str(message_id))
            if msg is None or msg.channel_id != channel_id:
                raise NotFound(f"no message {message_id!r} in this channel")
            self.require_txn(conn, actor, channel, Permission.DELETE_MESSAGE, msg.sender_id)
            if msg.status not in ("delivered", "delayed"):
                raise Conflict(f"this message is {msg.status}, not in chat")
            if not message_store.set_status_txn(conn, msg.id, "deleted", expect=msg.status):
                raise Conflict("this message changed meanwhile; reload")
            out.removed_from_chat(
                channel, msg.public_id, msg.sender_id, msg.sender_name, "moderator"
            )
            detail = events.target(
                msg.sender_id,
                msg.sender_name,
                message_id=msg.public_id,
                message_body=msg.text,
            )
            out.moderated(channel, actor, "delete", detail)
            out.notify(msg.sender_id, "message_deleted", channel_id, message_id=msg.public_id)
            entry = self._log(
                out, channel, actor, "delete", msg.sender_id, reason, msg.public_id, {}
            )
            record_label_txn(
                conn,
                channel,
                message_pk=msg.id,
                sender_id=msg.sender_id,
                text=msg.text,
                decision=msg.decision,
                label=1,
                source="action.delete",
                moderator_id=actor.user_id,
                mod_log_id=entry.id,
                now=out.now,
            )
            return entry

    def clear_chat(self, actor: Actor, channel_id: int) -> int:
        """Remove the newest ``CLEAR_LIMIT`` messages still in chat (Twitch's ``/clear``): each
        leaves every viewer's screen as a deleted message does; one mod-log entry says how many.
        Returns that count."""
        with self.transaction() as out:
            conn = out.conn
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.DELETE_MESSAGE)
            rows = message_store.recent_messages_txn(
                conn, channel_id, limit=CLEAR_LIMIT, statuses=("delivered", "delayed")
            )
            cleared = 0
            for msg in rows:
                if not message_store.set_status_txn(conn, msg.id, "deleted", expect=msg.status):
                    continue  # changed meanwhile (deleted by someone else): nothing to clear
                cleared += 1
                out.removed_from_chat(
                    channel, msg.public_id, msg.sender_id, msg.sender_name, "moderator"
                )
            out.moderated(channel, actor, "clear", {})
            out.emit(
                channel, events.CHAT_CLEAR, events.chat_clear(channel), public=True, mods=False
            )
            self._log(out, channel, actor, "clear", None, "", None, {"messages": cleared})
        return cleared

    def warn(self, actor: Actor, channel_id: int, user_id: int, reason: str) -> ModLogEntry:
        """Warn a chatter, who must acknowledge it before chatting again (a new one replaces it)."""
        reason = clean_text(reason, "reason", MAX_REASON, allow_empty=False)
        with self.transaction() as out:
            conn = out.conn
            channel, target = self._target_txn(conn, actor, channel_id, user_id, Permission.WARN)
            channel_store.update_member_txn(
                conn, channel_id, user_id, warned_at=out.now, warning_reason=reason
            )
            detail = events.target(user_id, target.username, reason=reason)
            out.moderated(channel, actor, "warn", detail)
            out.emit(
                channel,
                events.WARNING_SEND,
                events.warning_send(
                    channel,
                    moderator_id=actor.user_id,
                    moderator_name=actor.username,
                    user_id=user_id,
                    login=target.username,
                    reason=reason,
                ),
            )
            out.notify(user_id, "warned", channel_id, reason=reason)
            entry = self._log(out, channel, actor, "warn", user_id, reason, None, {})
            return self._label_reaction(out, channel, user_id, entry)

    def acknowledge_warning(self, actor: Actor, channel_id: int) -> None:
        """The warned chatter acknowledges; they can chat again. No pending warning: no-op."""
        with self.transaction() as out:
            conn = out.conn
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.ACKNOWLEDGE_WARNING)
            member = channel_store.get_member_txn(conn, channel_id, actor.user_id)
            if member is not None and member.warned_at is not None:
                channel_store.update_member_txn(
                    conn, channel_id, actor.user_id, warned_at=None, warning_reason=None
                )
                out.emit(
                    channel,
                    events.WARNING_ACKNOWLEDGE,
                    events.warning_acknowledge(
                        channel, user_id=actor.user_id, login=actor.username
                    ),
                )

    def timeout(
        self, actor: Actor, channel_id: int, user_id: int, duration_s: int, reason: str = ""
    ) -> ModLogEntry:
        """Keep a chatter out of chat for ``duration_s`` seconds (1 to 14 days)."""
        if isinstance(duration_s, bool) or not isinstance(duration_s, int):
            raise InputError("duration_s must be a whole number of seconds")
        if not 1 <= duration_s <= MAX_TIMEOUT_S:
            raise InputError(f"duration_s must be 1 to {MAX_TIMEOUT_S}, got {duration_s}")
        reason = clean_text(reason, "reason", MAX_REASON)
        with self.transaction() as out:
            conn = out.conn
            channel, target = self._target_txn(conn, actor, channel_id, user_id, Permission.TIMEOUT)
            member = channel_store.ensure_member_txn(conn, channel_id, user_id)
            if member.banned:
                raise Conflict(f"{target.username} is banned; unban before a timeout")
            until = out.now + timedelta(seconds=duration_s)
            channel_store.update_member_txn(conn, channel_id, user_id, timeout_until=until)
            detail = events.target(
                user_id, target.username, reason=reason, expires_at=until.isoformat()
            )
            self._announce_user_action(out, channel, actor, "timeout", detail)
            self._announce_ban(out, channel, actor, user_id, target.username, reason, until)
            purged = self._purge_txn(out, channel, user_id)
            out.notify(
                user_id,
                "timed_out",
                channel_id,
                reason=reason,
                until=until.isoformat(),
                duration_s=duration_s,
            )
            entry = self._log(
                out,
                channel,
                actor,
                "timeout",
                user_id,
                reason,
                None,
                {"duration_s": duration_s, "until": until.isoformat(), "purged": purged},
            )
            return self._label_reaction(out, channel, user_id, entry)

    def untimeout(
        self, actor: Actor, channel_id: int, user_id: int, reason: str = "", *, undo: bool = False
    ) -> ModLogEntry:
        """Lift a running timeout. ``undo``: the timeout was a mistake (Mod View's Undo): its
        label is reversed too and the entry's details say ``{"undo": <timeout entry id>}``."""
        reason = clean_text(reason, "reason", MAX_REASON)
        with self.transaction() as out:
            conn = out.conn
            channel, target = self._target_txn(conn, actor, channel_id, user_id, Permission.TIMEOUT)
            member = channel_store.get_member_txn(conn, channel_id, user_id)
            if member is None or member.timeout_until is None or (member.timeout_until <= out.now):
                raise Conflict(f"{target.username} is not timed out")
            channel_store.update_member_txn(conn, channel_id, user_id, timeout_until=None)
            detail = events.target(user_id, target.username)
            self._announce_user_action(out, channel, actor, "untimeout", detail)
            out.notify(user_id, "untimed_out", channel_id)
            details = self._undo_txn(out, channel_id, user_id, "timeout", actor) if undo else {}
            return self._log(out, channel, actor, "untimeout", user_id, reason, None, details)

    def ban(
        self,
        actor: Actor,
        channel_id: int,
        user_id: int,
        reason: str = "",
        *,
        source: str | None = None,
    ) -> ModLogEntry:
        """Ban a chatter. ``source``: the shared list that asked for it (a Matrix policy
        room), kept in the mod log entry's details."""
        reason = clean_text(reason, "reason", MAX_REASON)
        with self.transaction() as out:
            conn = out.conn
            channel, target = self._target_txn(conn, actor, channel_id, user_id, Permission.BAN)
            member = channel_store.ensure_member_txn(conn, channel_id, user_id)
            if member.banned:
                raise Conflict(f"{target.username} is already banned")
            channel_store.update_member_txn(
                conn, channel_id, user_id, banned=True, timeout_until=None
            )
            detail = events.target(user_id, target.username, reason=reason)
            self._announce_user_action(out, channel, actor, "ban", detail)
            self._announce_ban(out, channel, actor, user_id, target.username, reason, None)
            purged = self._purge_txn(out, channel, user_id)
            out.notify(user_id, "banned", channel_id, reason=reason)
            details: dict[str, Any] = {"purged": purged}
            if source is not None:
                details["source"] = source
            entry = self._log(out, channel, actor, "ban", user_id, reason, None, details)
            return self._label_reaction(out, channel, user_id, entry)

    def unban(
        self, actor: Actor, channel_id: int, user_id: int, reason: str = "", *, undo: bool = False
    ) -> ModLogEntry:
        """Lift a ban. ``undo``: the ban was a mistake (Mod View's Undo): its label is
        reversed too and the entry's details say ``{"undo": <ban entry id>}``. Nothing else
        comes back (a timeout the ban replaced stays lifted)."""
        reason = clean_text(reason, "reason", MAX_REASON)
        with self.transaction() as out:
            details = self._undo_txn(out, channel_id, user_id, "ban", actor) if undo else {}
            entry = self.unban_txn(out, actor, channel_id, user_id, reason, details)
        return entry

    def unban_txn(
        self,
        out: Outbox,
        actor: Actor,
        channel_id: int,
        user_id: int,
        reason: str,
        details: dict[str, Any],
    ) -> ModLogEntry:
        conn = out.conn
        channel, target = self._target_txn(conn, actor, channel_id, user_id, Permission.UNBAN)
        member = channel_store.get_member_txn(conn, channel_id, user_id)
        if member is None or not member.banned:
            raise Conflict(f"{target.username} is not banned")
        channel_store.update_member_txn(conn, channel_id, user_id, banned=False)
        detail = events.target(user_id, target.username)
        self._announce_user_action(out, channel, actor, "unban", detail)
        out.emit(
            channel,
            events.UNBAN,
            events.unban(
                channel,
                moderator_id=actor.user_id,
                moderator_name=actor.username,
                user_id=user_id,
                login=target.username,
            ),
        )
        out.notify(user_id, "unbanned", channel_id)
        return self._log(out, channel, actor, "unban", user_id, reason, None, details)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _undo_txn(
        out: Outbox, channel_id: int, user_id: int, action: str, actor: Actor
    ) -> dict[str, Any]:
        """Reverse the label of the user's latest ``action`` (being undone); the details that
        the lifting entry carries (which entry it undid)."""
        undone = reverse_undone_labels_txn(
            out.conn, channel_id, user_id, action, moderator_id=actor.user_id, now=out.now
        )
        return {} if undone is None else {"undo": undone}

    @staticmethod
    def _label_reaction(
        out: Outbox, channel: ChannelRow, user_id: int, entry: ModLogEntry
    ) -> ModLogEntry:
        """Label the message that a warn, timeout or ban (``entry``) reacted to, if any
        (``labels.label_reaction_txn``); returns ``entry``."""
        assert entry.actor_id is not None
        label_reaction_txn(
            out.conn,
            channel,
            user_id,
            source=_REACTION_SOURCE[entry.action],
            moderator_id=entry.actor_id,
            mod_log_id=entry.id,
            now=out.now,
        )
        return entry

    def _target_txn(
        self, conn: Connection, actor: Actor, channel_id: int, user_id: int, perm: Permission
    ) -> tuple[ChannelRow, UserRow]:
        channel = self.channel_txn(conn, channel_id)
        target = self.user_txn(conn, user_id)
        self.require_txn(conn, actor, channel, perm, user_id)
        return channel, target

    @staticmethod
    def _purge_txn(out: Outbox, channel: ChannelRow, user_id: int) -> int:
        """Take ``user_id``'s newest ``PURGE_LIMIT`` messages still in chat (shown or delayed)
        out of it, each as a moderator's deletion on every screen; how many left."""
        rows = message_store.recent_messages_txn(
            out.conn,
            channel.id,
            limit=PURGE_LIMIT,
            statuses=("delivered", "delayed"),
            sender_id=user_id,
        )
        purged = 0
        for msg in rows:
            if message_store.set_status_txn(out.conn, msg.id, "deleted", expect=msg.status):
                purged += 1
                out.removed_from_chat(
                    channel, msg.public_id, msg.sender_id, msg.sender_name, "moderator"
                )
        return purged

    @staticmethod
    def _announce_ban(
        out: Outbox,
        channel: ChannelRow,
        actor: Actor,
        user_id: int,
        login: str,
        reason: str,
        until: datetime | None,
    ) -> None:
        """``channel.ban`` (moderators and webhooks): a ban, or a timeout until ``until``."""
        event = events.ban(
            channel,
            moderator_id=actor.user_id,
            moderator_name=actor.username,
            user_id=user_id,
            login=login,
            reason=reason,
            at=out.now,
            ends_at=until,
        )
        out.emit(channel, events.BAN, event)

    def _announce_user_action(
        self,
        out: Outbox,
        channel: ChannelRow,
        actor: Actor,
        action: str,
        detail: dict[str, Any],
    ) -> None:
        """Mods (and webhooks) get the full event; the channel gets it without the reason."""
        out.moderated(channel, actor, action, detail)
        public = {k: v for k, v in detail.items() if k != "reason"}
        out.moderated(channel, actor, action, public, public=True, mods=False, webhook=False)

    def _log(
        self,
        out: Outbox,
        channel: ChannelRow,
        actor: Actor,
        action: str,
        target_user_id: int | None,
        reason: str,
        message_id: str | None,
        details: dict[str, Any],
    ) -> ModLogEntry:
        entry_id = audit.append_txn(
            out.conn,
            channel_id=channel.id,
            actor_id=actor.user_id,
            action=action,
            created_at=out.now,
            target_user_id=target_user_id,
            message_id=message_id,
            reason=reason,
            details=details,
        )
        row = audit.get_entry_txn(out.conn, entry_id)
        assert row is not None
        return to_entry(row)
