"""INSERT … ON CONFLICT DO UPDATE for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def upsert(
    conn: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    conflict: Sequence[str],
    *,
    update: Sequence[str] | None = None,
) -> Any:
    """An insert that updates `update` columns (default: all but the key) when the key exists."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    columns = [c for c in (update if update is not None else values) if c not in conflict]
    if not columns:
        return statement.on_conflict_do_nothing(index_elements=list(conflict))
    return statement.on_conflict_do_update(
        index_elements=list(conflict), set_={c: statement.excluded[c] for c in columns}
    )
