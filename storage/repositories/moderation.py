"""What admins moderate beyond experts and items: merchant applications and suspensions, and
how much waits in the admins' queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Table, func, select, update
from sqlalchemy.sql.selectable import ScalarSelect

from storage.schema import experts, item_reports, merchants
from storage.unit_of_work import Database


@dataclass(frozen=True)
class MerchantApplication:
    """A shop as an admin reviews it."""

    id: int
    user_id: int
    partner_key: str
    shop_id: str
    name: str
    status: str


class ModerationRepository:
    """Merchant moderation queries (the merchant slice owns registration itself)."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def merchant(self, merchant_id: int) -> MerchantApplication | None:
        """The merchant with this id."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(merchants).where(merchants.c.id == merchant_id))
            ).first()
        return None if row is None else _to_application(row)

    async def merchants_with_status(
        self, status: str, *, limit: int = 20
    ) -> list[MerchantApplication]:
        """Merchants in one status (e.g. pending), oldest first."""
        query = select(merchants).where(merchants.c.status == status).order_by(merchants.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.limit(limit))).all()
        return [_to_application(row) for row in rows]

    async def waiting_counts(self) -> tuple[int, int, int]:
        """How many expert applications, merchant registrations and item reports wait."""

        def count(table: Table, column: str, value: str) -> ScalarSelect[int]:
            return (
                select(func.count())
                .select_from(table)
                .where(table.c[column] == value)
                .scalar_subquery()
            )

        query = select(
            count(experts, "status", "pending"),
            count(merchants, "status", "pending"),
            count(item_reports, "status", "open"),
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one()
        return int(row[0]), int(row[1]), int(row[2])

    async def set_merchant_status(
        self, merchant_id: int, status: str, *, reason: str | None = None
    ) -> None:
        """Verify, reject, suspend or reinstate a merchant."""
        now = datetime.now(UTC)
        values: dict[str, object] = {"status": status, "reject_reason": reason}
        if status == "verified":
            values.update(verified_at=now, suspended_at=None)
        elif status == "suspended":
            values["suspended_at"] = now
        async with self._engine.begin() as conn:
            await conn.execute(
                update(merchants).where(merchants.c.id == merchant_id).values(**values)
            )


def _to_application(row: Row[Any]) -> MerchantApplication:
    r = row._mapping
    return MerchantApplication(
        id=r["id"],
        user_id=r["user_id"],
        partner_key=r["partner_key"],
        shop_id=r["shop_id"],
        name=r["name"],
        status=r["status"],
    )
