"""Migrations on PostgreSQL: the schema the code declares, and processes starting together."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from storage.database import alembic_config, migrate_sync, sync_url
from storage.schema import metadata
from tests.auxil.databases import empty_postgres_url, postgresql_only

pytestmark = postgresql_only("runs the migrations on a PostgreSQL server")


def test_the_migrations_build_the_schema_the_code_declares() -> None:
    url = empty_postgres_url()
    migrate_sync(url)
    engine = create_sync_engine(sync_url(url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_processes_starting_together_migrate_once_and_all_start() -> None:
    """Four processes migrate one empty database at once; without the lock two would both
    create the first table and one would fail. (Alembic's context is process-global, so they
    are real processes, not threads.)"""
    url = empty_postgres_url()
    command = [
        sys.executable,
        "-c",
        "import sys; from storage.database import migrate_sync; migrate_sync(sys.argv[1])",
        url,
    ]
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in processes]
    assert [code for code, _ in outcomes] == [0, 0, 0, 0], outcomes
    engine = create_sync_engine(sync_url(url))
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    assert versions == [ScriptDirectory.from_config(alembic_config(url)).get_current_head()]
