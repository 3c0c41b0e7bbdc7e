"""Merchants (partner shops), their signing secrets and commission agreements."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.schema import agreements, merchant_secrets, merchants


@dataclass(frozen=True)
class Merchant:
    """A shop on a partner platform."""

    id: int
    user_id: int
    partner_key: str
    shop_id: str
    name: str
    notice_chat_id: int
    callback_key: str
    status: str


def _to_merchant(row: object) -> Merchant:
    r = row._mapping  # type: ignore[attr-defined]
    return Merchant(
        id=r["id"],
        user_id=r["user_id"],
        partner_key=r["partner_key"],
        shop_id=r["shop_id"],
        name=r["name"],
        notice_chat_id=r["notice_chat_id"],
        callback_key=r["callback_key"],
        status=r["status"],
    )


class MerchantRepository:
    """Reads and writes merchants and their agreements."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self,
        *,
        user_id: int,
        partner_key: str,
        shop_id: str,
        name: str,
        notice_chat_id: int,
        status: str = "pending",
    ) -> Merchant:
        """Register a shop; its callback key is random and unguessable."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert(merchants).values(
                    user_id=user_id,
                    partner_key=partner_key,
                    shop_id=shop_id,
                    name=name,
                    notice_chat_id=notice_chat_id,
                    callback_key=secrets.token_urlsafe(24),
                    status=status,
                    verified_at=now if status == "verified" else None,
                    created_at=now,
                )
            )
            row = (
                await conn.execute(
                    select(merchants).where(merchants.c.id == result.inserted_primary_key[0])  # type: ignore[index]
                )
            ).one()
        return _to_merchant(row)

    async def by_shop(self, partner_key: str, shop_id: str) -> Merchant | None:
        """The merchant owning a shop on a partner platform."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(merchants).where(
                        merchants.c.partner_key == partner_key, merchants.c.shop_id == shop_id
                    )
                )
            ).first()
        return None if row is None else _to_merchant(row)

    async def add_secret(self, merchant_id: int, secret: str) -> None:
        """Store a new current signing secret."""
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(merchant_secrets).values(
                    merchant_id=merchant_id, secret=secret, created_at=datetime.now(UTC)
                )
            )

    async def add_agreement(
        self, merchant_id: int, rate_bp: int, *, expert_id: int | None, accepted: bool
    ) -> int:
        """Record a proposed (or, for demo data, already accepted) commission rate."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert(agreements).values(
                    merchant_id=merchant_id,
                    expert_id=expert_id,
                    rate_bp=rate_bp,
                    status="accepted" if accepted else "proposed",
                    decided_at=now if accepted else None,
                    created_at=now,
                )
            )
        return int(result.inserted_primary_key[0])  # type: ignore[index]
