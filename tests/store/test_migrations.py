"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from pathlib import Path

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
    assert current_revision(engine) == head_revision() == "0011"
    assert is_up_to_date(engine)
    _assert_matches_metadata(engine)
    upgrade(engine)  # a second run changes nothing
    engine.dispose()


def test_upgrade_head_on_empty_postgres_schema_matches_metadata() -> None:
    from tests.conftest import empty_postgres_schema

    with empty_postgres_schema("cw_mig") as url:
        engine = create_engine(url, pool_size=1, max_overflow=0)
        try:
            assert current_revision(engine) is None
            upgrade(engine)
            assert is_up_to_date(engine)
            _assert_matches_metadata(engine)
        finally:
            engine.dispose()


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
