"""Clicks through /go: who followed which Buy link, from where, with which click id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, insert, select

from bot.domain.tokens import CLICK_ID_CHARS
from storage.schema import campaigns, clicks, users
from storage.unit_of_work import Database

USER_AGENT_CHARS = 256


@dataclass(frozen=True)
class Click:
    """One visit of the intermediate page; `id` is the attribution id handed to the partner."""

    id: str
    item_id: int
    fan_id: int | None
    expert_id: int
    source: str
    campaign_id: int | None
    sharer_id: int | None
    created_at: datetime


def _to_click(row: Row[Any]) -> Click:
    r = row._mapping
    return Click(
        id=r["id"],
        item_id=r["item_id"],
        fan_id=r["fan_id"],
        expert_id=r["expert_id"],
        source=r["source"],
        campaign_id=r["campaign_id"],
        sharer_id=r["sharer_id"],
        created_at=r["created_at"],
    )


class ClickRepository:
    """Records and reads clicks."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def record(
        self,
        *,
        click_id: str,
        item_id: int,
        expert_id: int,
        source: str,
        fan_id: int | None,
        campaign_id: int | None,
        sharer_id: int | None,
        user_agent: str | None,
        at: datetime | None = None,
    ) -> Click:
        """Store a click; references to people or campaigns that no longer exist are dropped."""
        created = at or datetime.now(UTC)
        async with self._engine.begin() as conn:
            # Tokens live 30 days: their fan, sharer or campaign may have been deleted since.
            known_users = set(
                (
                    await conn.execute(
                        select(users.c.id).where(
                            users.c.id.in_([i for i in (fan_id, sharer_id) if i is not None])
                        )
                    )
                ).scalars()
            )
            stored_fan = fan_id if fan_id in known_users else None
            stored_sharer = sharer_id if sharer_id in known_users else None
            if campaign_id is not None:
                found = await conn.execute(
                    select(campaigns.c.id).where(campaigns.c.id == campaign_id)
                )
                if found.first() is None:
                    campaign_id = None
            values = {
                "id": click_id,
                "item_id": item_id,
                "fan_id": stored_fan,
                "expert_id": expert_id,
                "source": source[:16],
                "campaign_id": campaign_id,
                "sharer_id": stored_sharer,
                "user_agent": (user_agent or "")[:USER_AGENT_CHARS] or None,
                "created_at": created,
            }
            await conn.execute(insert(clicks).values(**values))
        return Click(
            id=click_id,
            item_id=item_id,
            fan_id=stored_fan,
            expert_id=expert_id,
            source=source[:16],
            campaign_id=campaign_id,
            sharer_id=stored_sharer,
            created_at=created,
        )

    async def record_once(
        self,
        *,
        link_tag: str,
        click_id: str,
        reuse_for: timedelta,
        item_id: int,
        expert_id: int,
        source: str,
        fan_id: int | None,
        campaign_id: int | None,
        sharer_id: int | None,
        user_agent: str | None,
        at: datetime | None = None,
    ) -> Click:
        """The click of this Buy link within `reuse_for`, or a new one whose id starts with it.

        `link_tag` (hex digits, derived from the link) prefixes the id of every click of
        that link, so a reload is found without a column of its own; `click_id` is the rest.
        """
        if not link_tag or not link_tag.isalnum():
            raise ValueError("link_tag must be non-empty letters and digits")
        created = at or datetime.now(UTC)
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(clicks)
                    .where(
                        clicks.c.id.like(link_tag + "%"),
                        clicks.c.item_id == item_id,
                        clicks.c.created_at >= int((created - reuse_for).timestamp()),
                    )
                    .order_by(clicks.c.created_at.desc())
                    .limit(1)
                )
            ).first()
        if row is not None:
            return _to_click(row)
        return await self.record(
            click_id=(link_tag + click_id)[:CLICK_ID_CHARS],
            item_id=item_id,
            expert_id=expert_id,
            source=source,
            fan_id=fan_id,
            campaign_id=campaign_id,
            sharer_id=sharer_id,
            user_agent=user_agent,
            at=created,
        )

    async def get(self, click_id: str) -> Click | None:
        """The click with this id, if any."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(clicks).where(clicks.c.id == click_id))).first()
        return None if row is None else _to_click(row)

    async def count(self) -> int:
        """How many clicks are stored (for tests and reports)."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(clicks))).scalar_one())
