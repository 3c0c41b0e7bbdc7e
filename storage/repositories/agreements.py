"""Commission agreements between merchants and experts, with their whole history kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.commissions import AgreementTerm
from storage.schema import agreements, experts, merchants
from storage.unit_of_work import Database


@dataclass(frozen=True)
class Agreement:
    """One row of terms: a merchant's default rate (expert_id None) or a rate for one expert."""

    id: int
    merchant_id: int
    merchant_name: str
    expert_id: int | None
    expert_handle: str | None
    rate_bp: int
    status: str  # proposed | accepted | declined | superseded
    decided_at: datetime | None
    superseded_at: datetime | None
    created_at: datetime

    def as_term(self) -> AgreementTerm:
        """The rule-level view used by `rate_in_force`."""
        accepted = self.decided_at if self.status in ("accepted", "superseded") else None
        return AgreementTerm(self.expert_id, self.rate_bp, accepted, self.superseded_at)


def _select() -> Select[Any]:
    return select(
        agreements,
        merchants.c.name.label("merchant_name"),
        experts.c.handle.label("expert_handle"),
    ).select_from(
        agreements.join(merchants, merchants.c.id == agreements.c.merchant_id).outerjoin(
            experts, experts.c.id == agreements.c.expert_id
        )
    )


def _to_agreement(row: Row[Any]) -> Agreement:
    r = row._mapping
    return Agreement(
        id=r["id"],
        merchant_id=r["merchant_id"],
        merchant_name=r["merchant_name"],
        expert_id=r["expert_id"],
        expert_handle=r["expert_handle"],
        rate_bp=r["rate_bp"],
        status=r["status"],
        decided_at=r["decided_at"],
        superseded_at=r["superseded_at"],
        created_at=r["created_at"],
    )


async def terms_of_merchant(conn: AsyncConnection, merchant_id: int) -> list[AgreementTerm]:
    """Every term of a merchant, oldest first, inside the caller's transaction."""
    rows = (
        await conn.execute(
            _select().where(agreements.c.merchant_id == merchant_id).order_by(agreements.c.id)
        )
    ).all()
    return [_to_agreement(row).as_term() for row in rows]


class AgreementRepository:
    """Proposes, decides and lists commission terms."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def get(self, agreement_id: int) -> Agreement | None:
        """One agreement row."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(_select().where(agreements.c.id == agreement_id))).first()
        return None if row is None else _to_agreement(row)

    async def propose(self, merchant_id: int, rate_bp: int, *, expert_id: int | None) -> Agreement:
        """Record new terms: a default is in force at once, a per-expert rate awaits the expert.

        A new proposal replaces an older one still awaiting an answer (it becomes declined), so an
        expert never holds two open offers from the same merchant.
        """
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            await conn.execute(
                update(agreements)
                .where(
                    agreements.c.merchant_id == merchant_id,
                    _same_expert(expert_id),
                    agreements.c.status == "proposed",
                )
                .values(status="declined", decided_at=now)
            )
            result = await conn.execute(
                insert(agreements).values(
                    merchant_id=merchant_id,
                    expert_id=expert_id,
                    rate_bp=rate_bp,
                    status="proposed",
                    created_at=now,
                )
            )
            key = result.inserted_primary_key
            if key is None:
                raise RuntimeError("the insert returned no primary key")
            agreement_id = int(key[0])
            if expert_id is None:
                await _accept(conn, agreement_id, merchant_id, None, now)
            row = (await conn.execute(_select().where(agreements.c.id == agreement_id))).one()
        return _to_agreement(row)

    async def decide(self, agreement_id: int, *, expert_id: int, accept: bool) -> Agreement | None:
        """The expert's answer to a proposal addressed to them; None if it is no longer open."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    select(agreements).where(
                        agreements.c.id == agreement_id,
                        agreements.c.expert_id == expert_id,
                        agreements.c.status == "proposed",
                    )
                )
            ).first()
            if row is None:
                return None
            if accept:
                await _accept(conn, agreement_id, row.merchant_id, expert_id, now)
            else:
                await conn.execute(
                    update(agreements)
                    .where(agreements.c.id == agreement_id)
                    .values(status="declined", decided_at=now)
                )
            fresh = (await conn.execute(_select().where(agreements.c.id == agreement_id))).one()
        return _to_agreement(fresh)

    async def of_merchant(self, merchant_id: int, *, limit: int = 30) -> list[Agreement]:
        """The merchant's terms, newest first (current, proposed and history)."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    _select()
                    .where(agreements.c.merchant_id == merchant_id)
                    .order_by(agreements.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [_to_agreement(row) for row in rows]

    async def for_expert(self, expert_id: int, *, limit: int = 30) -> list[Agreement]:
        """Terms that apply to an expert: their own rows and every merchant's default, newest first."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    _select()
                    .where(
                        (agreements.c.expert_id == expert_id)
                        | (agreements.c.expert_id.is_(None) & (agreements.c.status == "accepted"))
                    )
                    .order_by(agreements.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [_to_agreement(row) for row in rows]

    async def terms_of_merchant(self, merchant_id: int) -> list[AgreementTerm]:
        """Every term of a merchant as rule-level terms, oldest first."""
        async with self._engine.connect() as conn:
            return await terms_of_merchant(conn, merchant_id)


def _same_expert(expert_id: int | None) -> ColumnElement[bool]:
    return (
        agreements.c.expert_id.is_(None)
        if expert_id is None
        else agreements.c.expert_id == expert_id
    )


async def _accept(
    conn: AsyncConnection, agreement_id: int, merchant_id: int, expert_id: int | None, now: datetime
) -> None:
    """Put a term in force and mark the one it replaces as superseded (never deleted)."""
    await conn.execute(
        update(agreements)
        .where(
            agreements.c.merchant_id == merchant_id,
            _same_expert(expert_id),
            agreements.c.status == "accepted",
            agreements.c.id != agreement_id,
        )
        .values(status="superseded", superseded_at=now)
    )
    await conn.execute(
        update(agreements)
        .where(agreements.c.id == agreement_id)
        .values(status="accepted", decided_at=now)
    )
