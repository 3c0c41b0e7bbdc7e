"""Favourites (收藏): toggle an item's ♥ and show a page of the fan's favourites.

Each use case opens one unit of work; a toggle returns the page the list shows after it, so a
redraw reads what the toggle wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.fan.paging import Paging, clamp_page
from bot.fan.records import Item
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.services import Services

FAVOURITES_PAGE_SIZE = 5


@dataclass(frozen=True)
class FavouritesView:
    """A page of the fan's favourites, newest first."""

    items: tuple[Item, ...]
    paging: Paging
    moved: bool  # the page asked for no longer exists; the last one is shown


@dataclass(frozen=True)
class FavouriteToggled:
    """The item is now a favourite (or no longer), and the favourites page asked for, if any."""

    item: Item
    favourite: bool
    listing: FavouritesView | None


async def favourites_in(uow: Repositories, fan_id: int, page: int) -> FavouritesView:
    """Page `page` of the favourites (the last page if it moved)."""
    offset = max(page, 0) * FAVOURITES_PAGE_SIZE
    items, total = await uow.favourites.page(fan_id, offset=offset, limit=FAVOURITES_PAGE_SIZE)
    paging, moved = clamp_page(page, FAVOURITES_PAGE_SIZE, total)
    if moved:
        items, total = await uow.favourites.page(fan_id, offset=paging.offset, limit=paging.size)
    return FavouritesView(tuple(items), paging, moved)


async def show_favourites(services: Services, *, fan_id: int, page: int) -> FavouritesView:
    """/favorites and its page buttons."""
    async with services.unit_of_work() as uow:
        return await favourites_in(uow, fan_id, page)


async def toggle_favourite(
    services: Services, *, fan_id: int, item_id: int, list_page: int | None = None
) -> FavouriteToggled:
    """♥ on a card or ✕ on the list; adding is counted for the reports.

    `list_page`: the favourites page to return as it is after the toggle (pressed on the list).
    DomainError("item.gone") for an item that no longer exists.
    """
    async with services.unit_of_work(write=True) as uow:
        item = await uow.items.get(item_id)
        if item is None:
            raise DomainError("item.gone")
        favourite = await uow.favourites.toggle(fan_id, item.id)
        if favourite:
            await uow.events.record(
                "favourite",
                user_id=fan_id,
                expert_id=item.expert_id,
                item_id=item.id,
                source="card",
            )
        listing = None if list_page is None else await favourites_in(uow, fan_id, list_page)
        return FavouriteToggled(item, favourite, listing)
