"""The labels store on both databases: typed rows in time order, reversal by a mod-log entry,
deletion by sender, and the cascades from messages and users."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from chatwarden.store import accounts, audit, channels, labels, messages
from chatwarden.store.engine import Database
from chatwarden.store.labels import LabelRow, Source
from chatwarden.store.schema import messages as message_table
from chatwarden.store.schema import users

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DECISION = {
    "harm": 0.91,
    "categories": {"bullying": 0.88},
    "reasons": [],
    "model_version": "tier1-abc",
    "settings_version": "s-123",
}


@dataclass
class World:
    db: Database
    channel: int
    other_channel: int
    amy: int  # sender
    bob: int  # sender
    mod: int
    ban_entry: int


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    db = Database(database_url)
    with db.write() as conn:
        amy, bob, mod = (
            accounts.insert_user_txn(conn, username=name, password_hash="x", created_at=NOW)
            for name in ("amy", "bob", "mod")
        )
        here, there = (
            channels.insert_channel_txn(
                conn,
                name=name,
                owner_id=mod,
                created_at=NOW,
                chat_settings={},
                automod_settings={},
            )
            for name in ("here", "there")
        )
        entry = audit.append_txn(
            conn, channel_id=here, actor_id=mod, action="ban", created_at=NOW, target_user_id=amy
        )
    yield World(db, here, there, amy, bob, mod, entry)
    db.dispose()


def _message(conn: sa.Connection, channel_id: int, sender_id: int, text: str) -> int:
    return messages.insert_message_txn(
        conn,
        public_id=str(uuid.uuid4()),
        channel_id=channel_id,
        sender_id=sender_id,
        text=text,
        status="delivered",
        initial_status="delivered",
        created_at=NOW,
        delivered_at=NOW,
        decision=DECISION,
    )


def _label(
    conn: sa.Connection,
    w: World,
    message_pk: int,
    sender_id: int,
    *,
    label: int = 1,
    source: Source = "action.delete",
    channel_id: int | None = None,
    at: datetime = NOW,
    mod_log_id: int | None = None,
    text: str = "text",
) -> int:
    return labels.insert_label_txn(
        conn,
        channel_id=w.channel if channel_id is None else channel_id,
        message_id=message_pk,
        sender_id=sender_id,
        label=label,
        source=source,
        moderator_id=w.mod,
        mod_log_id=mod_log_id,
        created_at=at,
        model_version="tier1-abc",
        settings_version="s-123",
        decision=DECISION,
        text=text,
    )


def test_labels_come_back_typed_in_time_order_with_their_provenance(world: World) -> None:
    w = world
    with w.db.write() as conn:
        m1 = _message(conn, w.channel, w.amy, "you absolute clown")
        m2 = _message(conn, w.channel, w.bob, "gg wp")
        m3 = _message(conn, w.other_channel, w.amy, "elsewhere")
        late = _label(conn, w, m1, w.amy, at=NOW + timedelta(minutes=5), text="you absolute clown")
        early = _label(conn, w, m2, w.bob, label=0, source="review.allow", text="gg wp")
        _label(conn, w, m3, w.amy, channel_id=w.other_channel)
        first = messages.get_message_by_pk_txn(conn, m1)
        assert first is not None
        public_id = first.public_id
    with w.db.read() as conn:
        rows = labels.list_labels_txn(conn, w.channel)
        assert [r.id for r in rows] == [early, late]
        assert all(isinstance(r, LabelRow) for r in rows)
        row = rows[1]
        assert (row.channel_id, row.message_id, row.message_public_id) == (w.channel, m1, public_id)
        assert (row.sender_id, row.label, row.source) == (w.amy, 1, "action.delete")
        assert (row.moderator_id, row.created_at) == (w.mod, NOW + timedelta(minutes=5))
        assert (row.model_version, row.settings_version) == ("tier1-abc", "s-123")
        assert row.decision == DECISION and row.text == "you absolute clown"
        assert (row.reversed_at, row.reversed_by, row.reversal) == (None, None, None)
        assert rows[0].label == 0 and rows[0].source == "review.allow"
        since = labels.list_labels_txn(conn, w.channel, since=NOW + timedelta(minutes=1))
        assert [r.id for r in since] == [late]
        assert [r.id for r in labels.list_labels_txn(conn, w.channel, limit=1)] == [early]


@pytest.mark.parametrize(
    ("label", "source", "error"),
    [
        (2, "action.delete", "label must be 0 or 1"),
        (True, "action.delete", "label must be 0 or 1"),
        (1, "action.purge", "unknown label source"),
    ],
)
def test_only_binary_labels_from_known_sources_are_stored(
    world: World, label: Any, source: Any, error: str
) -> None:
    w = world
    with pytest.raises(ValueError, match=error), w.db.write() as conn:
        _label(conn, w, _message(conn, w.channel, w.amy, "x"), w.amy, label=label, source=source)


def test_reversing_an_entry_marks_every_label_on_its_messages_and_nothing_else(
    world: World,
) -> None:
    w = world
    with w.db.write() as conn:
        banned_for = _message(conn, w.channel, w.amy, "the message the ban was for")
        other = _message(conn, w.channel, w.amy, "an earlier one")
        by_ban = _label(conn, w, banned_for, w.amy, source="action.ban", mod_log_id=w.ban_entry)
        by_delete = _label(conn, w, banned_for, w.amy, source="action.delete")
        untouched = _label(conn, w, other, w.amy, source="action.timeout")
        later = NOW + timedelta(hours=1)
        n = labels.reverse_entry_labels_txn(
            conn, w.ban_entry, at=later, by=w.mod, reversal="unban.approved"
        )
        assert n == 2
        # a second reversal finds nothing left to reverse (the first one's time stays)
        again = labels.reverse_entry_labels_txn(
            conn, w.ban_entry, at=later + timedelta(hours=1), by=w.bob, reversal="unban.approved"
        )
        assert again == 0
    with w.db.read() as conn:
        assert [r.id for r in labels.list_labels_txn(conn, w.channel)] == [untouched]
        rows = {r.id: r for r in labels.list_labels_txn(conn, w.channel, include_reversed=True)}
    assert set(rows) == {by_ban, by_delete, untouched}
    for label_id in (by_ban, by_delete):
        assert (rows[label_id].reversed_at, rows[label_id].reversed_by) == (later, w.mod)
        assert rows[label_id].reversal == "unban.approved"


def test_deleting_a_senders_labels_removes_them_in_every_channel_only(world: World) -> None:
    w = world
    with w.db.write() as conn:
        _label(conn, w, _message(conn, w.channel, w.amy, "a"), w.amy)
        _label(
            conn, w, _message(conn, w.other_channel, w.amy, "b"), w.amy, channel_id=w.other_channel
        )
        kept = _label(conn, w, _message(conn, w.channel, w.bob, "c"), w.bob)
        assert labels.delete_sender_labels_txn(conn, w.amy) == 2
    with w.db.read() as conn:
        assert [r.id for r in labels.list_labels_txn(conn, w.channel)] == [kept]
        assert labels.list_labels_txn(conn, w.other_channel) == []


def test_forgetting_a_moderator_keeps_their_labels_without_their_name(world: World) -> None:
    w = world
    with w.db.write() as conn:
        first = _label(
            conn, w, _message(conn, w.channel, w.amy, "a"), w.amy, mod_log_id=w.ban_entry
        )
        labels.reverse_entry_labels_txn(
            conn, w.ban_entry, at=NOW, by=w.mod, reversal="unban.approved"
        )
        assert labels.forget_moderator_txn(conn, w.mod) == 2  # moderator, then reverser
    with w.db.read() as conn:
        [row] = labels.list_labels_txn(conn, w.channel, include_reversed=True)
    assert (row.id, row.moderator_id, row.reversed_by) == (first, None, None)
    assert row.reversed_at == NOW


def test_labels_go_with_their_message_and_their_sender(world: World) -> None:
    w = world
    with w.db.write() as conn:
        gone = _message(conn, w.channel, w.amy, "deleted with its message")
        _label(conn, w, gone, w.amy)
        _label(conn, w, _message(conn, w.channel, w.bob, "deleted with bob"), w.bob)
        conn.execute(sa.delete(message_table).where(message_table.c.id == gone))
        conn.execute(sa.delete(users).where(users.c.id == w.bob))
    with w.db.read() as conn:
        assert labels.list_labels_txn(conn, w.channel, include_reversed=True) == []
