"""Merchants (partner shops), their signing secrets and commission agreements."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Row, case, func, insert, literal, or_, select, update

from storage.schema import agreements, merchant_secrets, merchants
from storage.unit_of_work import Database


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
    reject_reason: str | None = None

    @property
    def is_active(self) -> bool:
        """Verified and not suspended: its callbacks are accepted."""
        return self.status == "verified"


def _to_merchant(row: Row[Any]) -> Merchant:
    r = row._mapping
    return Merchant(
        id=r["id"],
        user_id=r["user_id"],
        partner_key=r["partner_key"],
        shop_id=r["shop_id"],
        name=r["name"],
        notice_chat_id=r["notice_chat_id"],
        callback_key=r["callback_key"],
        status=r["status"],
        reject_reason=r["reject_reason"],
    )


def _inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just stored."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the insert returned no primary key")
    return int(key[0])


class MerchantRepository:
    """Reads and writes merchants and their agreements."""

    def __init__(self, engine: Database) -> None:
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
                await conn.execute(select(merchants).where(merchants.c.id == _inserted_id(result)))
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

    async def verified_on(
        self, partner_key: str, *, expert_id: int, limit: int
    ) -> tuple[list[Merchant], int]:
        """Verified shops on a platform, those with a rate accepted for `expert_id` first, then by
        name; and how many verified shops the platform has."""
        own_rate = (
            select(agreements.c.id)
            .where(
                agreements.c.merchant_id == merchants.c.id,
                agreements.c.expert_id == expert_id,
                agreements.c.status == "accepted",
            )
            .exists()
        )
        where = (merchants.c.partner_key == partner_key) & (merchants.c.status == "verified")
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(merchants).where(where))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(merchants)
                    .where(where)
                    .order_by(case((own_rate, 0), else_=1), merchants.c.name, merchants.c.id)
                    .limit(limit)
                )
            ).all()
        return [_to_merchant(row) for row in rows], int(total)

    async def find_verified(self, partner_key: str, text: str, *, limit: int = 5) -> list[Merchant]:
        """Verified shops on a platform whose shop id is `text` or whose name is `text` (ASCII
        letters in any case); a shop id match comes first."""
        by_id = merchants.c.shop_id == text
        where = (
            (merchants.c.partner_key == partner_key)
            & (merchants.c.status == "verified")
            & (by_id | (func.lower(merchants.c.name) == text.lower()))
        )
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(merchants)
                    .where(where)
                    .order_by(case((by_id, 0), else_=1), merchants.c.id)
                    .limit(limit)
                )
            ).all()
        return [_to_merchant(row) for row in rows]

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
        return _inserted_id(result)

    async def get(self, merchant_id: int) -> Merchant | None:
        """The merchant with this id."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(merchants).where(merchants.c.id == merchant_id))
            ).first()
        return None if row is None else _to_merchant(row)

    async def by_callback_key(self, callback_key: str) -> Merchant | None:
        """The merchant whose order-callback URL ends in this key."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(merchants).where(merchants.c.callback_key == callback_key)
                )
            ).first()
        return None if row is None else _to_merchant(row)

    async def of_user(self, user_id: int) -> list[Merchant]:
        """The shops a user registered, oldest first."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(merchants).where(merchants.c.user_id == user_id).order_by(merchants.c.id)
                )
            ).all()
        return [_to_merchant(row) for row in rows]

    async def with_status(self, status: str, *, limit: int = 200) -> list[Merchant]:
        """Merchants in one status (e.g. every verified one for the daily summary)."""
        query = select(merchants).where(merchants.c.status == status).order_by(merchants.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.limit(limit))).all()
        return [_to_merchant(row) for row in rows]

    async def decide(
        self,
        merchant_id: int,
        status: str,
        *,
        only_from: tuple[str, ...] = ("pending",),
        reason: str | None = None,
    ) -> bool:
        """Move a merchant to `status` if it is in one of `only_from`; True if this call did it."""
        values: dict[str, object] = {"status": status, "reject_reason": reason}
        if status == "verified":
            values.update(verified_at=datetime.now(UTC), suspended_at=None)
        elif status == "suspended":
            values["suspended_at"] = datetime.now(UTC)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(merchants)
                .where(merchants.c.id == merchant_id, merchants.c.status.in_(only_from))
                .values(**values)
            )
        return result.rowcount == 1

    async def reapply(self, merchant_id: int, *, name: str, notice_chat_id: int) -> None:
        """Turn a rejected registration of the same shop into a fresh pending one."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(merchants)
                .where(merchants.c.id == merchant_id)
                .values(
                    name=name, notice_chat_id=notice_chat_id, status="pending", reject_reason=None
                )
            )

    async def active_secrets(self, merchant_id: int, *, now: datetime) -> list[str]:
        """The current secret and any rotated-out one still inside its grace period."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(merchant_secrets.c.secret)
                    .where(
                        merchant_secrets.c.merchant_id == merchant_id,
                        or_(
                            merchant_secrets.c.expires_at.is_(None),
                            merchant_secrets.c.expires_at > int(now.timestamp()),
                        ),
                    )
                    .order_by(merchant_secrets.c.id.desc())
                )
            ).scalars()
            return list(rows)

    async def has_secret(self, merchant_id: int) -> bool:
        """True once a signing secret was ever issued to the merchant."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(merchant_secrets.c.id).where(
                        merchant_secrets.c.merchant_id == merchant_id
                    )
                )
            ).first()
        return row is not None

    async def rotate_secret(self, merchant_id: int, secret: str, *, grace: timedelta) -> None:
        """Make `secret` current; the previous current one stays valid for `grace`."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            await conn.execute(
                update(merchant_secrets)
                .where(
                    merchant_secrets.c.merchant_id == merchant_id,
                    merchant_secrets.c.expires_at.is_(None),
                )
                .values(expires_at=now + grace)
            )
            await conn.execute(
                insert(merchant_secrets).values(
                    merchant_id=merchant_id, secret=secret, created_at=now
                )
            )

    async def issue_first_secret(self, merchant_id: int, secret: str) -> bool:
        """Store `secret` as the first one ever issued; False (nothing stored) if one exists."""
        async with self._engine.begin() as conn:
            # The write comes first so two issuers racing are serialised by the database.
            result = await conn.execute(
                insert(merchant_secrets).from_select(
                    ["merchant_id", "secret", "created_at"],
                    select(
                        literal(merchant_id),
                        literal(secret),
                        literal(int(datetime.now(UTC).timestamp())),
                    ).where(
                        ~select(merchant_secrets.c.id)
                        .where(merchant_secrets.c.merchant_id == merchant_id)
                        .exists()
                    ),
                )
            )
        return result.rowcount == 1

    async def verified_without_secret(self) -> list[Merchant]:
        """Verified merchants who were never sent a signing secret (approved from /admin)."""
        has_secret = (
            select(merchant_secrets.c.id)
            .where(merchant_secrets.c.merchant_id == merchants.c.id)
            .exists()
        )
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(merchants).where(merchants.c.status == "verified", ~has_secret).limit(50)
                )
            ).all()
        return [_to_merchant(row) for row in rows]
