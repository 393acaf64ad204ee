"""``column IN (ids)`` as one fixed statement, for queries the chat path runs on every batch.

SQLAlchemy's ``column.in_(list)`` renders one placeholder per value at execution time: a batch
of 100 senders is a new SQL string to build, and for SQLite to parse, whenever the batch's
size changes (nearly every batch). ``one_of`` sends the ids as one parameter instead (a JSON
array read by ``json_each`` on SQLite; an ``integer[]`` compared with ``= ANY`` on PostgreSQL),
so the statement is compiled and prepared once. Both still probe the column's index per id.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from chatwarden import jsoncodec


def one_of(
    conn: Connection, column: sa.ColumnElement[int], ids: Iterable[int]
) -> sa.ColumnElement[bool]:
    """``column IN ids`` for integer ids, in the connection's dialect."""
    values = sorted({int(i) for i in ids})
    if conn.dialect.name == "postgresql":
        param = sa.bindparam(None, values, type_=postgresql.ARRAY(sa.Integer))
        return column == sa.any_(param)
    listed = sa.func.json_each(sa.bindparam(None, jsoncodec.dumps(values))).table_valued("value")
    return column.in_(sa.select(listed.c.value))
