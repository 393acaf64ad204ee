"""Sending a chat message: rules, AutoMod, one transaction, then the events.

Order of checks (the first that fails decides): the chat rules (``rules/chat_rules.py``: ban,
timeout, unacknowledged warning, then for non-moderators the chat modes and the rate limit),
detection's trust gates, and finally AutoMod. A rule rejection stores nothing; an
accepted message is stored with its one decision, keyed by (channel, sender, idempotency key)
so a resend returns the first result and writes nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from chatwarden.bus import user_topic
from chatwarden.decision import Action, Decision
from chatwarden.errors import ChatWardenError, Conflict, Forbidden, InputError, NotFound
from chatwarden.ids import new_uuid7
from chatwarden.model import Model
from chatwarden.pipeline import AutoMod
from chatwarden.rules.chat_rules import (
    MessageFacts,
    Modes,
    RateHit,
    Rejection,
    Standing,
    check_chat_rules_but_rate,
    rate_rejection,
)
from chatwarden.service import events
from chatwarden.service.base import Deps, Outbox, ServiceBase, effective_role, to_message
from chatwarden.service.chat.context import add_context_txn, public_context
from chatwarden.service.chat.engines import Engine, EngineCache
from chatwarden.service.chat.engines import load_automod_settings as load_automod_settings
from chatwarden.service.chat.redact import redact, sees_private_terms
from chatwarden.service.chat.text import visible_text
from chatwarden.service.permissions import SCOPE_OF, Permission, is_mod
from chatwarden.service.types import (
    Actor,
    ChatMessage,
    ChatSettings,
    SendRequest,
    SendResult,
    SendStatus,
)
from chatwarden.settings import Role
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import messages as store
from chatwarden.store import review as review_store
from chatwarden.store.channels import ChannelRow, MemberRow
from chatwarden.store.engine import is_deadlock, is_unique_violation
from chatwarden.store.messages import MessageRow

if TYPE_CHECKING:
    from chatwarden.service.detection.hook import BatchContext, DetectionHook, Screening

MAX_IDEMPOTENCY_KEY = 64

#: a connected platform's message: its chat modes and rate limit are the platform's to enforce
PLATFORM_MODES = Modes(rate_limit_messages_per_30s=0)

_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # Unicode category Cc but the tab

HELD_DETAIL = "Your message is being checked by the moderators and has not been sent yet."
BLOCKED_DETAIL = "Your message was not sent: it contains a term blocked in this channel."


def standing_of(member: MemberRow | None) -> Standing | None:
    """The rules' facts about a sender from their membership row (none: a stranger)."""
    if member is None:
        return None
    return Standing(
        banned=bool(member.banned),
        timeout_until=member.timeout_until,
        warned=member.warned_at is not None,
        warning_reason=member.warning_reason,
        followed_at=member.followed_at,
    )


class ChatService(ServiceBase):
    def __init__(self, deps: Deps, model: Model, detection: DetectionHook | None = None) -> None:
        super().__init__(deps)
        self.model = model
        self.detection = detection  # proactive detection (service/detection/hook.py)
        self.state = deps.state
        self.engines = EngineCache(model, deps.config)  # per channel, isolated (engines.py)
        #: told each round's ``decide`` and ``persist`` seconds (a worker's metrics)
        self.stage_observer: Callable[[str, float], None] | None = None

    def automod_for(self, conn: Connection, channel: ChannelRow) -> AutoMod:
        """The channel's engine; ``InputError`` saying why when it cannot run."""
        return self.engines.get(conn, channel, self.clock.now()).require()

    # -- sending -------------------------------------------------------------------------------

    def send_message(
        self, actor: Actor, channel_id: int, text: str, idempotency_key: str | None = None
    ) -> SendResult:
        """Send ``text`` to a channel as ``actor``. See the module docstring for the order."""
        result = self.send_messages([SendRequest(actor, channel_id, text, idempotency_key)])[0]
        if isinstance(result, ChatWardenError):
            raise result
        return result

    def send_messages(self, requests: Sequence[SendRequest]) -> list[SendResult | ChatWardenError]:
        """Send many messages with one read, one AutoMod batch per channel and one transaction.

        Each result is what ``send_message`` would have returned (or raised) for that request
        had the requests been sent one after another in this order.
        """
        results: list[SendResult | ChatWardenError | None] = [None] * len(requests)
        # a key repeated in the batch waits for the next round, where it sees the first one
        rounds: list[list[int]] = []
        seen: dict[tuple[int, int, str], int] = {}
        for i, req in enumerate(requests):
            n = 0
            if isinstance(req.idempotency_key, str):
                pair = (req.channel_id, req.actor.user_id, req.idempotency_key)
                n = seen[pair] = seen.get(pair, -1) + 1
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(i)
        for indices in rounds:
            for i, result in zip(
                indices, self._send_round([requests[i] for i in indices]), strict=True
            ):
                results[i] = result
        return [r for r in results if r is not None]

    def _send_round(self, requests: list[SendRequest]) -> list[SendResult | ChatWardenError]:
        """One round: validate, read, rules and gates, AutoMod and detection, one write."""
        results: list[SendResult | ChatWardenError | None] = [None] * len(requests)
        started = time.perf_counter()
        texts = self._validate(requests, results)
        now = self.clock.now()
        batch = self._read_batch(requests, texts, results)
        accepted = self._apply_rules(requests, texts, batch, now, results)
        pending = self._decide(requests, texts, batch, accepted, now)
        decided = time.perf_counter()
        for item, result in zip(pending, self._store(pending), strict=True):
            results[item.index] = result
        if self.stage_observer is not None:
            self.stage_observer("decide", decided - started)
            self.stage_observer("persist", time.perf_counter() - decided)
        assert all(r is not None for r in results)
        return [r for r in results if r is not None]

    def _validate(
        self, requests: list[SendRequest], results: list[SendResult | ChatWardenError | None]
    ) -> dict[int, str]:
        """Each request's checked text (a bad request gets its error in ``results``)."""
        texts: dict[int, str] = {}
        for i, req in enumerate(requests):
            try:
                texts[i] = self._check_request(req)
            except ChatWardenError as exc:
                results[i] = exc
        return texts

    def _read_batch(
        self,
        requests: list[SendRequest],
        texts: Mapping[int, str],
        results: list[SendResult | ChatWardenError | None],
    ) -> _Batch:
        """One read for the round: per channel its row, the keys already used, the senders'
        memberships, the engine and detection's context."""
        batch = _Batch()
        for i in texts:
            batch.by_channel.setdefault(requests[i].channel_id, []).append(i)
        with self.db.read() as conn:
            for cid, indices in batch.by_channel.items():
                row = channel_store.get_channel_txn(conn, cid)
                if row is None:
                    for i in indices:
                        results[i] = NotFound(f"no channel with id {cid}")
                    continue
                batch.channels[cid] = row
                keys = [
                    (requests[i].actor.user_id, key)
                    for i in indices
                    if (key := requests[i].idempotency_key) is not None
                ]
                batch.previous[cid] = store.get_by_idempotency_keys_txn(conn, cid, keys)
                users = sorted({requests[i].actor.user_id for i in indices})
                batch.members[cid] = channel_store.get_members_txn(conn, cid, users)
                batch.engines[cid] = self.engines.get(conn, batch.channels[cid], self.clock.now())
                if self.detection is not None:
                    batch.detect[cid] = self.detection.load_txn(conn, batch.channels[cid], users)
        return batch

    def _apply_rules(
        self,
        requests: list[SendRequest],
        texts: Mapping[int, str],
        batch: _Batch,
        now: datetime,
        results: list[SendResult | ChatWardenError | None],
    ) -> dict[int, list[tuple[int, Role]]]:
        """Replays of used keys, then the chat rules and detection's gates, in request order;
        the accepted ``(index, role)`` per channel. The rate windows of the messages that pass
        the other rules are counted together, in order, in one ``hit_rates`` call (one Redis
        round trip per round, not one per message): the same answers, as the rate limit is the
        rules' last and its windows no other rule reads."""
        modes: dict[int, Modes] = {}  # each channel's chat modes, read once per batch
        passed: list[tuple[int, ChannelRow, Role, MemberRow | None, int | None]] = []
        hits: list[RateHit] = []
        for i, text in texts.items():
            req = requests[i]
            channel = batch.channels.get(req.channel_id)
            if channel is None:
                continue
            user_id = req.actor.user_id
            if req.idempotency_key is not None:
                row = batch.previous[channel.id].get((user_id, req.idempotency_key))
                if row is not None:
                    results[i] = _replay_or_error(row, text)
                    continue
            member = batch.members[channel.id].get(user_id)
            role = effective_role(channel, user_id, member)
            if channel.id not in modes:
                modes[channel.id] = Modes.of(
                    ChatSettings.model_validate(channel.chat_settings),
                    self.config.rate_limit_messages_per_30s,
                )
            facts = MessageFacts(
                channel=str(channel.id),
                sender=str(user_id),
                role=role,
                text=text,
                modes=modes[channel.id],
                standing=standing_of(member),
            )
            if req.platform is not None:  # the platform enforces its own modes (a hook)
                facts = replace(facts, modes=PLATFORM_MODES)
            first = check_chat_rules_but_rate(facts, self.state, now)
            if isinstance(first, Rejection):
                results[i] = _rejected(first)
                continue
            hit = None
            if isinstance(first, RateHit):
                hit = len(hits)
                hits.append(first)
            passed.append((i, channel, role, member, hit))
        waits = self.state.hit_rates(hits, now) if hits else []
        accepted: dict[int, list[tuple[int, Role]]] = {}
        for i, channel, role, member, hit in passed:
            rejection = None if hit is None else _rejected(rate_rejection(waits[hit]))
            if rejection is None and self.detection is not None:
                ctx = batch.detect[channel.id]
                user_id = requests[i].actor.user_id
                rejection = self.detection.gate(ctx, i, user_id, role, member, now)
            if rejection is not None:
                results[i] = rejection
            else:
                accepted.setdefault(channel.id, []).append((i, role))
        return accepted

    def _decide(
        self,
        requests: list[SendRequest],
        texts: Mapping[int, str],
        batch: _Batch,
        accepted: Mapping[int, list[tuple[int, Role]]],
        now: datetime,
    ) -> list[_Accepted]:
        """AutoMod (one batch per channel) and detection's screening; in request order."""
        pending: list[_Accepted] = []
        for cid, items in accepted.items():
            decisions = self.engines.check(
                batch.engines[cid], [texts[i] for i, _ in items], [role for _, role in items]
            )
            screens: list[Screening | None] = [None] * len(items)
            if self.detection is not None:
                todo = [
                    (i, requests[i], role, texts[i], d)
                    for (i, role), d in zip(items, decisions, strict=True)
                ]
                members = batch.members[cid]
                screens = list(self.detection.screen(batch.detect[cid], todo, members, now))
            for (i, role), decision, screen in zip(items, decisions, screens, strict=True):
                req = requests[i]
                pending.append(
                    _Accepted(
                        i,
                        batch.channels[cid],
                        req.actor,
                        role,
                        texts[i],
                        req.idempotency_key,
                        decision,
                        screen,
                        req,
                    )
                )
        pending.sort(key=lambda item: item.index)
        return pending

    def _check_request(self, req: SendRequest) -> str:
        text = self._check_text(req.text)
        key = req.idempotency_key
        if key is not None:
            if (
                not isinstance(key, str)
                or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY
                or not key.isprintable()
            ):
                raise InputError(
                    f"idempotency_key must be 1-{MAX_IDEMPOTENCY_KEY} printable characters"
                )
        if not req.actor.has_scope(SCOPE_OF[Permission.SEND_MESSAGE]):
            raise Forbidden("this token lacks the 'chat:write' scope")
        return text

    def _store(
        self, items: list[_Accepted], attempts: int = 3
    ) -> list[SendResult | ChatWardenError]:
        """Store decided messages in one transaction. If another process took one of the keys
        meanwhile (or two batches deadlocked on each other's keys), store them one by one, so
        only that message turns into a replay."""
        if not items:
            return []
        try:
            with self.transaction() as out:
                return list(self._store_txn(out, items))
        except (IntegrityError, OperationalError) as exc:
            unique = isinstance(exc, IntegrityError) and is_unique_violation(exc)
            if not (unique or is_deadlock(exc)):
                raise
            if len(items) > 1:
                return [r for item in items for r in self._store([item])]
            item = items[0]
            if not unique:
                if attempts <= 1:
                    raise
                return self._store(items, attempts - 1)
            if item.key is None:
                raise
        with self.db.read() as conn:  # a concurrent send with the same key won
            row = store.get_by_idempotency_key_txn(
                conn, item.channel.id, item.actor.user_id, item.key
            )
        assert row is not None
        return [_replay_or_error(row, item.text)]

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
        if _CONTROL.search(text):
            raise InputError("message must not contain control characters (e.g. newlines)")
        return visible_text(text).strip()  # bidi controls removed; something must show

    def _store_txn(self, out: Outbox, items: list[_Accepted]) -> list[SendResult]:
        """Insert the batch's messages, queue the held ones, emit and log, then detection's
        effects; all in ``out``'s transaction."""
        delays: dict[int, int] = {}
        rows = [self._message_row(item, out.now, delays) for item in items]
        # held messages only: their context for moderators (information, never a decision)
        batch = [
            (item.channel, item.decision, values) for item, values in zip(items, rows, strict=True)
        ]
        add_context_txn(out.conn, batch, out.now)
        store.insert_messages_txn(out.conn, rows)
        queued = self._queue_held_txn(out.conn, rows, out.now)
        results: list[SendResult] = []
        log_rows: list[dict[str, Any]] = []
        for item, values in zip(items, rows, strict=True):
            results.append(self._announce(out, item, values, queued, log_rows))
        audit.append_many_txn(out.conn, log_rows)
        if self.detection is not None:
            self.detection.after_store_txn(
                out,
                [
                    (item.channel, item.request, item.screen, values["public_id"], values["status"])
                    for item, values in zip(items, rows, strict=True)
                    if item.screen is not None and item.request is not None
                ],
            )
        return results

    def _message_row(
        self, item: _Accepted, now: datetime, delays: dict[int, int]
    ) -> dict[str, Any]:
        """The message's row: AutoMod's outcome (with the channel's non-moderator delay), then
        detection's, where stronger."""
        channel, decision = item.channel, item.decision
        values: dict[str, Any] = {
            "public_id": new_uuid7(),
            "channel_id": channel.id,
            "sender_id": item.actor.user_id,
            "text": item.text,
            "idempotency_key": item.key,
            "created_at": now,
            "decision": _decision_dict(decision),
            "delivered_at": None,
            "deliver_after": None,
        }
        status: str
        if decision.action is Action.ALLOW:
            if channel.id not in delays:
                modes = ChatSettings.model_validate(channel.chat_settings)
                delays[channel.id] = modes.non_mod_chat_delay_s
            delay = delays[channel.id]
            if delay and not is_mod(item.role):
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
        screen = item.screen
        if screen is not None and not screen.empty:  # proactive detection may go further
            status, reason, detail = screen.apply(status, reason, detail)
            if status not in ("delivered", "delayed"):
                values["deliver_after"] = None
                values["delivered_at"] = now if status == "restricted" else None
            values["decision"] = {**values["decision"], "detection": screen.to_dict()}
        values.update(status=status, initial_status=status, reason=reason, detail=detail)
        return values

    def _queue_held_txn(
        self, conn: Connection, rows: list[dict[str, Any]], now: datetime
    ) -> _Queued:
        """The review items of the held messages, one statement."""
        expires_at = now + timedelta(seconds=self.config.review_expiry_seconds)
        held = [v for v in rows if v["status"] == "held"]
        pks = store.ids_by_public_id_txn(conn, [v["public_id"] for v in held])
        item_ids = review_store.insert_items_txn(
            conn,
            [
                {
                    "message_id": pks[v["public_id"]],
                    "channel_id": v["channel_id"],
                    "status": "pending",
                    "held_at": now,
                    "expires_at": expires_at,
                }
                for v in held
            ],
        )
        return _Queued(pks, item_ids, expires_at)

    def _announce(
        self,
        out: Outbox,
        item: _Accepted,
        values: Mapping[str, Any],
        queued: _Queued,
        log_rows: list[dict[str, Any]],
    ) -> SendResult:
        """The sender's result; the message (or its hold) on the bus; a held or blocked
        message's mod-log row added to ``log_rows`` and the sender notified."""
        public_id, status = values["public_id"], values["status"]
        reason, detail = values["reason"], values["detail"]
        shown = cast(SendStatus, "delivered" if status == "restricted" else status)
        result = SendResult(shown, public_id, reason, detail, None, item.decision, False)
        if status == "delivered":
            self._emit_chat_message(out, item, public_id)
        elif status == "restricted":  # only moderators (and the sender) see it
            self._emit_chat_message(out, item, public_id, to_sender_only=True)
        elif status in ("held", "blocked"):
            context = values["decision"].get("context")
            log_rows.append(self._hold_or_block(out, item, public_id, status, queued, context))
            out.notify(
                item.actor.user_id, f"message_{status}", item.channel.id, message_id=public_id
            )
        return result

    def _hold_or_block(
        self,
        out: Outbox,
        item: _Accepted,
        public_id: str,
        status: str,
        queued: _Queued,
        context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A held message's queue event (with its ``context``, ``chat/context.py``); the
        mod-log row of a held or blocked message (the detector's action and explanation when
        detection decided it)."""
        screen = item.screen
        by_detection = screen is not None and screen.status == status and screen.log_action
        public = _decision_dict(item.decision, reveal_private=False)
        if context is not None:
            public = {**public, "context": public_context(context)}
        # the mod log keeps the whole explanation; readers get it redacted by role
        logged = item.decision.to_dict()
        if screen is not None and not screen.empty:
            public = {**public, "detection": screen.to_dict()}
            logged = {**logged, "detection": screen.to_dict()}
        details: dict[str, Any] = {"decision": logged}
        if status == "held":
            item_id = queued.item_ids[queued.pks[public_id]]
            details = {"review_item_id": item_id, "decision": logged}
            self._emit_hold(out, item, public_id, item_id, queued.expires_at, public)
        action = f"automod.{'hold' if status == 'held' else 'block'}"
        reason = _summary(item.decision)
        if by_detection and screen is not None and screen.log_action is not None:
            action = screen.log_action
            reason = "; ".join(filter(None, [screen.explanation, reason]))
        return {
            "channel_id": item.channel.id,
            "actor_id": None,
            "action": action,
            "target_user_id": item.actor.user_id,
            "message_id": public_id,
            "reason": reason,
            "details": details,
            "created_at": out.now,
        }

    @staticmethod
    def _emit_chat_message(
        out: Outbox, item: _Accepted, public_id: str, *, to_sender_only: bool = False
    ) -> None:
        event = events.chat_message(
            item.channel,
            message_id=public_id,
            sender_id=item.actor.user_id,
            sender_name=item.actor.username,
            text=item.text,
            sent_at=out.now,
            delivered_at=out.now,
            badges=_badges(item.role),
        )
        if to_sender_only:  # a restricted user's message: only they (and the mods) see it
            env = events.envelope(events.CHAT_MESSAGE, event, out.now)
            out.published.append((user_topic(item.actor.user_id), env))
            return
        out.emit(item.channel, events.CHAT_MESSAGE, event, public=True, mods=False)

    @staticmethod
    def _emit_hold(
        out: Outbox,
        item: _Accepted,
        public_id: str,
        item_id: int,
        expires_at: datetime,
        decision: dict[str, Any],
    ) -> None:
        out.emit(
            item.channel,
            events.AUTOMOD_HOLD,
            events.automod_hold(
                item.channel,
                message_id=public_id,
                sender_id=item.actor.user_id,
                sender_name=item.actor.username,
                text=item.text,
                held_at=out.now,
                expires_at=expires_at,
                item_id=item_id,
                decision=decision,
            ),
        )

    # -- other entry points -----------------------------------------------------------------

    def precheck(self, actor: Actor, channel_id: int, text: str) -> dict[str, Any]:
        """What AutoMod would do with ``text`` from a viewer (Twitch's Check AutoMod Status):
        the decision as JSON, private terms redacted unless the actor is the owner."""
        text = self._check_text(text)
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.PRECHECK)
            automod = self.automod_for(conn, channel)
        decision = automod.check(text, role=Role.VIEWER)
        return {
            "is_permitted": decision.action is Action.ALLOW,
            "action": decision.action.value,
            "decision": redact(decision.to_dict(), sees_private_terms(actor, role)),
        }

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
                    out.conn, row.id, "delivered", expect="delayed", delivered_at=out.now
                ):
                    continue
                channel = self.channel_txn(out.conn, row.channel_id)
                role = self.role_txn(out.conn, channel, row.sender_id)
                out.emit(
                    channel,
                    events.CHAT_MESSAGE,
                    message_event(channel, row, role, out.now),
                    public=True,
                    mods=False,
                )
                released += 1
        return released


@dataclass
class _Batch:
    """What one round read, per channel id (``ChatService._read_batch``)."""

    by_channel: dict[int, list[int]] = field(default_factory=dict)
    channels: dict[int, ChannelRow] = field(default_factory=dict)
    previous: dict[int, dict[tuple[int, str], MessageRow]] = field(default_factory=dict)
    members: dict[int, dict[int, MemberRow]] = field(default_factory=dict)
    engines: dict[int, Engine] = field(default_factory=dict)
    detect: dict[int, BatchContext] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Queued:
    """The review items of a batch's held messages (``ChatService._queue_held_txn``)."""

    pks: Mapping[str, int]  # public id -> message row id
    item_ids: Mapping[int, int]  # message row id -> review item id
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class _Accepted:
    """A message that passed the chat rules, with AutoMod's decision, waiting to be stored."""

    index: int
    channel: ChannelRow
    actor: Actor
    role: Role
    text: str
    key: str | None
    decision: Decision
    screen: Screening | None = None  # proactive detection's verdict
    request: SendRequest | None = None


def _rejected(rejection: Rejection | None) -> SendResult | None:
    """A chat rule's rejection as the sender's result (None: none)."""
    if rejection is None:
        return None
    return SendResult("rejected", None, rejection.reason, rejection.detail, rejection.retry_after)


def _replay_or_error(row: MessageRow, text: str) -> SendResult | ChatWardenError:
    try:
        return _replay(row, text)
    except Conflict as exc:
        return exc


def _replay(row: MessageRow, text: str) -> SendResult:
    if row.text != text:
        raise Conflict("this idempotency key was already used for a different message")
    return SendResult(
        status=cast(
            SendStatus, "delivered" if row.initial_status == "restricted" else row.initial_status
        ),
        message_id=row.public_id,
        reason=row.reason,
        detail=row.detail,
        retry_after_s=None,
        decision=None,
        replayed=True,
    )


_BADGE = {
    Role.OWNER: "broadcaster",
    Role.LEAD_MODERATOR: "lead_moderator",
    Role.MODERATOR: "moderator",
    Role.VIP: "vip",
    Role.SUBSCRIBER: "subscriber",
}


def _badges(role: Role) -> list[str]:
    badge = _BADGE.get(role)
    return [] if badge is None else [badge]


def _decision_dict(decision: Decision, *, reveal_private: bool = True) -> dict[str, Any]:
    """The stored/published decision; one AutoMod could not make says why (``engines.py``)."""
    out = decision.to_dict(reveal_private=reveal_private)
    error = decision.meta.get("automod_error")
    return out if error is None else {**out, "automod_error": error}


def _summary(decision: Decision) -> str:
    error = decision.meta.get("automod_error")
    if error is not None:
        return f"AutoMod could not check this message: {error}"
    parts = []
    for reason in decision.reasons:
        if reason.kind == "category":
            parts.append(f"{reason.category} (level {reason.level})")
        else:
            parts.append("private blocked term" if reason.term_private else f"term {reason.term!r}")
    return "; ".join(parts)


def message_event(
    channel: ChannelRow, row: MessageRow, role: Role, now: datetime
) -> dict[str, Any]:
    """The channel.chat.message body for a stored message delivered at ``now``."""
    return events.chat_message(
        channel,
        message_id=row.public_id,
        sender_id=row.sender_id,
        sender_name=row.sender_name,
        text=row.text,
        sent_at=row.created_at,
        delivered_at=now,
        badges=_badges(role),
    )
