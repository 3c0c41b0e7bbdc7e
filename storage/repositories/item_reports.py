"""Fans' reports about items, for the admins' queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, func, insert, select, update

from storage.repositories.audit import inserted_id
from storage.schema import item_reports, items
from storage.unit_of_work import Database

REPORT_REASONS = ("fake", "misleading", "offensive", "spam", "other")


@dataclass(frozen=True)
class ItemReport:
    """One open or handled report, with the reported item's title for the admin's list."""

    id: int
    item_id: int
    item_title: str
    reporter_id: int | None
    reason: str
    status: str
    created_at: datetime


class ItemReportRepository:
    """Reads and writes item_reports."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def create(self, item_id: int, reporter_id: int, reason: str) -> tuple[int, bool]:
        """File a report; returns (report id, created) — one open report per fan and item."""
        if reason not in REPORT_REASONS:
            raise ValueError(f"unknown report reason {reason!r}")
        async with self._engine.begin() as conn:
            existing = (
                await conn.execute(
                    select(item_reports.c.id).where(
                        item_reports.c.item_id == item_id,
                        item_reports.c.reporter_id == reporter_id,
                        item_reports.c.status == "open",
                    )
                )
            ).first()
            if existing is not None:
                return int(existing[0]), False
            result = await conn.execute(
                insert(item_reports).values(
                    item_id=item_id,
                    reporter_id=reporter_id,
                    reason=reason,
                    status="open",
                    created_at=datetime.now(UTC),
                )
            )
        return inserted_id(result), True

    async def get(self, report_id: int) -> ItemReport | None:
        """The report with this id."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(_select().where(item_reports.c.id == report_id))).first()
        return None if row is None else _to_report(row)

    async def open_reports(self, limit: int = 20) -> list[ItemReport]:
        """Open reports, oldest first."""
        query = _select().where(item_reports.c.status == "open").order_by(item_reports.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.limit(limit))).all()
        return [_to_report(row) for row in rows]

    async def count_open(self) -> int:
        """How many reports wait for an admin."""
        async with self._engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(item_reports)
                        .where(item_reports.c.status == "open")
                    )
                ).scalar_one()
            )

    async def resolve(self, report_id: int, status: str) -> bool:
        """Close an open report as "upheld" or "dismissed"; False when it was not open."""
        if status not in ("upheld", "dismissed"):
            raise ValueError(f"unknown report outcome {status!r}")
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(item_reports)
                .where(item_reports.c.id == report_id, item_reports.c.status == "open")
                .values(status=status)
            )
        return result.rowcount == 1

    async def resolve_for_item(self, item_id: int, status: str) -> int:
        """Close every open report about an item; returns how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(item_reports)
                .where(item_reports.c.item_id == item_id, item_reports.c.status == "open")
                .values(status=status)
            )
        return int(result.rowcount)


def _select() -> Select[Any]:
    return select(item_reports, items.c.title.label("item_title")).select_from(
        item_reports.join(items, items.c.id == item_reports.c.item_id)
    )


def _to_report(row: Row[Any]) -> ItemReport:
    r = row._mapping
    return ItemReport(
        id=r["id"],
        item_id=r["item_id"],
        item_title=r["item_title"],
        reporter_id=r["reporter_id"],
        reason=r["reason"],
        status=r["status"],
        created_at=r["created_at"],
    )
