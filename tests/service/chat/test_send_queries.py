"""How many SQL statements the chat send path runs: one send, and a batch of many.

Counted on the real engine with a SQLAlchemy event listener, after a warm-up send (the first
message in a channel loads and caches its AutoMod engine and settings). The bounds are what
today's code needs, with no headroom to speak of: a change that adds a query per message
(an N+1) or per send fails here, and then the bound is raised on purpose or the query removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from chatwarden.service.types import SendRequest
from chatwarden.services import Services
from tests.service.conftest import Cast

#: Statements for one delivered message (measured 2026-12-06: the transaction's BEGIN on SQLite,
#: the channel, earlier idempotency keys, members, users, detection settings, sharing partners,
#: suspicious users, recent senders, the mod log's watermark, webhooks, and one INSERT).
ONE_SEND = {"sqlite": 13, "postgresql": 11}
#: A batch of ``BATCH`` messages from four senders runs the same statements as one message.
BATCH = 20
BATCH_SEND = ONE_SEND


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = services.db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_one_send_runs_a_fixed_number_of_statements(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    assert services.chat.send_message(cast.victor, cid, "warm up", "w").status == "delivered"
    with counted(services) as statements:
        result = services.chat.send_message(cast.fiona, cid, "hello chat", "k1")
    assert result.status == "delivered"
    dialect = services.db.engine.dialect.name
    assert len(statements) <= ONE_SEND[dialect], statements


def test_a_batch_runs_no_more_statements_per_message(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    assert services.chat.send_message(cast.victor, cid, "warm up", "w").status == "delivered"
    senders = [cast.victor, cast.fiona, cast.sam, cast.vera]
    requests = [
        SendRequest(senders[i % len(senders)], cid, f"message number {i}", f"b{i}")
        for i in range(BATCH)
    ]
    with counted(services) as statements:
        results = services.chat.send_messages(requests)
    assert [getattr(r, "status", r) for r in results] == ["delivered"] * BATCH
    dialect = services.db.engine.dialect.name
    assert len(statements) <= BATCH_SEND[dialect], statements
