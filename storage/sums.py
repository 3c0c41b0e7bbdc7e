"""Sums that stay whole numbers on every backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, cast, func
from sqlalchemy.sql.elements import ColumnElement


def whole_sum(expression: Any) -> ColumnElement[int]:
    """`sum(expression)` as an integer.

    PostgreSQL sums a bigint column to `numeric`, which reaches Python as a Decimal (and then
    breaks `f"{fen % 100:02d}"`); SQLite's sum of integers is an integer. The cast makes both an
    int, and overflows loudly on PostgreSQL past 2**63 fen instead of silently widening.
    """
    return cast(func.sum(expression), BigInteger)
