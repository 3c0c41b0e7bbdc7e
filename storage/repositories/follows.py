"""Follows: which fans follow which experts, from where, and whether they muted them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, delete, func, select, update

from storage.repositories.experts import Expert, row_to_expert
from storage.schema import experts, follows
from storage.unit_of_work import Database
from storage.upsert import upsert


@dataclass(frozen=True)
class FollowedExpert:
    """One expert a fan follows, with the fan's mute switch."""

    expert: Expert
    muted: bool
    source: str
    followed_at: datetime


class FollowRepository:
    """Reads and writes the follows table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def follow(self, fan_id: int, expert_id: int, source: str) -> bool:
        """Follow the expert; True if this is a new follow (following twice changes nothing)."""
        async with self._engine.begin() as conn:
            statement = upsert(
                conn,
                follows,
                {
                    "fan_id": fan_id,
                    "expert_id": expert_id,
                    "source": source[:32],
                    "muted": False,
                    "created_at": datetime.now(UTC),
                },
                ("fan_id", "expert_id"),
                update=(),
            )
            result = await conn.execute(statement)
        return result.rowcount == 1

    async def unfollow(self, fan_id: int, expert_id: int) -> bool:
        """Stop following; True if the fan was following."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(follows).where(follows.c.fan_id == fan_id, follows.c.expert_id == expert_id)
            )
        return result.rowcount == 1

    async def status(self, fan_id: int, expert_id: int) -> tuple[bool, bool]:
        """(following, muted) for this fan and expert."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(follows.c.muted).where(
                        follows.c.fan_id == fan_id, follows.c.expert_id == expert_id
                    )
                )
            ).first()
        return (False, False) if row is None else (True, bool(row.muted))

    async def toggle_mute(self, fan_id: int, expert_id: int) -> bool | None:
        """Flip the mute switch; the new state, or None if the fan does not follow the expert."""
        async with self._engine.begin() as conn:
            where = and_(follows.c.fan_id == fan_id, follows.c.expert_id == expert_id)
            result = await conn.execute(update(follows).where(where).values(muted=~follows.c.muted))
            if result.rowcount != 1:
                return None
            return bool((await conn.execute(select(follows.c.muted).where(where))).scalar_one())

    async def page(
        self, fan_id: int, *, offset: int, limit: int
    ) -> tuple[list[FollowedExpert], int]:
        """A page of the experts the fan follows (newest follow first) and the total."""
        where = follows.c.fan_id == fan_id
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(follows).where(where))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(
                        experts,
                        follows.c.muted.label("follow_muted"),
                        follows.c.source.label("follow_source"),
                        follows.c.created_at.label("followed_at"),
                    )
                    .select_from(follows.join(experts, experts.c.id == follows.c.expert_id))
                    .where(where)
                    .order_by(follows.c.created_at.desc(), experts.c.id)
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return [
            FollowedExpert(
                expert=row_to_expert(row),
                muted=bool(row.follow_muted),
                source=row.follow_source,
                followed_at=row.followed_at,
            )
            for row in rows
        ], int(total)

    async def expert_ids(self, fan_id: int) -> frozenset[int]:
        """Ids of every expert the fan follows."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(select(follows.c.expert_id).where(follows.c.fan_id == fan_id))
            ).all()
        return frozenset(row.expert_id for row in rows)
