"""Expert profiles: applications, verification, lookup by handle, follower counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, case, func, insert, select, update

from storage.schema import experts, follows, orders
from storage.sums import whole_sum
from storage.unit_of_work import Database


@dataclass(frozen=True)
class Expert:
    """An expert's public profile."""

    id: int
    user_id: int
    handle: str
    display_name: str
    vertical: str
    tags: tuple[str, ...]
    bio: str
    status: str
    verified_at: datetime | None
    reject_reason: str | None = None

    @property
    def is_active(self) -> bool:
        """Verified and not suspended: may publish, be followed and be shown."""
        return self.status == "verified"


def row_to_expert(row: Row[Any]) -> Expert:
    """An Expert from a row holding the experts table's columns."""
    r = row._mapping
    return Expert(
        id=r["id"],
        user_id=r["user_id"],
        handle=r["handle"],
        display_name=r["display_name"],
        vertical=r["vertical"],
        tags=tuple(r["tags"] or ()),
        bio=r["bio"],
        status=r["status"],
        verified_at=r["verified_at"],
        reject_reason=r["reject_reason"],
    )


class ExpertRepository:
    """Reads and writes the experts table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def create(
        self,
        *,
        user_id: int,
        handle: str,
        display_name: str,
        vertical: str,
        tags: list[str],
        bio: str,
        status: str = "pending",
    ) -> Expert:
        """Store an expert application (or a verified profile, for demo data)."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert(experts).values(
                    user_id=user_id,
                    handle=handle,
                    handle_key=handle.lower(),
                    display_name=display_name,
                    vertical=vertical,
                    tags=tags,
                    bio=bio,
                    status=status,
                    verified_at=now if status == "verified" else None,
                    created_at=now,
                )
            )
            key = result.inserted_primary_key
            if key is None:  # every dialect we run on reports the new row's key
                raise RuntimeError("the insert reported no primary key")
            row = (await conn.execute(select(experts).where(experts.c.id == key[0]))).one()
        return row_to_expert(row)

    async def by_handle(self, handle: str) -> Expert | None:
        """The expert with this handle, case-insensitively."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(experts).where(experts.c.handle_key == handle.lower()))
            ).first()
        return None if row is None else row_to_expert(row)

    async def by_user(self, user_id: int) -> Expert | None:
        """The expert profile of a user, if they have one."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(experts).where(experts.c.user_id == user_id))).first()
        return None if row is None else row_to_expert(row)

    async def get(self, expert_id: int) -> Expert | None:
        """The expert with this id."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(experts).where(experts.c.id == expert_id))).first()
        return None if row is None else row_to_expert(row)

    async def set_status(self, expert_id: int, status: str, *, reason: str | None = None) -> None:
        """Verify, reject or suspend an expert."""
        now = datetime.now(UTC)
        values: dict[str, object] = {"status": status, "reject_reason": reason}
        if status == "verified":
            values["verified_at"] = now
            values["suspended_at"] = None
        elif status == "suspended":
            values["suspended_at"] = now
        async with self._engine.begin() as conn:
            await conn.execute(update(experts).where(experts.c.id == expert_id).values(**values))

    async def follower_count(self, expert_id: int) -> int:
        """How many fans follow this expert."""
        async with self._engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(follows)
                        .where(follows.c.expert_id == expert_id)
                    )
                ).scalar_one()
            )

    async def with_status(self, status: str, *, limit: int = 20) -> list[Expert]:
        """Experts in one status (e.g. pending applications), oldest first."""
        query = select(experts).where(experts.c.status == status).order_by(experts.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.limit(limit))).all()
        return [row_to_expert(row) for row in rows]

    async def reapply(
        self,
        expert_id: int,
        *,
        handle: str,
        display_name: str,
        vertical: str,
        tags: list[str],
        bio: str,
    ) -> Expert:
        """Turn a rejected application into a fresh pending one with new answers."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(experts)
                .where(experts.c.id == expert_id)
                .values(
                    handle=handle,
                    handle_key=handle.lower(),
                    display_name=display_name,
                    vertical=vertical,
                    tags=tags,
                    bio=bio,
                    status="pending",
                    reject_reason=None,
                )
            )
            row = (await conn.execute(select(experts).where(experts.c.id == expert_id))).one()
        return row_to_expert(row)

    async def order_outcomes(self, expert_id: int) -> tuple[int, int]:
        """(refunded orders, orders that were paid at some point) attributed to the expert."""
        refunded = whole_sum(case((orders.c.status == "refunded", 1), else_=0))
        counted = whole_sum(case((orders.c.status.in_(("paid", "refunded")), 1), else_=0))
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(refunded, counted).where(orders.c.expert_id == expert_id))
            ).one()
        return int(row[0] or 0), int(row[1] or 0)
