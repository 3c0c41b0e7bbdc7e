"""A fan's personal data as one document (/mydata), and erasing it (/forget).

The export holds the profile, settings, interests, follows, favourites, cart and reservations,
plus the fan's clicks through /go and the orders partners attributed to them (without click ids,
commissions or other people's ids).

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

from storage.schema import (
    cart_items,
    clicks,
    experts,
    fan_settings,
    favourites,
    follows,
    interests,
    items,
    merchants,
    orders,
    outbox,
    reservations,
    users,
)
from storage.unit_of_work import Database

# Outbox rows not yet handed to Telegram; a forgotten fan is sent nothing more.
UNSENT_STATUSES = ("queued", "digest")

PERSONAL_TABLES = (follows, favourites, cart_items, interests, fan_settings, reservations)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class FanPrivacyRepository:
    """Exports and erases one fan's personal data."""

    def __init__(self, engine: Database) -> None:
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
                result = await conn.execute(
                    select(items.c.id, items.c.title, table.c.created_at, *extra)
                    .select_from(table.join(items, items.c.id == table.c.item_id))
                    .where(table.c.user_id == user_id)
                    .order_by(table.c.created_at, items.c.id)
                )
                return list(result.all())

            favs = await item_rows(favourites)
            cart = await item_rows(cart_items, cart_items.c.quantity)
            reserved = await item_rows(reservations, reservations.c.reminded_at)
            clicked = (
                await conn.execute(
                    select(
                        clicks.c.created_at,
                        clicks.c.source,
                        items.c.id.label("item_id"),
                        items.c.title,
                        experts.c.handle,
                    )
                    .select_from(
                        clicks.join(items, items.c.id == clicks.c.item_id).join(
                            experts, experts.c.id == clicks.c.expert_id
                        )
                    )
                    .where(clicks.c.fan_id == user_id)
                    .order_by(clicks.c.created_at, clicks.c.id)
                )
            ).all()
            ordered = (
                await conn.execute(
                    select(
                        orders.c.partner_key,
                        orders.c.partner_order_id,
                        orders.c.quantity,
                        orders.c.amount_fen,
                        orders.c.status,
                        orders.c.occurred_at,
                        orders.c.item_id,
                        items.c.title,
                        merchants.c.name.label("shop"),
                        clicks.c.created_at.label("clicked_at"),
                    )
                    .select_from(
                        orders.join(clicks, clicks.c.id == orders.c.click_id)
                        .join(merchants, merchants.c.id == orders.c.merchant_id)
                        .outerjoin(items, items.c.id == orders.c.item_id)
                    )
                    .where(clicks.c.fan_id == user_id)
                    .order_by(orders.c.occurred_at, orders.c.id)
                )
            ).all()
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
            # What the fan clicked through /go and the orders the partners attributed to those
            # clicks. Left out on purpose: click ids (attribution keys between us and partners),
            # who shared a card, browser user agents (a forwarded link is opened by someone else),
            # commissions (the expert's money) and anyone's Telegram id.
            "clicks": [
                {
                    "at": _iso(r.created_at),
                    "item_id": r.item_id,
                    "title": r.title,
                    "expert": r.handle,
                    "source": r.source,
                }
                for r in clicked
            ],
            "orders": [
                {
                    "platform": r.partner_key,
                    "shop": r.shop,
                    "order_id": r.partner_order_id,
                    "item_id": r.item_id,
                    "title": r.title,
                    "quantity": r.quantity,
                    "amount_fen": r.amount_fen,
                    "status": r.status,
                    "ordered_at": _iso(r.occurred_at),
                    "clicked_at": _iso(r.clicked_at),
                }
                for r in ordered
            ],
        }

    async def forgotten(self, user_id: int) -> bool | None:
        """Whether the user was forgotten already; None when there is no such user."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(users.c.forgotten_at).where(users.c.id == user_id))
            ).first()
        return None if row is None else row[0] is not None

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
