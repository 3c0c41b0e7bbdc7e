"""The database a test runs on: a fresh SQLite file, or a fresh PostgreSQL database.

`VITRINE_TEST_BACKEND=postgresql` runs the tests that ask for `fresh_database_url` on PostgreSQL
(`make test-postgres`). The server is `VITRINE_TEST_POSTGRES_URL` (default: the machine's own,
127.0.0.1:5432, trust auth). The first test of a run migrates one template database; every test
gets its own copy of it (`CREATE DATABASE … TEMPLATE`), so no test pays for the migrations and
no test sees another's rows. The run drops what it created when it ends.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import uuid
from pathlib import Path

import pytest

BACKEND_ENV = "VITRINE_TEST_BACKEND"
POSTGRES_URL_ENV = "VITRINE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"

# One prefix per pytest process: two runs on one server never touch each other's databases.
_RUN_PREFIX = f"vitrine_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
_lock = threading.Lock()
_template: str | None = None
_created: list[str] = []


def backend() -> str:
    """`sqlite` (the default) or `postgresql`."""
    chosen = os.environ.get(BACKEND_ENV, "sqlite").strip().lower() or "sqlite"
    if chosen not in ("sqlite", "postgresql"):
        raise RuntimeError(f"{BACKEND_ENV} must be sqlite or postgresql, not {chosen!r}")
    return chosen


def on_postgresql() -> bool:
    return backend() == "postgresql"


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Skip a test on PostgreSQL: it looks at what only SQLite has (a file, its locks)."""
    return pytest.mark.skipif(on_postgresql(), reason=f"SQLite only: {reason}")


def _server_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _admin_execute(*statements: str) -> None:
    """Run statements on the server's maintenance database, outside any transaction."""
    import psycopg

    from storage.database import sync_url

    dsn = sync_url(_server_url()).replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def _migrated_template() -> str:
    global _template
    with _lock:
        if _template is None:
            from storage.database import migrate_sync

            name = f"{_RUN_PREFIX}_template"
            _admin_execute(f'CREATE DATABASE "{name}"')
            _created.append(name)
            migrate_sync(_with_database(_server_url(), name))
            _template = name
        return _template


def fresh_postgres_url() -> str:
    """A new, migrated PostgreSQL database of its own (async URL)."""
    template = _migrated_template()
    name = f"{_RUN_PREFIX}_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _created.append(name)
    return _with_database(_server_url(), name)


def postgresql_only(reason: str) -> pytest.MarkDecorator:
    """Run a test only under `VITRINE_TEST_BACKEND=postgresql` (what only PostgreSQL has)."""
    return pytest.mark.skipif(not on_postgresql(), reason=f"PostgreSQL only: {reason}")


def empty_postgres_url() -> str:
    """A new PostgreSQL database with no tables at all (async URL)."""
    name = f"{_RUN_PREFIX}_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    _created.append(name)
    return _with_database(_server_url(), name)


def fresh_database_url(tmp_path: Path, name: str = "vitrine", *, sync_driver: bool = False) -> str:
    """The database for one test: a SQLite file under `tmp_path`, or a PostgreSQL database.

    `sync_driver` gives SQLite's plain `sqlite:///` form (what settings and the CLI take); the
    PostgreSQL URL is the same either way.
    """
    if on_postgresql():
        return fresh_postgres_url()
    scheme = "sqlite" if sync_driver else "sqlite+aiosqlite"
    return f"{scheme}:///{tmp_path / f'{name}.sqlite3'}"


@atexit.register
def _drop_created() -> None:
    if not _created:
        return
    # The server may be gone by the time the run exits; there is nothing else to do then.
    with contextlib.suppress(Exception):
        _admin_execute(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in _created))
