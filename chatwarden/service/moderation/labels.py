"""Moderators' decisions as labels: recorded with each decision, exported as a dataset.

Every allow/deny of a held message and every delete, warn, timeout or ban of a delivered one
records what the moderator judged (1: a violation, 0: fine) with its provenance: who, when,
the model and settings versions, and the decision and text they saw. The label is written in
the moderator's own transaction by ``record_label_txn`` (so an action that fails leaves none);
an approved unban request marks the ban's labels reversed (``service/moderation/unban.py``),
and an undone timeout or ban (``undo=True``) its own label.
The learner reads them with ``store.labels.list_labels_txn``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from chatwarden.errors import Forbidden
from chatwarden.service.base import ServiceBase, effective_role
from chatwarden.service.chat.redact import redact, sees_private_terms
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor
from chatwarden.settings import AutoModSettings
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import labels as store
from chatwarden.store import messages as message_store
from chatwarden.store.channels import ChannelRow
from chatwarden.store.labels import LabelRow, Source

#: how far back a warn, timeout or ban looks for the message it reacted to
REACTION_WINDOW = timedelta(minutes=10)


def record_label_txn(
    conn: Connection,
    channel: ChannelRow,
    *,
    message_pk: int,
    sender_id: int,
    text: str,
    decision: Mapping[str, Any] | None,
    label: int,
    source: Source,
    moderator_id: int,
    mod_log_id: int | None,
    now: datetime,
) -> int | None:
    """Store the label of one moderator decision on one message; the label's id, or None
    when the message teaches nothing about the channel's norms and is skipped: the moderator's
    own, or a sender AutoMod exempts (moderators and up, VIPs where exempt) either when the
    message was sent (the stored decision says so) or now (roles change; a moderator's
    message judged by the owner is a matter between the team, not an example for the model)."""
    if sender_id == moderator_id:
        return None
    decision = dict(decision or {})
    if decision.get("exempt"):
        return None
    member = channel_store.get_member_txn(conn, channel.id, sender_id)
    settings = AutoModSettings.from_mapping(dict(channel.automod_settings))
    if settings.is_exempt(effective_role(channel, sender_id, member)):
        return None
    return store.insert_label_txn(
        conn,
        channel_id=channel.id,
        message_id=message_pk,
        sender_id=sender_id,
        label=label,
        source=source,
        moderator_id=moderator_id,
        mod_log_id=mod_log_id,
        created_at=now,
        model_version=str(decision.get("model_version") or ""),
        settings_version=str(decision.get("settings_version") or ""),
        decision=decision,
        text=text,
    )


def label_reaction_txn(
    conn: Connection,
    channel: ChannelRow,
    user_id: int,
    *,
    source: Source,
    moderator_id: int,
    mod_log_id: int,
    now: datetime,
) -> int | None:
    """Label 1 on ``user_id``'s message shown in chat most recently, within
    ``REACTION_WINDOW``, for a warn, timeout or ban: a moderator acts on a person because of
    what they just wrote, and that message is the one the moderator reacted to. Nothing shown
    that recently (a ban for old history, or for the name): no label, rather than a guess."""
    msg = message_store.latest_shown_txn(conn, channel.id, user_id, now - REACTION_WINDOW)
    if msg is None:
        return None
    return record_label_txn(
        conn,
        channel,
        message_pk=msg.id,
        sender_id=user_id,
        text=msg.text,
        decision=msg.decision,
        label=1,
        source=source,
        moderator_id=moderator_id,
        mod_log_id=mod_log_id,
        now=now,
    )


def reverse_ban_labels_txn(
    conn: Connection, channel_id: int, user_id: int, *, moderator_id: int, now: datetime
) -> int:
    """An approved unban request takes back the user's latest ban here, and with it the
    judgement of the message(s) that ban labelled: their labels (the ban's, and any other on
    the same message) are marked reversed, not deleted, so the record of what happened stays.
    Returns how many labels were marked."""
    bans = audit.list_entries_txn(conn, channel_id, action="ban", target_user_id=user_id, limit=1)
    if not bans:
        return 0
    return store.reverse_entry_labels_txn(
        conn, bans[0].id, at=now, by=moderator_id, reversal="unban.approved"
    )


def reverse_undone_labels_txn(
    conn: Connection,
    channel_id: int,
    user_id: int,
    action: str,
    *,
    moderator_id: int,
    now: datetime,
) -> int | None:
    """A moderator undid the user's latest ``action`` ("timeout" or "ban") here (Mod View's
    Undo): it was a mistake, so the label that action wrote is marked reversed (reversal
    "undone") and the learner no longer reads it; others' labels on the message stay. Returns
    the undone entry's mod-log id, or None when there is none."""
    latest = audit.list_entries_txn(
        conn, channel_id, action=action, target_user_id=user_id, limit=1
    )
    if not latest:
        return None
    store.reverse_own_labels_txn(conn, latest[0].id, at=now, by=moderator_id, reversal="undone")
    return latest[0].id


def export_line(row: LabelRow, channel_name: str, *, reveal_private: bool) -> str:
    """One label as a JSON line for training: the text and the moderators' verdict, the
    model's scores when it was judged and the versions that produced them. No user ids: a
    dataset needs what was said and how it was judged, not who said or judged it."""
    record = {
        "channel": channel_name,
        "message_id": row.message_public_id,
        "text": row.text,
        "label": row.label,
        "source": row.source,
        "categories": row.decision.get("categories", {}),
        "harm": row.decision.get("harm"),
        "model_version": row.model_version,
        "settings_version": row.settings_version,
        "rules_version": row.decision.get("rules_version"),
        "created_at": row.created_at.isoformat(),
        "reversed": row.reversed_at is not None,
    }
    return json.dumps(redact(record, reveal_private), ensure_ascii=False, sort_keys=True)


class LabelService(ServiceBase):
    def export_labels(
        self, actor: Actor, channel_id: int, *, include_reversed: bool = False
    ) -> tuple[str, int]:
        """The channel's labels as JSON lines (the owner and lead moderators: the dataset
        holds every judged message, hidden or not): ``(text, labels)``. The settings
        version is hidden from all but the owner, as everywhere (``redact``)."""
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            role = self.require_txn(conn, actor, channel, Permission.EXPORT_LABELS)
            rows = store.list_labels_txn(conn, channel_id, include_reversed=include_reversed)
        reveal = sees_private_terms(actor, role)
        return _jsonl(rows, channel.name, reveal), len(rows)

    def export_labels_local(
        self, channel_id: int, *, include_reversed: bool = False
    ) -> tuple[str, int]:
        """Unchecked, nothing hidden: for the local ``chatwarden export labels`` command only
        (its operator holds the database)."""
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            rows = store.list_labels_txn(conn, channel_id, include_reversed=include_reversed)
        return _jsonl(rows, channel.name, True), len(rows)

    def delete_user_labels(self, actor: Actor, user_id: int) -> int:
        """Remove a user's messages from every label dataset (the user themselves or a site
        admin), and their name from the labels they gave as a moderator. Returns how many
        labels were deleted."""
        if actor.user_id != user_id and not actor.is_admin:
            raise Forbidden("only the user themselves or a site admin can delete their labels")
        with self.transaction() as out:
            self.user_txn(out.conn, user_id)
            deleted = store.delete_sender_labels_txn(out.conn, user_id)
            store.forget_moderator_txn(out.conn, user_id)
        return deleted


def _jsonl(rows: list[LabelRow], channel_name: str, reveal_private: bool) -> str:
    return "".join(
        export_line(row, channel_name, reveal_private=reveal_private) + "\n" for row in rows
    )
