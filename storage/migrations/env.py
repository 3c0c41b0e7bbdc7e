"""Alembic environment: runs migrations synchronously against the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from storage.database import tune_sync_engine
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
            context.run_migrations()
    engine.dispose()


run_migrations()
