"""Sending a chat message: rules, AutoMod, one transaction, then the events.

Order of checks (the first that fails decides): ban, timeout, unacknowledged warning, then
for non-moderators the chat modes (followers-only, subscribers-only, emote-only, slow mode,
unique chat) and the rate limit, and finally AutoMod. A rule rejection stores nothing; an
accepted message is stored with its one decision, keyed by (channel, sender, idempotency key)
so a resend returns the first result and writes nothing.
"""

from __future__ import annotations

import threading
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from chatwarden.decision import Action, Decision
from chatwarden.errors import Conflict, Forbidden, InputError
from chatwarden.model import Model
from chatwarden.pipeline import AutoMod
from chatwarden.service import events
from chatwarden.service.base import Deps, Outbox, ServiceBase, effective_role, to_message
from chatwarden.service.permissions import SCOPE_OF, Permission, is_mod
from chatwarden.service.types import Actor, ChatMessage, ChatSettings, SendResult, SendStatus
from chatwarden.settings import AutoModSettings, Role, TermSpec
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import messages as store
from chatwarden.store import review as review_store
from chatwarden.store.engine import is_unique_violation

MAX_IDEMPOTENCY_KEY = 64
UNIQUE_CHAT_WINDOW_S = 30.0
RATE_WINDOW_S = 30.0

HELD_DETAIL = "Your message is being checked by the moderators and has not been sent yet."
BLOCKED_DETAIL = "Your message was not sent: it contains a term blocked in this channel."


def load_automod_settings(channel: Mapping[Any, Any], term_rows: list[Any]) -> AutoModSettings:
    terms = [
        TermSpec(text=t["text"], kind=t["kind"], private=t["private"], is_regex=t["is_regex"])
        for t in term_rows
    ]
    return AutoModSettings.from_mapping(
        {**channel["automod_settings"], "terms": terms}, source=f"channel {channel['name']}"
    )


def fingerprint(text: str) -> str:
    """What unique chat compares: case-folded, NFKC, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class ChatService(ServiceBase):
    def __init__(self, deps: Deps, model: Model) -> None:
        super().__init__(deps)
        self.model = model
        self.state = deps.state
        self._engines: dict[int, tuple[int, AutoMod]] = {}
        self._lock = threading.Lock()

    # -- AutoMod per channel, cached by the channel's settings revision ----------------------

    def automod_for(self, conn: Connection, channel: Mapping[Any, Any]) -> AutoMod:
        cached = self._engines.get(channel["id"])
        if cached is not None and cached[0] == channel["settings_rev"]:
            return cached[1]
        settings = load_automod_settings(channel, channel_store.list_terms_txn(conn, channel["id"]))
        automod = AutoMod(settings, model=self.model)
        with self._lock:
            self._engines[channel["id"]] = (channel["settings_rev"], automod)
        return automod

    # -- sending -------------------------------------------------------------------------------

    def send_message(
        self, actor: Actor, channel_id: int, text: str, idempotency_key: str | None = None
    ) -> SendResult:
        """Send ``text`` to a channel as ``actor``. See the module docstring for the order."""
        text = self._check_text(text)
        if idempotency_key is not None:
            if (
                not isinstance(idempotency_key, str)
                or not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY
                or not idempotency_key.isprintable()
            ):
                raise InputError(
                    f"idempotency_key must be 1-{MAX_IDEMPOTENCY_KEY} printable characters"
                )
        if not actor.has_scope(SCOPE_OF[Permission.SEND_MESSAGE]):
            raise Forbidden("this token lacks the 'chat:write' scope")
        now = self.clock.now()
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            if idempotency_key is not None:
                previous = store.get_by_idempotency_key_txn(
                    conn, channel_id, actor.user_id, idempotency_key
                )
                if previous is not None:
                    return _replay(previous, text)
            member = channel_store.get_member_txn(conn, channel_id, actor.user_id)
            role = effective_role(channel, actor.user_id, member)
            automod = self.automod_for(conn, channel)
        rejection = self._check_rules(channel, member, role, text, now, actor.user_id)
        if rejection is not None:
            return rejection
        decision = automod.check(text, role=role)
        try:
            with self.transaction() as out:
                return self._store_txn(out, channel, actor, role, text, idempotency_key, decision)
        except IntegrityError as exc:
            if idempotency_key is None or not is_unique_violation(exc):
                raise
        with self.db.read() as conn:  # a concurrent send with the same key won
            previous = store.get_by_idempotency_key_txn(
                conn, channel_id, actor.user_id, idempotency_key
            )
        assert previous is not None
        return _replay(previous, text)

    def _check_text(self, text: object) -> str:
        if not isinstance(text, str):
            raise InputError(f"message text must be a string, got {type(text).__name__}")
        text = text.strip()
        if not text:
            raise InputError("message is empty")
        if len(text) > self.config.max_message_length:
            raise InputError(
                f"message is {len(text)} characters; the limit is {self.config.max_message_length}"
            )
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t" for ch in text):
            raise InputError("message must not contain control characters (e.g. newlines)")
        return text

    def _check_rules(
        self,
        channel: Mapping[Any, Any],
        member: Mapping[Any, Any] | None,
        role: Role,
        text: str,
        now: datetime,
        user_id: int,
    ) -> SendResult | None:
        def reject(reason: str, detail: str, retry: float | None = None) -> SendResult:
            return SendResult("rejected", None, reason, detail, retry)

        if member is not None:
            if member["banned"]:
                return reject("banned", "You are banned from this channel.")
            until = member["timeout_until"]
            if until is not None and until > now:
                wait = (until - now).total_seconds()
                return reject("timed_out", f"You are timed out for {wait:.0f} more seconds.", wait)
            if member["warned_at"] is not None:
                return reject(
                    "warning_unacknowledged",
                    f"You were warned: {member['warning_reason'] or 'no reason given'}. "
                    "Acknowledge the warning to chat again.",
                )
        if is_mod(role):
            return None
        modes = ChatSettings.model_validate(channel["chat_settings"])
        privileged = role in (Role.VIP,)
        if modes.followers_only_min_age_s is not None and not privileged:
            if role is not Role.SUBSCRIBER:
                followed = member["followed_at"] if member is not None else None
                min_age = timedelta(seconds=modes.followers_only_min_age_s)
                if followed is None or now - followed < min_age:
                    if followed is None:
                        return reject("followers_only", "This channel is in followers-only mode.")
                    wait = (followed + min_age - now).total_seconds()
                    return reject(
                        "followers_only",
                        f"Followers-only mode: you can chat {wait:.0f} seconds after following.",
                        wait,
                    )
        if modes.subscribers_only and not privileged and role is not Role.SUBSCRIBER:
            return reject("subscribers_only", "This channel is in subscribers-only mode.")
        if modes.emote_only:
            emotes = set(modes.emote_set)
            if not all(word in emotes for word in text.split()):
                return reject("emote_only", "This channel is in emote-only mode.")
        key = f"{channel['id']}:{user_id}"
        if modes.slow_mode_s and not privileged:
            wait = self.state.slow_mode_wait("slow:" + key, now, modes.slow_mode_s)
            if wait is not None:
                return reject(
                    "slow_mode", f"Slow mode: wait {wait:.0f} seconds between messages.", wait
                )
        if modes.unique_chat and self.state.seen_recently(
            f"unique:{channel['id']}", fingerprint(text), now, UNIQUE_CHAT_WINDOW_S
        ):
            return reject("duplicate_message", "Unique chat: this message was just sent.")
        wait = self.state.hit_rate(
            "rate:" + key, now, RATE_WINDOW_S, self.config.rate_limit_messages_per_30s
        )
        if wait is not None:
            return reject("rate_limited", "You are sending messages too fast.", wait)
        return None

    def _store_txn(
        self,
        out: Outbox,
        channel: Mapping[Any, Any],
        actor: Actor,
        role: Role,
        text: str,
        key: str | None,
        decision: Decision,
    ) -> SendResult:
        conn, now = out.conn, out.now
        public_id = str(uuid.uuid4())
        values: dict[str, Any] = {
            "public_id": public_id,
            "channel_id": channel["id"],
            "sender_id": actor.user_id,
            "text": text,
            "idempotency_key": key,
            "created_at": now,
            "decision": decision.to_dict(),
        }
        status: SendStatus
        if decision.action is Action.ALLOW:
            delay = ChatSettings.model_validate(channel["chat_settings"]).non_mod_chat_delay_s
            if delay and not is_mod(role):
                status = "delayed"
                values["deliver_after"] = now + timedelta(seconds=delay)
            else:
                status = "delivered"
                values["delivered_at"] = now
            reason = detail = None
        elif decision.action is Action.HOLD:
            status, reason, detail = "held", "held_for_review", HELD_DETAIL
        else:
            status, reason, detail = "blocked", "blocked_term", BLOCKED_DETAIL
        values.update(status=status, initial_status=status, reason=reason, detail=detail)
        pk = store.insert_message_txn(conn, **values)
        if status == "delivered":
            out.emit(
                channel,
                events.CHAT_MESSAGE,
                events.chat_message(
                    channel,
                    message_id=public_id,
                    sender_id=actor.user_id,
                    sender_name=actor.username,
                    text=text,
                    sent_at=now,
                    delivered_at=now,
                    badges=_badges(role),
                ),
                public=True,
                mods=False,
            )
        elif status == "held":
            expires_at = now + timedelta(seconds=self.config.review_expiry_seconds)
            item_id = review_store.insert_item_txn(
                conn, message_pk=pk, channel_id=channel["id"], held_at=now, expires_at=expires_at
            )
            audit.append_txn(
                conn,
                channel_id=channel["id"],
                actor_id=None,
                action="automod.hold",
                created_at=now,
                target_user_id=actor.user_id,
                message_id=public_id,
                reason=_summary(decision),
                details={
                    "review_item_id": item_id,
                    "decision": decision.to_dict(reveal_private=False),
                },
            )
            out.emit(
                channel,
                events.AUTOMOD_HOLD,
                events.automod_hold(
                    channel,
                    message_id=public_id,
                    sender_id=actor.user_id,
                    sender_name=actor.username,
                    text=text,
                    held_at=now,
                    expires_at=expires_at,
                    item_id=item_id,
                    decision=decision.to_dict(reveal_private=False),
                ),
            )
            out.notify(actor.user_id, "message_held", channel["id"], message_id=public_id)
        elif status == "blocked":
            audit.append_txn(
                conn,
                channel_id=channel["id"],
                actor_id=None,
                action="automod.block",
                created_at=now,
                target_user_id=actor.user_id,
                message_id=public_id,
                reason=_summary(decision),
                details={"decision": decision.to_dict(reveal_private=False)},
            )
            out.notify(actor.user_id, "message_blocked", channel["id"], message_id=public_id)
        return SendResult(status, public_id, reason, detail, None, decision, False)

    # -- other entry points -----------------------------------------------------------------

    def precheck(self, actor: Actor, channel_id: int, text: str) -> Decision:
        """What AutoMod would do with ``text`` from a viewer (Twitch's Check AutoMod Status)."""
        text = self._check_text(text)
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.PRECHECK)
            automod = self.automod_for(conn, channel)
        return automod.check(text, role=Role.VIEWER)

    def recent_messages(self, channel_id: int, limit: int = 50) -> list[ChatMessage]:
        """The newest delivered messages, oldest first (what a client shows on connect)."""
        limit = max(1, min(int(limit), 500))
        with self.db.read() as conn:
            self.channel_txn(conn, channel_id)
            return [to_message(r) for r in store.recent_messages_txn(conn, channel_id, limit=limit)]

    def release_delayed(self, limit: int = 500) -> int:
        """Deliver the messages whose non-moderator chat delay has passed."""
        released = 0
        with self.transaction() as out:
            for row in store.due_delayed_txn(out.conn, out.now, limit):
                if not store.set_status_txn(
                    out.conn, row["id"], "delivered", expect="delayed", delivered_at=out.now
                ):
                    continue
                channel = self.channel_txn(out.conn, row["channel_id"])
                role = self.role_txn(out.conn, channel, row["sender_id"])
                out.emit(
                    channel,
                    events.CHAT_MESSAGE,
                    message_event(channel, row, role, out.now),
                    public=True,
                    mods=False,
                )
                released += 1
        return released


def _replay(row: Mapping[Any, Any], text: str) -> SendResult:
    if row["text"] != text:
        raise Conflict("this idempotency key was already used for a different message")
    return SendResult(
        status=row["initial_status"],
        message_id=row["public_id"],
        reason=row["reason"],
        detail=row["detail"],
        retry_after_s=None,
        decision=None,
        replayed=True,
    )


def _badges(role: Role) -> list[str]:
    badge = {
        Role.OWNER: "broadcaster",
        Role.LEAD_MODERATOR: "lead_moderator",
        Role.MODERATOR: "moderator",
        Role.VIP: "vip",
        Role.SUBSCRIBER: "subscriber",
    }.get(role)
    return [] if badge is None else [badge]


def _summary(decision: Decision) -> str:
    parts = []
    for reason in decision.reasons:
        if reason.kind == "category":
            parts.append(f"{reason.category} (level {reason.level})")
        else:
            parts.append("private blocked term" if reason.term_private else f"term {reason.term!r}")
    return "; ".join(parts)


def message_event(
    channel: Mapping[Any, Any], row: Mapping[Any, Any], role: Role, now: datetime
) -> dict[str, Any]:
    """The channel.chat.message body for a stored message delivered at ``now``."""
    return events.chat_message(
        channel,
        message_id=row["public_id"],
        sender_id=row["sender_id"],
        sender_name=row["sender_name"],
        text=row["text"],
        sent_at=row["created_at"],
        delivered_at=now,
        badges=_badges(role),
    )
