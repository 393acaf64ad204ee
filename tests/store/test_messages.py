"""Idempotency keys: which (sender, key) pairs already name a message, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from chatwarden.store import accounts, channels, messages
from chatwarden.store.engine import Database

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _message(channel_id: int, sender_id: int, key: str | None) -> dict[str, object]:
    return {
        "public_id": str(uuid.uuid4()),
        "channel_id": channel_id,
        "sender_id": sender_id,
        "text": f"hello {key}",
        "status": "delivered",
        "initial_status": "delivered",
        "idempotency_key": key,
        "created_at": NOW,
        "delivered_at": NOW,
        "decision": {},
    }


def test_taken_keys_are_exactly_the_stored_pairs_of_that_channel(database_url: str) -> None:
    db = Database(database_url)
    odd_keys = ["k1", "with 'quote'", 'and "double"', "ünï €", "[1,2]", "x" * 64]
    with db.write() as conn:
        amy = accounts.insert_user_txn(conn, username="amy", password_hash="x", created_at=NOW)
        bob = accounts.insert_user_txn(conn, username="bob", password_hash="x", created_at=NOW)
        here, there = (
            channels.insert_channel_txn(
                conn,
                name=name,
                owner_id=amy,
                created_at=NOW,
                chat_settings={},
                automod_settings={},
            )
            for name in ("here", "there")
        )
        rows = [_message(here, amy, key) for key in odd_keys]
        rows += [_message(here, bob, "k2"), _message(there, bob, "k1"), _message(here, bob, None)]
        messages.insert_messages_txn(conn, rows)
    asked = [(amy, key) for key in odd_keys] + [(bob, "k1"), (bob, "k2"), (amy, "k2"), (amy, "k3")]
    with db.read() as conn:
        taken = messages.taken_idempotency_keys_txn(conn, here, asked + asked[:3])
        assert taken == {(amy, key) for key in odd_keys} | {(bob, "k2")}
        assert messages.taken_idempotency_keys_txn(conn, there, asked) == {(bob, "k1")}
        assert messages.taken_idempotency_keys_txn(conn, here, []) == set()
        full = messages.get_by_idempotency_keys_txn(conn, here, asked)
    assert set(full) == taken
    assert full[(amy, "ünï €")].text == "hello ünï €"
    assert full[(bob, "k2")].sender_name == "bob"
    db.dispose()
