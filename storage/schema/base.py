"""What every table shares: the one MetaData (with its naming convention) and `UtcTimestamp`,
the column type that stores aware UTC datetimes as integer Unix seconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Dialect,
    MetaData,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcTimestamp(TypeDecorator[datetime]):
    """An aware UTC datetime stored as integer Unix seconds."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, (int, float)):
            return int(value)
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC datetime")
        return int(value.timestamp())

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromtimestamp(int(value), UTC)


def created_column() -> Column[datetime]:
    """A `created_at` column (a new Column each call: a Column belongs to one table)."""
    return Column("created_at", UtcTimestamp, nullable=False)
