"""Context for moderators: a held message scored with who wrote it, to whom, and what came before.

Information only. Measured on the dev set, context did not improve the all-violations AUC
(``bench/context.py``), so it never changes what AutoMod decides: the score and its sentences
("repeats own message (3rd time in 40 s)", "after 1 warning in this channel") ride with the
review item for a moderator to read.

The facts are the ones replay uses (``replay/context.py``), read from the store: the sender's
last ``OWN_LINES`` messages in the channel within ``OWN_WINDOW_S`` (any status, each with the
harm of its stored decision), the channel's last ``CHAT_LINES`` delivered lines within
``CHAT_WINDOW_S``, the sender's record (warnings, timeouts, lifted bans and denied holds from
the mod log; account and follow age) and the roles of the users the message @mentions. Two
statements per held message (``store/context.py``); a delivered message costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from sqlalchemy.engine import Connection

from chatwarden.categories import SEVERE
from chatwarden.context import (
    ChatLine,
    Context,
    ContextScore,
    OwnMessage,
    Record,
    combine,
    score_decision,
    signals,
)
from chatwarden.context.facts import addressees
from chatwarden.decision import Decision
from chatwarden.store import context as store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.messages import MessageRow

__all__ = [
    "CHAT_LINES",
    "CHAT_WINDOW_S",
    "OWN_LINES",
    "OWN_WINDOW_S",
    "add_context_txn",
    "context_dict",
    "context_txn",
    "message_context_txn",
    "public_context",
]

#: the sender's own lines a context holds: the last 10 in ten minutes (the longest signal
#: window is five minutes; the rest is what a moderator scrolls back to)
OWN_LINES: Final = 10
OWN_WINDOW_S: Final = 600.0
#: the chat before the message: its last 20 delivered lines in two minutes (a screenful)
CHAT_LINES: Final = 20
CHAT_WINDOW_S: Final = 120.0
#: @mentions looked up for the streamer and moderators (a message naming more is rare)
MAX_ADDRESSED: Final = 5
_T = TypeVar("_T", OwnMessage, ChatLine)
_STAFF = {"owner": "broadcaster", "lead_moderator": "moderator", "moderator": "moderator"}


def context_txn(
    conn: Connection,
    channel: ChannelRow,
    sender_id: int,
    text: str,
    now: datetime,
    *,
    before_id: int | None = None,
    earlier: Sequence[Mapping[str, Any]] = (),
) -> Context:
    """The ``Context`` of a message ``sender_id`` sends (or sent) with ``text`` at ``now``.

    ``before_id``: a stored message's id (only lines before it count); ``earlier``: message
    rows of the same batch sent before it, not yet stored (``channel_id``, ``sender_id``,
    ``text``, ``status``, ``decision``)."""
    cid = int(channel.id)
    lines = store.recent_lines_txn(
        conn,
        cid,
        sender_id,
        own_since=now - timedelta(seconds=OWN_WINDOW_S),
        own_limit=OWN_LINES,
        chat_since=now - timedelta(seconds=CHAT_WINDOW_S),
        chat_limit=CHAT_LINES,
        before_id=before_id,
    )
    named = addressees(text)[:MAX_ADDRESSED]
    record = store.sender_record_txn(conn, cid, int(channel.owner_id), sender_id, named)
    own: list[OwnMessage] = []
    chat: list[ChatLine] = []
    for line in lines:
        before = max(0.0, (now - line.created_at).total_seconds())
        if line.own:
            own.append(OwnMessage(line.text, before, line.harm))
        else:
            chat.append(ChatLine(str(line.sender_id), line.text, before))
    for row in earlier:  # the batch's earlier messages: sent at the same moment
        if row["channel_id"] != cid:
            continue
        harm = (row.get("decision") or {}).get("harm")
        if row["sender_id"] == sender_id:
            own.append(OwnMessage(row["text"], 0.0, None if harm is None else float(harm)))
        if row["status"] == "delivered":
            chat.append(ChatLine(str(row["sender_id"]), row["text"], 0.0))
    staff = {login: _STAFF[role] for login, role in record.roles.items() if role in _STAFF}
    return Context(
        user=str(sender_id),
        history=_newest(own, OWN_LINES),
        record=_record(record, now),
        chat_before=_newest(chat, CHAT_LINES),
        broadcaster=next((n for n, r in staff.items() if r == "broadcaster"), None),
        moderators=frozenset(n for n, r in staff.items() if r == "moderator"),
    )


def _newest(lines: list[_T], limit: int) -> tuple[_T, ...]:
    """The ``limit`` newest of ``lines`` (the batch's own rows come after the stored ones)."""
    return tuple(sorted(lines, key=lambda line: line.seconds_before)[:limit])


def _record(record: store.SenderRecord, now: datetime) -> Record:
    counts = record.counts
    created, followed = record.account_created_at, record.followed_at
    return Record(
        warnings=counts.get("warn", 0),
        timeouts=counts.get("timeout", 0),
        bans_lifted=counts.get("unban", 0),
        denied_holds=counts.get("automod.deny", 0),
        account_age_s=None if created is None else (now - created).total_seconds(),
        follow_age_s=None if followed is None else (now - followed).total_seconds(),
    )


def context_dict(scored: ContextScore) -> dict[str, Any]:
    """What is stored with a held message: ``score`` (the context's risk that moderators act,
    ``ContextScore.risk``), the context's ``harm``, the message-only harm, the signals and the
    sentences a moderator reads."""
    full = scored.to_dict()
    return {
        "score": full["risk"],
        "harm": full["harm"],
        "message_harm": full["message_harm"],
        "signals": full["signals"],
        "explanations": full["explanations"],
    }


def public_context(stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The queue's view of a stored context: ``{score, explanations}`` (``None``: the message
    was held before contexts were kept)."""
    if not stored:
        return None
    return {"score": stored.get("score"), "explanations": list(stored.get("explanations", []))}


def add_context_txn(
    conn: Connection,
    batch: Sequence[tuple[ChannelRow, Decision, dict[str, Any]]],
    now: datetime,
) -> None:
    """Score every held message of a batch about to be stored with its context, into its
    row's decision (``decision["context"]``, ``context_dict``). ``batch``: each message's
    channel, AutoMod's decision and its row (``status``, ``sender_id``, ``text``,
    ``decision``). Rows not held are not read for, so a delivered message runs no query."""
    rows = [row for _, _, row in batch]
    for n, (channel, decision, row) in enumerate(batch):
        if row["status"] != "held":
            continue
        context = context_txn(
            conn, channel, int(row["sender_id"]), row["text"], now, earlier=rows[:n]
        )
        scored = score_decision(decision, context)
        row["decision"] = {**row["decision"], "context": context_dict(scored)}


def message_context_txn(
    conn: Connection, channel: ChannelRow, row: MessageRow
) -> dict[str, Any] | None:
    """The context of a stored message, as the user card shows it: ``{message_id,
    score, explanations}`` as of when it was sent. A held message's stored context is reused;
    any other is scored now (two reads), from its stored decision. ``None``: no decision."""
    decision = row.decision
    if not decision:
        return None
    stored = decision.get("context")
    if stored is None:
        context = context_txn(
            conn,
            channel,
            int(row.sender_id),
            row.text,
            row.created_at,
            before_id=int(row.id),
        )
        categories = {k: float(v) for k, v in (decision.get("categories") or {}).items()}
        held_severe = any(
            r.get("kind") == "category" and r.get("category") in SEVERE
            for r in decision.get("reasons", [])
        )
        scored = combine(
            float(decision.get("harm") or 0.0),
            categories,
            signals(row.text, context),
            held_severe=held_severe,
        )
        stored = context_dict(scored)
    public = public_context(stored)
    assert public is not None
    return {"message_id": row.public_id, **public}
