"""What the Mini App shows that the chat does not: an expert's window as a grid, and the fan's
way in (the expert a launch names, or the experts they follow).

The app's other screens call the chat's own use cases (bot/fan/*): item details, favourites,
the cart, follow and unfollow, so chat and app can never disagree. Errors are the same
DomainError codes: "expert.unknown" for a handle nobody active has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.fan.paging import Paging, clamp_page
from bot.fan.records import Expert, Item

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories import Repositories

GRID_PAGE_SIZE = 12  # two columns of six on a phone
MAX_HANDLE_CHARS = 64


@dataclass(frozen=True)
class WindowPage:
    """A page of an active expert's window, the same for every fan (`Services.window_pages`)."""

    expert: Expert
    items: tuple[Item, ...]
    paging: Paging


@dataclass(frozen=True)
class WindowGrid:
    """A page of an expert's window as a grid, with the fan's favourites and follow state."""

    expert: Expert
    items: tuple[Item, ...]
    favourites: frozenset[int]
    following: bool
    paging: Paging


async def window_grid(services: Services, *, fan_id: int, handle: str, page: int) -> WindowGrid:
    """Page `page` of the window of the active expert with this handle (the last page if it moved).

    The page itself is the same for every fan and comes from `services.window_pages` when it was
    read in the last few seconds (any catalogue write in this process empties it); the fan's
    favourites and follow are read every time. Nothing is recorded: the reports count the item
    cards a fan opens (see `open_item`), not grids.
    """
    if not handle or len(handle) > MAX_HANDLE_CHARS:
        raise DomainError("expert.unknown", handle=handle[:MAX_HANDLE_CHARS])
    async with services.unit_of_work() as uow:
        shown = await _window_page(services, uow, handle, page)
        item_ids = [item.id for item in shown.items]
        favourites = await uow.favourites.among(fan_id, item_ids)
        following, _muted = await uow.follows.status(fan_id, shown.expert.id)
    return WindowGrid(shown.expert, shown.items, frozenset(favourites), following, shown.paging)


async def _window_page(services: Services, uow: Repositories, handle: str, page: int) -> WindowPage:
    cache = services.window_pages
    kept = cache.get((handle, page))
    if kept is not None:
        return kept
    read_at = cache.reading()
    expert = await uow.experts.by_handle(handle)
    if expert is None or not expert.is_active:
        raise DomainError("expert.unknown", handle=handle)
    offset = max(page, 0) * GRID_PAGE_SIZE
    items, total = await uow.items.window(expert.id, offset=offset, limit=GRID_PAGE_SIZE)
    paging, moved = clamp_page(page, GRID_PAGE_SIZE, total)
    if moved and total:
        items, total = await uow.items.window(expert.id, offset=paging.offset, limit=GRID_PAGE_SIZE)
    shown = WindowPage(expert, tuple(items), paging)
    if not moved:  # an old page number is not worth a place of its own
        cache.keep((handle, page), shown, read_at)
    return shown


async def expert_by_handle(services: Services, *, handle: str) -> Expert:
    """The active expert a handle names, else DomainError("expert.unknown")."""
    async with services.unit_of_work() as uow:
        expert = await uow.experts.by_handle(handle[:MAX_HANDLE_CHARS])
    if expert is None or not expert.is_active:
        raise DomainError("expert.unknown", handle=handle[:MAX_HANDLE_CHARS])
    return expert
