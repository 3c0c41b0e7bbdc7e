"""A real SQLite file with an expert, her window and a fan, for the fan use cases' tests."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import Services
from storage.repositories.experts import Expert
from storage.repositories.items import Item
from tests.services.campaign_world import expert, window


@dataclass(frozen=True)
class World:
    """Lina (a verified beauty expert) with three listed items in stock, and Ann, a fan."""

    lina: Expert
    items: list[Item]
    ann: int  # the fan's user id


async def world(services: Services) -> World:
    """Lina, her window of three, and Ann, who follows nobody yet."""
    _user_id, lina = await expert(services, 901, "lina")
    items = await window(services, lina.id, 3)
    ann = await services.repos.users.upsert_from_telegram(7001, "Ann", None, "en")
    return World(lina, items, ann.id)


async def sold_out(services: Services, item: Item) -> Item:
    """The item with its last piece sold."""
    return await services.repos.items.update_fields(item.id, stock=0)
