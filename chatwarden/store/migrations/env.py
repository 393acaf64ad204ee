"""Alembic environment: runs on the connection handed over by ``chatwarden.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from chatwarden.store.engine import create_engine
from chatwarden.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit(
        "offline (SQL script) migrations are not supported; run `chatwarden db upgrade`"
    )
run_migrations_online()
