"""Shared fixtures: ``database_url`` runs a test on SQLite and again on PostgreSQL.

PostgreSQL: CHATWARDEN_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
each pytest(-xdist) worker gets its own schema, migrated once and truncated before every test.
Unreachable server: the PostgreSQL variants skip, saying why (they fail instead when
CHATWARDEN_REQUIRE_POSTGRES=1, as in CI).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

import pytest

POSTGRES_URL = os.environ.get(
    "CHATWARDEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def skip_without_postgres(exc: Exception) -> NoReturn:
    """Skip a PostgreSQL test, saying why; fail instead when CI requires PostgreSQL."""
    reason = f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}"
    if os.environ.get("CHATWARDEN_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (CHATWARDEN_REQUIRE_POSTGRES=1: CI must not skip it)")
    pytest.skip(reason)


def _with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    # tests need no durability: asynchronous commit makes every transaction much cheaper
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    return f"{url}{sep}options={quote(options)}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chatwarden.store.engine import create_engine
    from chatwarden.store.migrate import upgrade

    path = tmp_path_factory.mktemp("db-template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@contextlib.contextmanager
def empty_postgres_schema(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL schema, dropped afterwards: yields a URL that uses it.

    Skips (or, in CI, fails) when the server is unreachable.
    """
    import sqlalchemy as sa

    from chatwarden.store.engine import create_engine

    admin = create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        admin.dispose()
        skip_without_postgres(exc)
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_schema(POSTGRES_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def _postgres_schema(_worker_name: str) -> Iterator[str]:
    """A migrated schema for this worker (dropped at the end): returns the URL using it."""
    from chatwarden.store.engine import create_engine
    from chatwarden.store.migrate import upgrade

    with empty_postgres_schema(f"cw_test_{_worker_name}") as url:
        engine = create_engine(url, pool_size=1, max_overflow=0)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        yield url


@pytest.fixture(scope="session")
def _worker_name(request: pytest.FixtureRequest) -> str:
    """The xdist worker id ("gw0", ...) or "main" without xdist."""
    workerinput = getattr(request.config, "workerinput", None)
    return "main" if workerinput is None else str(workerinput["workerid"])


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a copy of a template on SQLite, a truncated schema on PG."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "chatwarden.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    import sqlalchemy as sa

    from chatwarden.store.engine import create_engine
    from chatwarden.store.schema import metadata

    url: str = request.getfixturevalue("_postgres_schema")
    engine = create_engine(url, pool_size=1, max_overflow=0)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    for attempt in range(3):  # a previous test's last connection may still be closing
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            break
        except sa.exc.OperationalError:  # deadlock detected: PostgreSQL aborted our side
            if attempt == 2:
                raise
            time.sleep(0.5)
    engine.dispose()
    return url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the browser tests' screenshots are (tests/web/browser/support.py)."""
    from tests.web.browser.support import report_screenshots

    report_screenshots(terminalreporter)
