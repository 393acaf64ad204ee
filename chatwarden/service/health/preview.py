"""Policy preview: "what would this AutoMod change have done to the last 7 days of chat?".

Reads the channel's stored messages in a window (capped, and the response says so), replays
them with the channel's current AutoMod settings and with the proposed ones through the replay
core (``chatwarden.replay``), proactive detection included (the channel's detection settings,
state built from the window's own messages), and returns the summary: counts, holds by
category, what detection did, the top triggering words and the messages whose outcome differs.
Nothing is stored or sent. The stored messages already passed the chat rules, so no chat mode
is simulated here.

Also the export of a channel's stored history as ChatWarden JSON lines (the replay format).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from chatwarden.detect.settings import DetectionSettings
from chatwarden.errors import ConfigError, InputError, RateLimited
from chatwarden.model import Model
from chatwarden.replay import (
    ChatModes,
    ChatRecord,
    ParsedLog,
    ReplayRun,
    ReplaySettings,
    Variant,
    build_summary,
    replay_records,
)
from chatwarden.replay.detection import NOT_SIMULATED as DETECTION_NOT_SIMULATED
from chatwarden.replay.formats.jsonl import NAME as JSONL_FORMAT
from chatwarden.replay.formats.jsonl import dump_line, recorded_outcome
from chatwarden.service.base import Deps, Membership, ServiceBase, effective_role
from chatwarden.service.chat.engines import channel_settings_txn, with_channel_state
from chatwarden.service.chat.redact import sees_private_terms
from chatwarden.service.detection.settings import load_state_txn
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, emote_set_of
from chatwarden.settings import AutoModSettings, Role
from chatwarden.store import channels as channel_store
from chatwarden.store import history as history_store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.history import HistoryRow

DEFAULT_DAYS = 7
MAX_DAYS = 30
#: the newest messages a preview replays (twice: current and proposed settings)
MAX_MESSAGES = 20_000
MAX_EXPORT_DAYS = 365
MAX_EXPORT_MESSAGES = 200_000
#: previews running at once in this process (each takes up to a few seconds of CPU)
MAX_CONCURRENT = 2
PROPOSAL_KEYS = ("overall_level", "levels", "vip_exempt", "add_terms")
#: replaying stored messages simulates no chat rule: they already passed them live
_NO_MODES = ChatModes(rate_limit_messages_per_30s=0)


def _member(row: HistoryRow) -> Membership | None:
    if row.member_role is None:  # no member row (the role column is never null)
        return None
    return Membership(row.member_role, bool(row.member_subscribed), row.member_followed_at)


def recorded_decision(row: HistoryRow) -> dict[str, Any]:
    """What the live chat decided for a stored message, as the export writes it: AutoMod's
    action, the status (now and when sent) and what detection did (effect ``none`` when it
    did nothing)."""
    decision = row.decision if isinstance(row.decision, dict) else {}
    action = decision.get("action")
    detection = decision.get("detection")
    effect, codes, explanation = "none", [], ""
    if isinstance(detection, dict):
        kind = (detection.get("action") or {}).get("kind")
        if isinstance(kind, str) and kind != "none":
            effect = kind
            codes = list(
                dict.fromkeys(
                    f["code"]
                    for f in detection.get("findings", [])
                    if (f.get("action") or {}).get("kind") == kind and f["detector"] != "evasion"
                )
            )
            explanation = str(detection.get("explanation") or "")
    out: dict[str, Any] = {
        "action": action if isinstance(action, str) else None,
        "status": row.status,
        "initial_status": row.initial_status,
        "detection": {"effect": effect, "codes": codes},
    }
    if explanation:
        out["detection"]["explanation"] = explanation
    return out


def _recorded(row: HistoryRow) -> tuple[str | None, str | None]:
    return recorded_outcome(recorded_decision(row))


def to_record(
    line: int, row: HistoryRow, channel: ChannelRow, role: Role | None = None
) -> ChatRecord:
    """A stored message as a replay record (role: the sender's role in the channel now)."""
    recorded, recorded_detection = _recorded(row)
    return ChatRecord(
        line=line,
        time=row.created_at,
        user=row.sender_name,
        text=row.text,
        channel=channel.name,
        user_id=str(row.sender_id),
        role=role if role is not None else effective_role(channel, row.sender_id, _member(row)),
        recorded=recorded,
        recorded_detection=recorded_detection,
    )


def to_records(rows: list[HistoryRow], channel: ChannelRow) -> list[ChatRecord]:
    """``to_record`` for many rows, working out each sender's role once."""
    roles: dict[int, Role] = {}
    out = []
    for i, row in enumerate(rows, start=1):
        sender = row.sender_id
        if sender not in roles:
            roles[sender] = effective_role(channel, sender, _member(row))
        out.append(to_record(i, row, channel, roles[sender]))
    return out


def proposed_settings(current: AutoModSettings, proposal: Mapping[str, Any]) -> AutoModSettings:
    """``current`` with the proposal applied the way ``update_settings`` applies a patch (an
    ``overall_level`` is a preset and resets ``levels``); ``add_terms`` adds terms."""
    if not isinstance(proposal, Mapping) or not proposal:
        raise InputError(f"give at least one setting to preview: {', '.join(PROPOSAL_KEYS)}")
    unknown = sorted(set(proposal) - set(PROPOSAL_KEYS))
    if unknown:
        raise InputError(f"unknown settings {unknown}; use {', '.join(PROPOSAL_KEYS)}")
    data = current.model_dump(mode="json")
    if proposal.get("overall_level") is not None:
        data["levels"] = {}
    data.update({k: v for k, v in proposal.items() if k != "add_terms"})
    extra = proposal.get("add_terms", [])
    if not isinstance(extra, list):
        raise InputError("add_terms must be a list of terms ({'text': ..., 'kind': ...})")
    data["terms"] = [*data["terms"], *extra]
    try:
        proposed = AutoModSettings.from_mapping(data, source="proposed settings")
    except ConfigError as exc:
        raise InputError(exc.message) from None
    return with_channel_state(proposed, current)


class PreviewService(ServiceBase):
    def __init__(self, deps: Deps, model: Model) -> None:
        super().__init__(deps)
        self.model = model
        self._slots = threading.BoundedSemaphore(MAX_CONCURRENT)

    def preview(
        self,
        actor: Actor,
        channel_id: int,
        proposal: Mapping[str, Any],
        *,
        days: int = DEFAULT_DAYS,
        samples: int = 25,
    ) -> dict[str, Any]:
        """Replay the last ``days`` of the channel's chat with its current and the proposed
        AutoMod settings (moderators and up); see the module docstring."""
        _check_window(days, samples)
        until = self.clock.now()
        since = until - timedelta(days=days)
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.PREVIEW_AUTOMOD)
            terms = channel_store.list_terms_txn(conn, channel_id, now=until)
            current = channel_settings_txn(conn, channel, terms)
            detection = load_state_txn(conn, channel_id).settings
            total, rows = self._window_txn(conn, channel_id, since, until, MAX_MESSAGES)
            # senders who chatted before the window are not first-time chatters (detection)
            known = (
                history_store.senders_before_txn(
                    conn, channel_id, [r.sender_id for r in rows], rows[0].created_at
                )
                if rows and detection.enabled
                else set()
            )
        proposed = proposed_settings(current, proposal)
        log = ParsedLog(JSONL_FORMAT, total=len(rows))
        log.records = to_records(rows, channel)
        variants = _variants(self.model, channel, current, proposed, detection)
        runs = self._replay(log, variants, {(channel.name, str(uid)) for uid in known})
        reveal = sees_private_terms(actor, role)
        summary = build_summary(
            log,
            runs,
            variants,
            source=f"#{channel.name}, last {days} days",
            samples=samples,
            reveal_private=reveal,
        )
        return {
            "channel": channel.name,
            "window": _window(days, since, until, total, len(rows)),
            "proposed_settings": proposed.model_dump(mode="json", exclude={"terms"}),
            "added_terms": [
                t.model_dump(mode="json") for t in proposed.terms[len(current.terms) :]
            ],
            "current": summary["runs"][0],
            "proposed": summary["runs"][1],
            "comparison": summary["comparison"],
            "not_simulated": [
                "chat modes and rate limits (the stored messages already passed them)",
                "roles are the senders' roles now, not when they chatted",
                *(DETECTION_NOT_SIMULATED if detection.enabled else ["proactive detection (off)"]),
            ],
        }

    def _replay(
        self, log: ParsedLog, variants: list[Variant], known: set[tuple[str, str]]
    ) -> list[ReplayRun]:
        """Replay the records with each variant; at most ``MAX_CONCURRENT`` at once (else
        ``RateLimited``)."""
        if not self._slots.acquire(blocking=False):
            raise RateLimited(
                f"{MAX_CONCURRENT} previews are already running; try again in a few seconds", 5.0
            )
        try:
            return replay_records(log.records, variants, known_chatters=known)
        finally:
            self._slots.release()

    # -- export --------------------------------------------------------------------------------

    def export_history(
        self, actor: Actor, channel_id: int, *, days: int = DEFAULT_DAYS
    ) -> tuple[str, int, bool]:
        """The last ``days`` of stored chat as ChatWarden JSON lines (moderators and up):
        ``(text, messages, capped)``."""
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.EXPORT_CHAT_HISTORY)
        return self.export_history_local(channel_id, days=days)

    def export_history_local(
        self, channel_id: int, *, days: int = DEFAULT_DAYS, limit: int = MAX_EXPORT_MESSAGES
    ) -> tuple[str, int, bool]:
        """Unchecked: for the local ``chatwarden export`` command only."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXPORT_DAYS:
            raise InputError(f"days must be 1-{MAX_EXPORT_DAYS}, got {days!r}")
        if not 1 <= limit <= MAX_EXPORT_MESSAGES:
            raise InputError(f"limit must be 1-{MAX_EXPORT_MESSAGES}, got {limit!r}")
        until = self.clock.now()
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            total, rows = self._window_txn(
                conn, channel_id, until - timedelta(days=days), until, limit
            )
        lines = []
        for row, record in zip(rows, to_records(rows, channel), strict=True):
            # the decision recorded live, detection included
            lines.append(
                dump_line(
                    time=record.time.isoformat(),
                    channel=record.channel,
                    user=record.user,
                    user_id=record.user_id,
                    text=record.text,
                    role=record.role.value if record.role else None,
                    decision=recorded_decision(row),
                )
            )
        return "".join(line + "\n" for line in lines), len(rows), total > len(rows)

    @staticmethod
    def _window_txn(
        conn: Connection, channel_id: int, since: datetime, until: datetime, limit: int
    ) -> tuple[int, list[HistoryRow]]:
        total = history_store.count_history_txn(conn, channel_id, since=since, until=until)
        rows = history_store.history_txn(conn, channel_id, since=since, until=until, limit=limit)
        return total, rows


__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "MAX_MESSAGES", "PreviewService", "proposed_settings"]


def _check_window(days: int, samples: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InputError(f"days must be 1-{MAX_DAYS}, got {days!r}")
    if not isinstance(samples, int) or not 0 <= samples <= 100:
        raise InputError(f"samples must be 0-100, got {samples!r}")


def _variants(
    model: Model,
    channel: ChannelRow,
    current: AutoModSettings,
    proposed: AutoModSettings,
    detection: DetectionSettings,
) -> list[Variant]:
    """The current and the proposed settings as replay variants (no chat modes)."""
    # the channel's emotes matter to detection (spam filters, waves) even with no mode on
    modes = _NO_MODES.model_copy(update={"emote_set": emote_set_of(channel) or ()})
    return [
        Variant("current", ReplaySettings(current, modes, "current settings", detection), model),
        Variant("proposed", ReplaySettings(proposed, modes, "proposed", detection), model),
    ]


def _window(
    days: int, since: datetime, until: datetime, total: int, replayed: int
) -> dict[str, Any]:
    """The replayed window as the preview reports it."""
    return {
        "days": days,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "messages_in_window": total,
        "messages_replayed": replayed,
        "capped": total > replayed,
        "max_messages": MAX_MESSAGES,
        "max_days": MAX_DAYS,
    }
