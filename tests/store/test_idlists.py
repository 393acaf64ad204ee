"""``one_of``: ``column IN ids`` as one fixed statement, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from chatwarden.store import accounts
from chatwarden.store.engine import Database
from chatwarden.store.idlists import one_of
from chatwarden.store.schema import users

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def test_one_of_selects_exactly_the_listed_ids(database_url: str) -> None:
    db = Database(database_url)
    with db.write() as conn:
        ids = [
            accounts.insert_user_txn(conn, username=f"u{i}", password_hash="x", created_at=NOW)
            for i in range(30)
        ]

    def chosen(wanted: list[int]) -> list[int]:
        with db.read() as conn:
            query = sa.select(users.c.id).where(one_of(conn, users.c.id, wanted))
            return sorted(conn.execute(query).scalars())

    assert chosen(ids[::3]) == ids[::3]
    assert chosen([ids[5], ids[5], ids[7], 10**9]) == [ids[5], ids[7]]  # repeats, unknown ids
    assert chosen([]) == []
    assert chosen(ids) == ids
    # one statement whatever the list's length: the compiled SQL does not grow with it
    with db.read() as conn:
        short = str(sa.select(users.c.id).where(one_of(conn, users.c.id, ids[:2])).compile(conn))
        long = str(sa.select(users.c.id).where(one_of(conn, users.c.id, ids)).compile(conn))
    assert short == long
    db.dispose()
