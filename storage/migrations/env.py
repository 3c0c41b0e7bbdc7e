"""Alembic environment: runs migrations synchronously against the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from storage.database import MIGRATION_LOCK_KEY, tune_sync_engine
from storage.schema import metadata

config = context.config


def run_migrations() -> None:
    """Apply migrations in one transaction per run."""
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic_config() sets sqlalchemy.url; run migrations through storage")
    engine = create_engine(url, poolclass=pool.NullPool)
    tune_sync_engine(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Processes starting together take turns: the first migrates, the others then
                # find the schema at head. Alembic reads the current revision after this.
                connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
            context.run_migrations()
    engine.dispose()


run_migrations()
