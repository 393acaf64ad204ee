"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from chatwarden.errors import ConfigError
from chatwarden.store.engine import Database, create_engine, normalise_url
from chatwarden.store.migrate import current_revision, head_revision, is_up_to_date, upgrade
from chatwarden.store.schema import metadata


def _assert_matches_metadata(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    assert diff == []


def test_upgrade_head_on_empty_sqlite_matches_metadata(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision() == "0001"
    assert is_up_to_date(engine)
    _assert_matches_metadata(engine)
    upgrade(engine)  # a second run changes nothing
    engine.dispose()


def test_upgrade_head_on_empty_postgres_schema_matches_metadata() -> None:
    from tests.conftest import POSTGRES_URL, skip_without_postgres

    admin = create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        admin.dispose()
        skip_without_postgres(exc)
    schema = f"cw_mig_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{sep}options={quote(f'-csearch_path={schema}')}"
        engine = create_engine(url, pool_size=1, max_overflow=0)
        assert current_revision(engine) is None
        upgrade(engine)
        assert is_up_to_date(engine)
        _assert_matches_metadata(engine)
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_fixture_database_is_at_head(database_url: str) -> None:
    db = Database(database_url)
    assert is_up_to_date(db.engine)
    _assert_matches_metadata(db.engine)
    db.dispose()


def test_urls_pick_the_driver() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(ConfigError, match="database_url"):
        normalise_url("mysql://u@h/db")
