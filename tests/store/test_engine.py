"""Dialect behaviour the services rely on: UTC datetimes, unique violations, write locking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from chatwarden.store import accounts
from chatwarden.store.engine import Database, is_unique_violation
from chatwarden.store.schema import metadata


def test_datetimes_come_back_aware_utc(database_url: str) -> None:
    db = Database(database_url)
    plus_two = datetime(2025, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    with db.write() as conn:
        user_id = accounts.insert_user_txn(
            conn, username="Zed", password_hash="x", created_at=plus_two
        )
    with db.read() as conn:
        row = accounts.get_user_txn(conn, user_id)
    assert row is not None
    assert row.created_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert row.created_at.tzinfo is not None
    with pytest.raises(sa.exc.StatementError):
        with db.write() as conn:
            accounts.insert_user_txn(
                conn, username="naive", password_hash="x", created_at=datetime(2025, 1, 1)
            )
    db.dispose()


def test_unique_violation_is_recognised_and_rolled_back(database_url: str) -> None:
    db = Database(database_url)
    now = datetime.now(UTC)
    with db.write() as conn:
        accounts.insert_user_txn(conn, username="amy", password_hash="x", created_at=now)
    with pytest.raises(IntegrityError) as info:
        with db.write() as conn:
            accounts.insert_user_txn(conn, username="bea", password_hash="x", created_at=now)
            accounts.insert_user_txn(conn, username="AMY", password_hash="x", created_at=now)
    assert is_unique_violation(info.value)
    with db.read() as conn:
        assert accounts.get_user_by_login_txn(conn, "bea") is None  # whole transaction undone
    db.dispose()


def test_concurrent_writers_queue_instead_of_failing(database_url: str) -> None:
    db = Database(database_url)
    now = datetime.now(UTC)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                with db.write() as conn:
                    accounts.get_user_by_login_txn(conn, f"w{n}_{i}")  # read, then write
                    accounts.insert_user_txn(
                        conn, username=f"w{n}_{i}", password_hash="x", created_at=now
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as conn:
        n = conn.execute(sa.text("select count(*) from users")).scalar_one()
    assert n == 40
    db.dispose()


def test_sqlite_datetimes_are_stored_as_sqlalchemy_writes_them(tmp_path: Path) -> None:
    """Rows written before (by SQLAlchemy's own DATETIME) and after compare as text in SQL."""
    db = Database(f"sqlite:///{tmp_path / 'dt.db'}")
    metadata.create_all(db.engine)
    moments = [
        datetime(2025, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(2025, 3, 1, 12, 0, 0, 7, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    reference = sa.DateTime().dialect_impl(db.engine.dialect).bind_processor(db.engine.dialect)
    assert reference is not None
    with db.write() as conn:
        ids = [
            accounts.insert_user_txn(conn, username=f"u{i}", password_hash="x", created_at=m)
            for i, m in enumerate(moments)
        ]
        accounts.insert_user_txn(conn, username="again", password_hash="x", created_at=moments[1])
    with db.read() as conn:
        stored = dict(conn.execute(sa.text("SELECT id, created_at FROM users")).all())
        for user_id, moment in zip(ids, moments, strict=True):
            assert stored[user_id] == reference(moment.astimezone(UTC).replace(tzinfo=None))
            row = accounts.get_user_txn(conn, user_id)
            assert row is not None and row.created_at == moment
            assert row.created_at.tzinfo is UTC
    db.dispose()
