"""A fan's personal data as one document (/mydata), and erasing it (/forget).

Erasure deletes follows, favourites, cart, interests, settings and reservations, and anonymises
the user row (no Telegram id, empty name, `forgotten_at` set). Messages still waiting in the outbox
are dropped, and every outbox row of the user loses its chat id and content (its status stays, so
campaign counts stay true). Clicks, orders and events keep pointing at the anonymous row, so
merchants' and experts' accounts stay correct.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.schema import (
    cart_items,
    experts,
    fan_settings,
    favourites,
    follows,
    interests,
    items,
    outbox,
    reservations,
    users,
)

# Outbox rows not yet handed to Telegram; a forgotten fan is sent nothing more.
UNSENT_STATUSES = ("queued", "digest")

PERSONAL_TABLES = (follows, favourites, cart_items, interests, fan_settings, reservations)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class FanPrivacyRepository:
    """Exports and erases one fan's personal data."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything personal stored about the user, as JSON-ready data."""
        async with self._engine.connect() as conn:
            user = (await conn.execute(select(users).where(users.c.id == user_id))).one()
            settings = (
                await conn.execute(select(fan_settings).where(fan_settings.c.user_id == user_id))
            ).first()
            tags = (
                await conn.execute(
                    select(interests.c.tag)
                    .where(interests.c.user_id == user_id)
                    .order_by(interests.c.tag)
                )
            ).all()
            followed = (
                await conn.execute(
                    select(
                        experts.c.handle, follows.c.source, follows.c.muted, follows.c.created_at
                    )
                    .select_from(follows.join(experts, experts.c.id == follows.c.expert_id))
                    .where(follows.c.fan_id == user_id)
                    .order_by(follows.c.created_at)
                )
            ).all()

            async def item_rows(table: Any, *extra: Any) -> list[Any]:
                return (
                    await conn.execute(
                        select(items.c.id, items.c.title, table.c.created_at, *extra)
                        .select_from(table.join(items, items.c.id == table.c.item_id))
                        .where(table.c.user_id == user_id)
                        .order_by(table.c.created_at, items.c.id)
                    )
                ).all()

            favs = await item_rows(favourites)
            cart = await item_rows(cart_items, cart_items.c.quantity)
            reserved = await item_rows(reservations, reservations.c.reminded_at)
        settings_data = None
        if settings is not None:
            settings_data = {k: v for k, v in settings._mapping.items() if k != "user_id"}
        return {
            "user": {
                "id": user.id,
                "telegram_id": user.telegram_id,
                "first_name": user.first_name,
                "username": user.username,
                "language": user.language,
                "timezone": user.timezone,
                "created_at": _iso(user.created_at),
                "onboarded_at": _iso(user.onboarded_at),
            },
            "settings": settings_data,
            "interests": [row.tag for row in tags],
            "follows": [
                {
                    "expert": r.handle,
                    "source": r.source,
                    "muted": bool(r.muted),
                    "since": _iso(r.created_at),
                }
                for r in followed
            ],
            "favourites": [
                {"item_id": r.id, "title": r.title, "since": _iso(r.created_at)} for r in favs
            ],
            "cart": [
                {
                    "item_id": r.id,
                    "title": r.title,
                    "quantity": r.quantity,
                    "since": _iso(r.created_at),
                }
                for r in cart
            ],
            "reservations": [
                {
                    "item_id": r.id,
                    "title": r.title,
                    "since": _iso(r.created_at),
                    "reminded_at": _iso(r.reminded_at),
                }
                for r in reserved
            ],
        }

    async def forget(self, user_id: int) -> None:
        """Delete the user's personal data and anonymise their row, in one transaction."""
        async with self._engine.begin() as conn:
            for table in PERSONAL_TABLES:
                column = table.c.fan_id if table is follows else table.c.user_id
                await conn.execute(delete(table).where(column == user_id))
            await conn.execute(
                update(outbox)
                .where(outbox.c.user_id == user_id, outbox.c.status.in_(UNSENT_STATUSES))
                .values(status="dropped", error="forgotten")
            )
            await conn.execute(
                update(outbox)
                .where(outbox.c.user_id == user_id, outbox.c.status != "sending")
                .values(chat_id=0, payload={})
            )
            await conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    telegram_id=None,
                    first_name="",
                    username=None,
                    forgotten_at=datetime.now(UTC),
                )
            )
