"""Opening the database: every SQLite/PostgreSQL difference lives in this module.

SQLite runs in WAL mode with foreign keys on and a busy timeout, and write transactions start
with ``BEGIN IMMEDIATE`` so that two writers queue instead of failing on a lock upgrade.
``synchronous=NORMAL`` under WAL: a commit is not fsynced until the next checkpoint, so a
committed transaction survives a crash of the process (the usual failure) but the last ones
may be lost if the machine itself loses power; ``FULL`` fsyncs the log on every commit, a
disk flush per chat batch. Set ``PRAGMA synchronous=FULL`` here where power loss must not lose
acknowledged messages, or run on PostgreSQL.
PostgreSQL goes through psycopg 3 (``postgresql://`` is rewritten to ``postgresql+psycopg://``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from chatwarden import jsoncodec
from chatwarden.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Pick the driver: psycopg 3 for PostgreSQL, the standard library for SQLite."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not (url.startswith("sqlite") or url.startswith("postgresql+psycopg://")):
        raise ConfigError(
            "database_url: expected sqlite:///path.db or postgresql://...,"
            f" got {url.split(':')[0]!r}"
        )
    return url


def sqlite_file(url: str) -> Path | None:
    """The file a ``sqlite:///path`` URL names (None: in memory, or not SQLite)."""
    parsed = sa.engine.make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):
        return None  # a URI filename: left to SQLite
    return Path(parsed.database)


def display_url(url: str) -> str:
    """``url`` to print: any password replaced by ``***``."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the dialect settings ChatWarden relies on."""
    url = normalise_url(url)
    # JSON columns (a stored decision per chat message, settings read per batch): orjson both
    # ways, ~10x the standard library
    kwargs.setdefault("json_serializer", jsoncodec.dumps)
    kwargs.setdefault("json_deserializer", jsoncodec.loads)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine plus the two kinds of transaction the services use."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = create_engine(url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction: commits on success, rolls back on any error."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (SQLite: deferred, so readers never wait for writers)."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="DEFERRED")
            with conn.begin():
                yield conn

    def ping(self) -> None:
        """``SELECT 1`` on a pooled connection (readiness probes); raises if the database does
        not answer."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def is_unique_violation(exc: IntegrityError) -> bool:
    """True when ``exc`` is a UNIQUE/PRIMARY KEY violation (not a foreign-key or NOT NULL one)."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    return "UNIQUE constraint failed" in str(orig)


def is_deadlock(exc: Exception) -> bool:
    """True when the database aborted the transaction to break a deadlock (PostgreSQL 40P01,
    or a serialization failure, 40001); retrying it may succeed."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return sqlstate in ("40P01", "40001")
