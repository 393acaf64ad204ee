"""Proactive detection on the chat path: what ``ChatService`` calls for each batch.

Three calls per batch and channel, all inside the chat service's own read and write:

1. ``load_txn`` (in the batch's read): the channel's detection state, and for the senders
   their account facts, whether they chatted here before, their suspicious-user flags and
   bans in channels sharing ban information. Only what the channel's settings need is read.
2. ``gate`` (with the chat rules, per message): trust gates (verification) and Shield Mode's
   first-time-chatter rule; a refusal is a ``rejected`` result, nothing stored.
3. ``screen`` (after AutoMod, per accepted message, in order): the live detectors
   (``ChannelDetectors.observe``, when the channel enabled them), suspicious-user treatment
   (monitored / restricted) and new automatic flags. Returns a ``Screening`` per message
   that ``_store_txn`` applies (status held / blocked / restricted, the explanation).
4. ``after_store_txn`` (in the batch's write transaction): fingerprints (HMAC-SHA256 with the
   server secret), then the effects each screening calls for, decided by the pure
   ``rules.effects.detection_effects`` (new flags, timeouts, strike-ladder offences, findings
   and raid alerts for moderators, a bot wave's earlier lines deleted, Shield Mode switched on
   by AutoMod if the owner allowed it) and applied with their mod-log entries by
   ``service/detection/effects.py`` (``ChatEffects``).

The detectors' per-channel state (windows, per-user history, banned profiles) lives in this
process, like ``bus.MemoryChatState``; with ``--bus`` a channel is decided by one worker at a
time (its shard's owner). When a process starts a channel's detectors (its first batch of the
channel: a worker that took the shard over, or a restart) it warms them up on the channel's
stored messages of the last windows (``_warm_up_txn``: replayed through ``observe``, results
dropped; not holding the hook's lock, a failed one retried a minute later) and continues the
cooldown of a raid alert raised before, so a raid that began under the old owner is still seen
whole, and alerted once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal

from sqlalchemy.engine import Connection

from chatwarden.decision import Action, Decision
from chatwarden.detect.channel import ChannelDetectors
from chatwarden.detect.config import DetectionConfig, TrustGateConfig
from chatwarden.detect.settings import DetectionSettings, with_channel_emotes
from chatwarden.detect.types import (
    NO_ACTION,
    DetectAction,
    EvasionAssessment,
    Finding,
    MessageContext,
)
from chatwarden.detect.verdict import Verdict, verdict
from chatwarden.rules.effects import BatchMemory, Target, detection_effects
from chatwarden.service.base import Deps, Outbox
from chatwarden.service.detection import trust as trust_gates
from chatwarden.service.detection.effects import ChatEffects
from chatwarden.service.detection.settings import DetectionState, load_state_txn
from chatwarden.service.detection.shield import ShieldService
from chatwarden.service.detection.suspicious import EVENTSUB_TYPE, LOW_TRUST
from chatwarden.service.permissions import is_mod
from chatwarden.service.types import SendRequest, SendResult, emote_set_of
from chatwarden.settings import Role
from chatwarden.store import detection as store
from chatwarden.store.channels import ChannelRow, MemberRow
from chatwarden.store.detection import AccountFactsRow, FlagRow

MAX_FINGERPRINT = 512
BANNED_REFRESH_S = 30.0
BANNED_TEXTS = 8
SEEN_LIMIT = 200_000  # senders remembered per channel as having chatted (then start over)
WARM_LIMIT = 2000  # stored messages at most that a channel's new detectors warm up on
WARM_RETRY_S = 60.0  # a failed warm-up is tried again at most this often (the clock's time)
FIRST_TIME_SHIELD = "first-time chatter while Shield Mode is on"
_EXEMPT_FIRST_TIME = frozenset(
    {Role.OWNER, Role.LEAD_MODERATOR, Role.MODERATOR, Role.VIP, Role.SUBSCRIBER}
)
Override = Literal["held", "blocked", "restricted"]
_RANK = {None: 0, "delivered": 0, "delayed": 0, "restricted": 1, "held": 2, "blocked": 3}
log = logging.getLogger(__name__)


def hash_fingerprint(secret: str, kind: str, value: str) -> str:
    """HMAC-SHA256 of ``kind:value`` with the server secret (the raw value is never stored)."""
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Flag:
    """How a suspicious sender's message is treated and why (for moderators only)."""

    status: Literal["monitored", "restricted"]
    types: tuple[str, ...]
    reasons: tuple[str, ...]
    evaluation: str = "unknown"
    shared_channel_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Screening:
    """What detection decided for one accepted message (applied by ``ChatService``)."""

    status: Override | None = None
    reason: str | None = None
    detail: str | None = None
    log_action: str | None = None  # mod-log action for a detection hold/block
    explanation: str = ""
    findings: tuple[Finding, ...] = ()
    action: DetectAction = NO_ACTION
    alerts: tuple[Finding, ...] = ()
    flag: Flag | None = None
    new_flag: dict[str, Any] | None = None  # a suspicious-user row to write (AutoMod)
    fingerprints: tuple[tuple[str, str], ...] = ()
    first_time: bool = False

    def apply(
        self, status: str, reason: str | None, detail: str | None
    ) -> tuple[str, str | None, str | None]:
        """The message's status after detection: the stronger of AutoMod's and ours."""
        if self.status is None or _RANK[self.status] <= _RANK.get(status, 0):
            return status, reason, detail
        return self.status, self.reason, self.detail

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "explanation": self.explanation,
            "action": self.action.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "flag": None
            if self.flag is None
            else {
                "low_trust_status": LOW_TRUST[self.flag.status],
                "types": list(self.flag.types),
                "reasons": list(self.flag.reasons),
                "ban_evasion_evaluation": self.flag.evaluation,
                "shared_ban_channel_ids": list(self.flag.shared_channel_ids),
            },
            "first_time": self.first_time,
        }

    @property
    def empty(self) -> bool:
        return self.status is None and not self.findings and self.flag is None

    @property
    def flag_alert(self) -> dict[str, Any] | None:
        """The sender's flag as the moderators' suspicious-message event shows it."""
        if self.flag is None:
            return None
        return {
            "low_trust_status": LOW_TRUST[self.flag.status],
            "types": self.flag.types,
            "reasons": self.flag.reasons,
            "evaluation": self.flag.evaluation,
            "shared_channel_ids": self.flag.shared_channel_ids,
        }


EMPTY = Screening()


@dataclass
class BatchContext:
    """What one batch of one channel needs from the store (``load_txn``)."""

    channel: ChannelRow
    state: DetectionState
    gates: TrustGateConfig
    users: dict[int, AccountFactsRow] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)  # senders who chatted here before the batch
    suspicious: dict[int, FlagRow] = field(default_factory=dict)
    shared: dict[int, list[int]] = field(default_factory=dict)
    shared_names: dict[int, str] = field(default_factory=dict)
    accepted: set[int] = field(default_factory=set)  # senders accepted so far in the batch
    firsts: dict[int, bool] = field(default_factory=dict)  # request index -> first-time chatter
    detectors: ChannelDetectors | None = None

    def first_time(self, user_id: int) -> bool:
        return user_id not in self.seen and user_id not in self.accepted


@dataclass
class _Entry:
    detectors: ChannelDetectors
    rev: tuple[int, tuple[str, ...] | None]  # (settings revision, emote set) configured
    banned_sig: tuple[int, int] | None = None
    banned_ids: set[int] = field(default_factory=set)
    checked_at: datetime | None = None
    warm: bool = False  # warmed up on the channel's recent messages (``_warm_up_txn``)
    warm_failed_at: datetime | None = None  # the last warm-up that failed (retried later)
    # one warm-up at a time per channel: its other batches wait for it, other channels do not
    warm_lock: threading.Lock = field(default_factory=threading.Lock)


class DetectionHook:
    """The chat path's detection (see the module docstring); one per ``Services``."""

    def __init__(self, deps: Deps, secret_key: str, shield: ShieldService) -> None:
        self.deps = deps
        self.clock = deps.clock
        self.secret = secret_key
        self.shield = shield
        self._channels: dict[int, _Entry] = {}
        self._chatted: dict[int, set[int]] = {}  # channel -> senders known to have chatted
        # ChannelDetectors are not thread-safe: every use of one (observe, configure, permit,
        # banned profiles) holds this lock (the ingest sends one batch at a time anyway)
        self._lock = threading.RLock()

    # -- 1. load --------------------------------------------------------------------------------

    def load_txn(
        self, conn: Connection, channel: ChannelRow, user_ids: Sequence[int]
    ) -> BatchContext:
        state = load_state_txn(conn, channel.id)
        gates = trust_gates.effective_gates(state)
        ctx = BatchContext(channel=channel, state=state, gates=gates)
        cid = channel.id
        live = state.settings.enabled
        need_people = (
            live
            or trust_gates.gates_active(gates)
            or (state.shield_active and state.preset.first_time_chatters != "allow")
        )
        if need_people:
            ctx.users = store.users_txn(conn, user_ids)
            ctx.seen = self._seen_txn(conn, cid, user_ids)
        ctx.suspicious = store.get_suspicious_many_txn(conn, cid, user_ids)
        if state.settings.shared_bans.treatment != "off":
            unflagged = [u for u in user_ids if u not in ctx.suspicious]
            if unflagged:
                outgoing, incoming = store.agreements_txn(conn, cid)
                mutual = outgoing & incoming
                if mutual:
                    ctx.shared = store.banned_in_txn(conn, mutual, unflagged)
                    if ctx.shared:
                        ctx.shared_names = store.channel_names_txn(conn, mutual)
        if live:
            ctx.detectors = self._detectors_txn(conn, channel, state, ctx)
        return ctx

    def _seen_txn(self, conn: Connection, cid: int, user_ids: Sequence[int]) -> set[int]:
        """Which senders chatted in the channel before. Having chatted is for good, so the
        senders found are remembered and only the others asked for (every batch asked for
        all of them); a process that has not seen someone's message asks the database."""
        with self._lock:
            known = self._chatted.setdefault(cid, set())
            unknown = [u for u in user_ids if u not in known]
        found = store.senders_with_messages_txn(conn, cid, unknown) if unknown else set()
        with self._lock:
            if len(known) + len(found) > SEEN_LIMIT:
                known.clear()
            known.update(found)
            return {u for u in user_ids if u in known}

    def _detectors_txn(
        self, conn: Connection, channel: ChannelRow, state: DetectionState, ctx: BatchContext
    ) -> ChannelDetectors:
        cid = channel.id
        emotes = emote_set_of(channel)
        config = with_channel_emotes(state.settings.detectors, emotes)
        key = (state.rev, emotes)  # chat-mode changes (the emote set) do not bump ``rev``
        with self._lock:
            entry = self._channels.get(cid)
            if entry is None:
                entry = self._channels[cid] = _Entry(ChannelDetectors(cid, config), key)
            elif entry.rev != key:
                entry.detectors.configure(config)
                entry.rev = key
            now = self.clock.now()
            cold = self._warm_due(entry, now)
        if cold:
            self._warm_up_txn(conn, cid, entry, config, key, now)
        with self._lock:
            newcomers = any(u not in ctx.seen for u in ctx.users)
            stale = entry.checked_at is None or (now - entry.checked_at).total_seconds() > (
                BANNED_REFRESH_S
            )
            if config.evasion.enabled and (newcomers or stale):
                entry.checked_at = now
                self._refresh_banned_txn(conn, cid, entry, config.evasion.max_banned, now)
            for user_id, until in self.deps.state.permits(cid, now).items():
                entry.detectors.permit(user_id, now, until)  # given in any process
            return entry.detectors

    @staticmethod
    def _warm_due(entry: _Entry, now: datetime) -> bool:
        """Whether the channel's detectors still need their warm-up (a failed one: after
        ``WARM_RETRY_S``)."""
        failed = entry.warm_failed_at
        return not entry.warm and (failed is None or (now - failed).total_seconds() >= WARM_RETRY_S)

    def _warm_up_txn(
        self,
        conn: Connection,
        cid: int,
        entry: _Entry,
        config: DetectionConfig,
        key: tuple[int, tuple[str, ...] | None],
        now: datetime,
    ) -> None:
        """The channel's warm-up, once, holding only the channel's ``warm_lock`` (its other
        batches wait for it, other channels' go on): new detectors replay the stored messages
        in order and then replace the channel's (their banned profiles reloaded next). A
        failure (logged) leaves the detectors cold for this batch, the batch's transaction
        intact (a savepoint), and is retried after ``WARM_RETRY_S``; the retry replays the
        messages observed cold too (they are stored), in order, on new detectors."""
        with entry.warm_lock:
            with self._lock:
                if not self._warm_due(entry, now):  # warmed (or failed) while we waited
                    return
            fresh = ChannelDetectors(cid, config)
            try:
                with conn.begin_nested():
                    past = _warm_read_txn(conn, cid, fresh, config, now)
            except Exception as exc:  # a cold channel is better than no chat
                log.warning(
                    "warm-up of channel %d's detectors failed (%s); retried in %d s",
                    cid,
                    type(exc).__name__,
                    WARM_RETRY_S,
                )
                with self._lock:
                    entry.warm_failed_at = now
                return
            if past is not None:
                _warm_replay(cid, fresh, config, now, past)
            with self._lock:  # a batch with newer settings configures them on its turn
                entry.detectors, entry.rev = fresh, key
                entry.banned_sig, entry.banned_ids, entry.checked_at = None, set(), None
                entry.warm, entry.warm_failed_at = True, None

    def permit(self, state: DetectionState, user_id: int, now: datetime) -> datetime:
        """A moderator's link permit for ``user_id``; returns when it ends."""
        cid = state.channel_id
        with self._lock:
            entry = self._channels.get(cid)
            if entry is None:  # configured with the channel's emotes on its next batch
                detectors = ChannelDetectors(cid, state.settings.detectors)
                entry = self._channels[cid] = _Entry(detectors, (state.rev, None))
            until = entry.detectors.permit(user_id, now)
        # shared (with --bus, in Redis): the worker that decides the channel, or a new owner,
        # applies it on its next batch (``_detectors_txn``)
        self.deps.state.grant_permit(cid, user_id, until, now)
        return until

    @staticmethod
    def _refresh_banned_txn(
        conn: Connection, cid: int, entry: _Entry, limit: int, now: datetime
    ) -> None:
        """Load the banned profiles (names, fingerprints, writing) when bans changed."""
        sig = store.ban_signature_txn(conn, cid)
        if sig == entry.banned_sig:
            return
        rows = store.banned_users_txn(conn, cid, limit)
        ids = {r.user_id for r in rows}
        new = ids - entry.banned_ids
        fps = store.fingerprints_of_txn(conn, new)
        texts = store.recent_texts_txn(conn, cid, new, BANNED_TEXTS)
        det = entry.detectors
        for uid in entry.banned_ids - ids:
            det.remove_banned(uid)
        for row in rows:
            uid = row.user_id
            if uid in new:
                det.add_banned(
                    det.banned_profile(
                        uid,
                        row.username,
                        row.banned_at or now,
                        fingerprints=fps.get(uid, ()),
                        texts=texts.get(uid, ()),
                    )
                )
        entry.banned_ids = ids
        entry.banned_sig = sig

    # -- 2. gate --------------------------------------------------------------------------------

    def gate(
        self,
        ctx: BatchContext,
        index: int,
        user_id: int,
        role: Role,
        member: MemberRow | None,
        now: datetime,
    ) -> SendResult | None:
        """Trust gates and Shield Mode's first-time rule (None: accepted)."""
        first = ctx.first_time(user_id)
        rejection = self._gate(ctx, user_id, role, member, now, first)
        if rejection is None:
            ctx.firsts[index] = first
            ctx.accepted.add(user_id)
        return rejection

    def _gate(
        self,
        ctx: BatchContext,
        user_id: int,
        role: Role,
        member: MemberRow | None,
        now: datetime,
        first: bool,
    ) -> SendResult | None:
        state = ctx.state
        if trust_gates.gates_active(ctx.gates) and not is_mod(role):
            user = ctx.users.get(user_id)
            mctx = MessageContext(
                channel_id=ctx.channel.id,
                user_id=user_id,
                username="" if user is None else user.username,
                text="",
                at=now,
                role=role,
                account_created_at=None if user is None else user.created_at,
                email_verified=bool(user and user.email_verified),
                phone_verified=bool(user and user.phone_verified),
                followed_at=None if member is None else member.followed_at,
                first_message_in_channel=first,
            )
            rejection = trust_gates.check(mctx, ctx.gates)
            if rejection is not None:
                return rejection
        if (
            state.shield_active
            and first
            and state.preset.first_time_chatters == "reject"
            and role not in _EXEMPT_FIRST_TIME
        ):
            return SendResult(
                "rejected",
                None,
                "shield_mode",
                "Shield Mode is on: first-time chatters cannot chat here right now.",
            )
        return None

    # -- 3. screen ------------------------------------------------------------------------------

    def screen(
        self,
        ctx: BatchContext,
        items: Sequence[tuple[int, SendRequest, Role, str, Decision]],
        member_of: Mapping[int, MemberRow],
        now: datetime,
    ) -> list[Screening]:
        """One ``Screening`` per accepted message ``(index, request, role, text, decision)``."""
        with self._lock:
            return self._screen(ctx, items, member_of, now)

    def _screen(
        self,
        ctx: BatchContext,
        items: Sequence[tuple[int, SendRequest, Role, str, Decision]],
        member_of: Mapping[int, MemberRow],
        now: datetime,
    ) -> list[Screening]:
        out: list[Screening] = []
        flagged: dict[int, Flag] = {}  # flags raised earlier in this batch
        for index, req, role, text, decision in items:
            uid = req.actor.user_id
            first = ctx.firsts.get(index, False)
            fps = self._fingerprints(req)
            findings, alerts, evasion = _observe(
                ctx, req, role, text, decision, member_of.get(uid), now, first, fps
            )
            # evasion findings become flags, not holds; the strongest other finding acts
            judged = verdict(findings)
            flag, new_flag = self._flag(ctx, uid, role, first, evasion, flagged)
            if new_flag is not None and flag is not None:
                flagged[uid] = flag
            status, reason, detail, log_action = _outcome(judged, flag)
            out.append(
                Screening(
                    status=status,
                    reason=reason,
                    detail=detail,
                    log_action=log_action,
                    explanation=judged.explanation,
                    findings=findings,
                    action=judged.action,
                    alerts=alerts,
                    flag=flag,
                    new_flag=new_flag,
                    fingerprints=fps,
                    first_time=first,
                )
            )
        return out

    def _fingerprints(self, req: SendRequest) -> tuple[tuple[str, str], ...]:
        out = []
        for kind, value in (
            ("device", req.device_fingerprint),
            ("network", req.network_fingerprint),
        ):
            if isinstance(value, str) and value.strip():
                out.append(
                    (kind, hash_fingerprint(self.secret, kind, value.strip()[:MAX_FINGERPRINT]))
                )
        return tuple(out)

    @staticmethod
    def _flag(
        ctx: BatchContext,
        uid: int,
        role: Role,
        first: bool,
        evasion: EvasionAssessment | None,
        flagged: Mapping[int, Flag],
    ) -> tuple[Flag | None, dict[str, Any] | None]:
        """The sender's treatment (existing flag, or a new one from shared bans or evasion),
        and the suspicious-user row to write when the flag is new."""
        if is_mod(role) or role is Role.VIP:
            return None, None
        if uid in flagged:
            return flagged[uid], None
        row = ctx.suspicious.get(uid)
        settings = ctx.state.settings
        upgrade = row is not None and _upgrades(row, evasion, settings)
        if row is not None and not upgrade:
            return _stored_flag(row), None
        if not upgrade:
            shared = _shared_flag(ctx, uid)
            if shared is not None:
                return shared
        found = _evasion_flag(settings, evasion)
        if found is not None:
            return found
        return _first_time_flag(ctx.state, role, first), None

    # -- 4. after the messages are stored (same transaction) ------------------------------------

    def after_store_txn(
        self,
        out: Outbox,
        stored: Sequence[tuple[ChannelRow, SendRequest, Screening, str, str]],
    ) -> None:
        """Effects of the screenings: ``(channel, request, screening, public_id, status)``.
        The decision is ``rules.effects.detection_effects`` (pure); ``ChatEffects`` applies it."""
        fps: list[tuple[int, str, str]] = []
        applier = ChatEffects(out, {c.id: c for c, *_ in stored}, self.shield)
        memory = BatchMemory()
        for channel, req, screen, public_id, status in stored:
            uid = req.actor.user_id
            fps.extend((uid, kind, digest) for kind, digest in screen.fingerprints)
            target = Target(channel.id, uid, req.actor.username, public_id, req.text)
            settings = partial(applier.settings, channel.id)
            effects = detection_effects(screen, status, target, settings, memory)
            applier.apply(target, effects)
        if fps:
            store.record_fingerprints_txn(out.conn, fps, out.now)


def automod_blocked(decision: Decision) -> bool:
    return decision.action is Action.BLOCK


def warm_span_s(config: DetectionConfig) -> float:
    """How far back a channel's windows reach: the raid window and its baseline, the bot
    waves' similarity window, the flood limit (0: nothing windowed is on)."""
    spans = [0.0]
    if config.raid.enabled:
        spans += [config.raid.window_s, config.raid.baseline_s]
    if config.waves.enabled:
        spans.append(config.waves.similarity.window_s)
    if config.spam.rate.enabled:
        spans.append(config.spam.rate.per_s)
    return max(spans)


@dataclass(frozen=True, slots=True)
class _Past:
    """What a warm-up read: the stored messages, their senders' facts, the last raid alert."""

    rows: Sequence[store.DecidedRow]
    facts: Mapping[int, AccountFactsRow]
    alerted: datetime | None


def _warm_read_txn(
    conn: Connection, cid: int, detectors: ChannelDetectors, config: DetectionConfig, now: datetime
) -> _Past | None:
    """What a warm-up replays (None: nothing windowed is on)."""
    span = warm_span_s(config)
    if span <= 0 or detectors.only_evasion:
        return None
    rows = store.decided_since_txn(conn, cid, now - timedelta(seconds=span), WARM_LIMIT)
    facts = store.users_txn(conn, {r.sender_id for r in rows})
    cooldown = timedelta(seconds=config.raid.cooldown_s)
    alerted = store.last_raid_alert_txn(conn, cid, now - cooldown)
    return _Past(rows, facts, alerted)


def _warm_replay(
    cid: int, detectors: ChannelDetectors, config: DetectionConfig, now: datetime, past: _Past
) -> None:
    """Start a channel's new detectors from its recent past, not empty: its stored messages
    of the last ``warm_span_s`` (at most ``WARM_LIMIT``), replayed in order through
    ``observe`` with the facts the live path gave them (what AutoMod decided, whether it was
    the sender's first message here, the account's age; roles as viewers', fingerprints
    none), their findings dropped (they had their effects when they were decided). Then the
    raid detector is quiet while the channel's last stored raid alert's cooldown runs, and
    only then: an alert the replay would raise again is not raised twice, and one the old
    owner never raised (it saw less) is raised on the next newcomer's message."""
    for row in past.rows:
        user = past.facts.get(row.sender_id)
        decided = row.decision or {}
        detectors.observe(
            MessageContext(
                channel_id=cid,
                user_id=row.sender_id,
                username=row.sender_name,
                text=row.text,
                at=min(row.created_at, now),
                account_created_at=None if user is None else user.created_at,
                email_verified=bool(user and user.email_verified),
                phone_verified=bool(user and user.phone_verified),
                first_message_in_channel=row.first,
                harm=float(decided.get("harm", 0.0)),
                automod_action=Action(decided.get("action", Action.ALLOW.value)),
                normalised=decided.get("normalised"),
                message_id=row.id,
            )
        )
    cooldown = timedelta(seconds=config.raid.cooldown_s)
    detectors.quiet_raids(None if past.alerted is None else past.alerted + cooldown)


# -- the steps of ``screen`` ----------------------------------------------------------------------


def _observe(
    ctx: BatchContext,
    req: SendRequest,
    role: Role,
    text: str,
    decision: Decision,
    member: MemberRow | None,
    now: datetime,
    first: bool,
    fps: tuple[tuple[str, str], ...],
) -> tuple[tuple[Finding, ...], tuple[Finding, ...], EvasionAssessment | None]:
    """The live detectors on one message: (findings, alerts, evasion assessment); nothing
    when the channel has them off."""
    detectors = ctx.detectors
    if detectors is None:
        return (), (), None
    uid = req.actor.user_id
    user = ctx.users.get(uid)
    run = detectors.check_evasion if detectors.only_evasion else detectors.observe
    result = run(
        MessageContext(
            channel_id=ctx.channel.id,
            user_id=uid,
            username=req.actor.username,
            text=text,
            at=now,
            role=role,
            account_created_at=None if user is None else user.created_at,
            email_verified=bool(user and user.email_verified),
            phone_verified=bool(user and user.phone_verified),
            followed_at=None if member is None else member.followed_at,
            first_message_in_channel=first,
            fingerprints=tuple(f"{k}:{h}" for k, h in fps),
            harm=decision.harm,
            automod_action=decision.action,
            normalised=decision.normalised,
        )
    )
    return result.findings, result.alerts, result.evasion


def _outcome(
    judged: Verdict, flag: Flag | None
) -> tuple[Override | None, str | None, str | None, str | None]:
    """The message's (status, reason, detail for the sender, mod-log action) from the verdict
    and the sender's flag: held or blocked by the verdict, else restricted by the flag."""
    if judged.status == "held":
        detail = "Your message is being checked by the moderators and has not been sent yet."
        return "held", "held_for_review", detail, "detection.hold"
    if judged.status == "blocked":
        detail = f"Your message was not sent: {judged.explanation}."
        return "blocked", "detection", detail, f"detection.{judged.action.kind.value}"
    if flag is not None and flag.status == "restricted":
        return "restricted", None, None, None
    return None, None, None, None


# -- the steps of ``_flag`` -----------------------------------------------------------------------


def _upgrades(row: FlagRow, evasion: EvasionAssessment | None, settings: DetectionSettings) -> bool:
    """An automatic "monitored" flag that the detector now scores stricter."""
    return (
        row.source == "auto"
        and row.status == "monitored"
        and evasion is not None
        and evasion.level == "likely"
        and settings.detectors.evasion.likely_treatment == "restrict"
    )


def _stored_flag(row: FlagRow) -> Flag | None:
    """The treatment a stored flag calls for (a cleared flag: none)."""
    if row.status == "cleared":
        return None
    return Flag(
        row.status,
        (EVENTSUB_TYPE[row.source],),
        tuple(row.reasons or ()),
        row.evasion_level or "unknown",
        tuple(row.shared_channel_ids or ()),
    )


def _shared_flag(ctx: BatchContext, uid: int) -> tuple[Flag, dict[str, Any]] | None:
    """A new flag for a sender banned in channels that share ban information with this one."""
    treatment = ctx.state.settings.shared_bans.treatment
    shared = ctx.shared.get(uid)
    if not shared or treatment == "off":
        return None
    names = ", ".join(ctx.shared_names.get(c, str(c)) for c in shared)
    status: Literal["monitored", "restricted"] = (
        "restricted" if treatment == "restrict" else "monitored"
    )
    reasons = [f"banned in {names}, which share ban information with this channel"]
    flag = Flag(status, (EVENTSUB_TYPE["shared"],), tuple(reasons), "unknown", tuple(shared))
    return flag, {
        "status": status,
        "source": "shared",
        "reasons": reasons,
        "shared_channel_ids": list(shared),
    }


def _evasion_flag(
    settings: DetectionSettings, evasion: EvasionAssessment | None
) -> tuple[Flag, dict[str, Any]] | None:
    """A new flag for a likely or possible ban evader, as the channel's settings treat them."""
    if evasion is None or evasion.level not in ("likely", "possible"):
        return None
    cfg = settings.detectors.evasion
    treatment = cfg.likely_treatment if evasion.level == "likely" else cfg.possible_treatment
    if treatment == "off":
        return None
    status: Literal["monitored", "restricted"] = (
        "restricted" if treatment == "restrict" else "monitored"
    )
    reasons = [f"{evasion.level} ban evader (score {evasion.score:.2f})", *evasion.reasons]
    flag = Flag(status, (EVENTSUB_TYPE["auto"],), tuple(reasons), evasion.level)
    return flag, {
        "status": status,
        "source": "auto",
        "reasons": reasons,
        "evasion_level": evasion.level,
        "evasion_score": round(float(evasion.score), 4),
        "matched_user_id": evasion.matched_user_id,
    }


def _first_time_flag(state: DetectionState, role: Role, first: bool) -> Flag | None:
    """Shield Mode's "restrict first-time chatters" rule."""
    if (
        state.shield_active
        and first
        and state.preset.first_time_chatters == "restrict"
        and role not in _EXEMPT_FIRST_TIME
    ):
        return Flag("restricted", (), (FIRST_TIME_SHIELD,))
    return None
