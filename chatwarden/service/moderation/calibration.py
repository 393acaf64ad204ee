"""Team calibration in Mod View: the team's disagreements and workload, and settling one.

The report (``analytics/calibration.py`` defines it) reads the held messages moderators decided
and their user actions over the last ``days`` days. Any moderator may read it: calibration is
the team's business, not only the lead's. Settling a disagreement is a lead moderator's call: it
becomes a channel rule, a blocked term (the team denies such messages) or a permitted term (the
team allows them) with the message's words, through the same service that adds terms by hand,
and the settlement is in the mod log beside the term it added.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from chatwarden.analytics.calibration import (
    CalibrationReport,
    DecidedHold,
    Disagreement,
    UserAction,
    Workload,
    calibrate,
)
from chatwarden.analytics.text import normalise
from chatwarden.errors import InputError, NotFound
from chatwarden.service.base import Deps, ServiceBase
from chatwarden.service.moderation.automod_settings import AutoModSettingsService
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, ChannelTerm
from chatwarden.store import audit
from chatwarden.store import review as review_store
from chatwarden.store.audit import ModLogRow
from chatwarden.store.review import ReviewItemRow

#: the user actions the report counts (automatic ones, without a moderator, are left out)
USER_ACTIONS = ("warn", "timeout", "ban", "delete")
#: a term is at most this long (``pipeline.terms``: Twitch's limit)
_TERM_MAX = 500


def _hold(row: ReviewItemRow) -> DecidedHold:
    # the decided list joins the resolver and filters on the decision time: both are set
    assert row.resolved_by is not None and row.resolved_at is not None
    return DecidedHold(
        item_id=row.id,
        message_id=row.public_id,
        sender_id=row.sender_id,
        sender_name=row.sender_name,
        text=row.text,
        verdict="allowed" if row.status == "allowed" else "denied",
        moderator_id=row.resolved_by,
        moderator_name=str(row.resolver_name),
        held_at=row.held_at,
        decided_at=row.resolved_at,
    )


def _action(row: ModLogRow, moderator_id: int) -> UserAction:
    return UserAction(
        action=str(row.action),
        target_user_id=row.target_user_id,
        moderator_id=moderator_id,
        moderator_name=str(row.actor_name),
        at=row.created_at,
    )


def term_text(text: str) -> str:
    """The words of a message as a term: normalised, without wildcards, within the length
    limit (cut at a word)."""
    words = normalise(text.replace("*", " ")).split()
    out = ""
    for word in words:
        nxt = f"{out} {word}" if out else word
        if len(nxt) > _TERM_MAX:
            break
        out = nxt
    if len(out) < 2:
        raise InputError("this message has no words to make a term of")
    return out


class CalibrationService(ServiceBase):
    def __init__(self, deps: Deps, automod: AutoModSettingsService) -> None:
        super().__init__(deps)
        self._automod = automod

    def report(self, actor: Actor, channel_id: int, *, days: int = 7) -> CalibrationReport:
        """Disagreements and workload over the last ``days`` days (1-90)."""
        if not 1 <= days <= 90:
            raise InputError(f"days must be between 1 and 90, got {days}")
        since = self.clock.now() - timedelta(days=days)
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_MOD_LOG)
            decided = review_store.list_decided_since_txn(conn, channel_id, since)
            actions = audit.list_actions_since_txn(conn, channel_id, since, USER_ACTIONS)
        return calibrate(
            [_hold(r) for r in decided],
            [_action(r, r.actor_id) for r in actions if r.actor_id is not None],
        )

    def settle(
        self, actor: Actor, channel_id: int, item_id: int, verdict: Literal["allow", "deny"]
    ) -> ChannelTerm:
        """Make the team's verdict on a decided held message a channel rule: ``deny`` blocks
        messages with its words, ``allow`` permits them."""
        if verdict not in ("allow", "deny"):
            raise InputError(f"verdict must be 'allow' or 'deny', got {verdict!r}")
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.UPDATE_AUTOMOD_SETTINGS)
            row = review_store.get_item_txn(conn, item_id)
        if row is None or row.channel_id != channel_id:
            raise NotFound(f"no review item with id {item_id} in this channel")
        kind: Literal["blocked", "permitted"] = "blocked" if verdict == "deny" else "permitted"
        term = self._automod.add_term(actor, channel_id, term_text(row.text), kind=kind)
        with self.transaction() as out:
            audit.append_txn(
                out.conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="calibration.settle",
                created_at=out.now,
                target_user_id=row.sender_id,
                message_id=row.public_id,
                details={"review_item_id": item_id, "verdict": verdict, "term_id": term.id},
            )
        return term


def report_to_dict(report: CalibrationReport) -> dict[str, Any]:
    """The report as the API returns it."""
    return {
        "disagreements": [_disagreement(d) for d in report.disagreements],
        "workload": [_workload(w) for w in report.workload],
    }


def _held(h: DecidedHold) -> dict[str, Any]:
    return {
        "item_id": h.item_id,
        "message_id": h.message_id,
        "sender_id": h.sender_id,
        "sender_name": h.sender_name,
        "text": h.text,
        "verdict": h.verdict,
        "moderator_name": h.moderator_name,
        "decided_at": h.decided_at.isoformat(),
    }


def _disagreement(d: Disagreement) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "explanation": d.explanation,
        "at": d.at.isoformat(),
        "first": _held(d.first),
        "second": None if d.second is None else _held(d.second),
        "action": None
        if d.action is None
        else {
            "action": d.action.action,
            "moderator_name": d.action.moderator_name,
            "at": d.action.at.isoformat(),
        },
    }


def _workload(w: Workload) -> dict[str, Any]:
    return {
        "moderator_id": w.moderator_id,
        "moderator_name": w.moderator_name,
        "decisions": w.decisions,
        "allowed": w.allowed,
        "denied": w.denied,
        "actions": w.actions,
        "median_decision_s": w.median_decision_s,
    }
