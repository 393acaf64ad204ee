"""The mod log's search on both databases: filters combine, keyset paging returns every entry
exactly once, and a LIKE wildcard typed by a user matches only itself."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chatwarden.store import accounts, audit, channels
from chatwarden.store.engine import Database

T0 = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass
class Log:
    db: Database
    channel: int
    other: int
    mod: int
    lead: int
    amy: int
    bob: int

    def search(self, **filters: Any) -> list[int]:
        with self.db.read() as conn:
            return [r.id for r in audit.list_entries_txn(conn, self.channel, **filters)]

    def add(self, conn: Any, action: str, **values: Any) -> int:
        values.setdefault("created_at", T0)
        values.setdefault("actor_id", None)
        return audit.append_txn(conn, channel_id=self.channel, action=action, **values)


@pytest.fixture
def log(database_url: str) -> Iterator[Log]:
    db = Database(database_url)
    with db.write() as conn:
        mod, lead, amy, bob = (
            accounts.insert_user_txn(conn, username=name, password_hash="x", created_at=T0)
            for name in ("mod", "lead", "amy", "bob")
        )
        here, there = (
            channels.insert_channel_txn(
                conn,
                name=name,
                owner_id=lead,
                created_at=T0,
                chat_settings={},
                automod_settings={},
            )
            for name in ("here", "there")
        )
    yield Log(db, here, there, mod, lead, amy, bob)
    db.dispose()


def test_filters_combine(log: Log) -> None:
    with log.db.write() as conn:
        day = timedelta(days=1)
        ban_amy = log.add(conn, "ban", actor_id=log.mod, target_user_id=log.amy, reason="spam")
        ban_bob = log.add(conn, "ban", actor_id=log.lead, target_user_id=log.bob, reason="Spam!")
        warn_amy = log.add(
            conn, "warn", actor_id=log.mod, target_user_id=log.amy, created_at=T0 + day
        )
        hold = log.add(
            conn,
            "automod.hold",
            actor_id=None,
            target_user_id=log.amy,
            created_at=T0 + 2 * day,
            details={"decision": {"reasons": [{"term": "Zebra"}]}},
        )
        wave = log.add(conn, "detection.delete", actor_id=None, created_at=T0 + 3 * day)
        audit.append_txn(  # another channel's entry never shows
            conn, channel_id=log.other, actor_id=log.mod, action="ban", created_at=T0
        )
    assert log.search() == [wave, hold, warn_amy, ban_bob, ban_amy]
    assert log.search(actions=["ban"]) == [ban_bob, ban_amy]
    assert log.search(actions=["ban", "warn"], actor_id=log.mod) == [warn_amy, ban_amy]
    assert log.search(actions=["automod.*", "detection.*"]) == [wave, hold]
    assert log.search(target_user_id=log.amy, automatic=False) == [warn_amy, ban_amy]
    assert log.search(automatic=True) == [wave, hold]
    assert log.search(text="SPAM") == [ban_bob, ban_amy]  # reason, any case
    assert log.search(text="zebra") == [hold]  # details
    assert log.search(text="spam", actor_id=log.lead) == [ban_bob]
    assert log.search(since=T0 + day, until=T0 + 3 * day) == [hold, warn_amy]  # [from, to)
    assert log.search(since=T0 + day, target_user_id=log.amy, actions=["warn"]) == [warn_amy]
    assert log.search(text="nothing like it") == []


def test_a_typed_wildcard_matches_only_itself(log: Log) -> None:
    with log.db.write() as conn:
        percent = log.add(conn, "ban", reason="100% sure")
        underscore = log.add(conn, "ban", reason="user_name")
        bang = log.add(conn, "ban", reason="stop!")
        log.add(conn, "ban", reason="100 sure; username; stop")
        family = log.add(conn, "unban_request.approve")
        log.add(conn, "unbanXrequest.approve")  # "_" in a family is literal too
    assert log.search(text="%") == [percent]
    assert log.search(text="0% s") == [percent]
    assert log.search(text="_") == [underscore]
    assert log.search(text="r_n") == [underscore]
    assert log.search(text="!") == [bang]  # the escape character itself
    assert log.search(actions=["unban_request.*"]) == [family]


def test_paging_returns_every_entry_exactly_once(log: Log) -> None:
    with log.db.write() as conn:
        ids = [
            log.add(conn, "timeout" if i % 3 else "ban", reason=f"r{i}", actor_id=log.mod)
            for i in range(23)
        ]
    for filters in ({}, {"actions": ["timeout"]}, {"text": "r1"}):
        seen: list[int] = []
        before: int | None = None
        while True:
            page = log.search(limit=5, before_id=before, **filters)
            seen += page
            if len(page) < 5:
                break
            before = page[-1]
        expected = log.search(limit=1000, **filters)
        assert seen == expected and len(set(seen)) == len(seen), filters
    assert len(log.search(limit=1000)) == len(ids)
    with log.db.write() as conn:  # an entry appended while paging is not seen on older pages
        first = log.search(limit=5)
        newer = log.add(conn, "ban")
    assert newer not in log.search(limit=5, before_id=first[-1])
