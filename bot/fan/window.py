"""An expert's window (橱窗) and the item cards in it, one use case per function: open a window
(by handle, or among the followed experts), page it, open an item's card or its details,
reserve a pre-sale item, keep the photo's Telegram file id.

Each opens one unit of work, applies the rules of bot/domain and returns a result dataclass, or
raises DomainError: "expert.unknown" (a handle nobody active has), "expert.gone" (an expert no
longer shown), "item.gone", "item.not_presale".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.domain.buying import is_listed
from bot.domain.callbacks import ReserveSource
from bot.domain.errors import DomainError
from bot.domain.states import ItemStatus
from bot.fan.paging import Paging, clamp_page
from bot.fan.records import Expert, Item
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.services import Services

WINDOW_PAGE_SIZE = 1  # one photo card per page; the page buttons edit it in place
MAX_WINDOW_CHOICES = 10


def now_utc() -> datetime:
    """The current instant (one place, so tests read clearly)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class WindowView:
    """One page of an expert's window: the item on it (None: the window is empty)."""

    expert: Expert
    item: Item | None
    favourite: bool
    paging: Paging
    out_of_range: bool  # the page asked for no longer exists; the last one is shown


@dataclass(frozen=True)
class WindowOpened:
    """/window: the window of the expert named (or of the one followed), or experts to choose."""

    view: WindowView | None
    choices: tuple[Expert, ...] = ()


@dataclass(frozen=True)
class ShownItem:
    """An item a card button names, its expert, and when its pre-sale opens (None: not one)."""

    item: Item
    expert: Expert
    presale_opens: datetime | None
    favourite: bool


@dataclass(frozen=True)
class Reserved:
    """A pre-sale reservation: `created` False when the fan had reserved it already."""

    item: Item
    created: bool


# --- inside a unit of work: the steps the use cases share ---------------------------------


async def active_expert(uow: Repositories, expert_id: int) -> Expert:
    """The expert if fans may still see them, else DomainError("expert.gone")."""
    expert = await uow.experts.get(expert_id)
    if expert is None or not expert.is_active:
        raise DomainError("expert.gone")
    return expert


async def window_in(
    uow: Repositories, *, fan_id: int, expert: Expert, page: int, source: str = "window"
) -> WindowView:
    """Page `page` of the window (the last page if it moved); records the card the fan opens."""
    items, total = await uow.items.window(expert.id, offset=max(page, 0), limit=WINDOW_PAGE_SIZE)
    paging, out_of_range = clamp_page(page, WINDOW_PAGE_SIZE, total)
    if out_of_range and total:
        items, total = await uow.items.window(
            expert.id, offset=paging.offset, limit=WINDOW_PAGE_SIZE
        )
    if not items:
        return WindowView(expert, None, False, paging, out_of_range)
    item = items[0]
    favourite = item.id in await uow.favourites.among(fan_id, [item.id])
    await uow.events.record(
        "card_open", user_id=fan_id, expert_id=expert.id, item_id=item.id, source=source
    )
    return WindowView(expert, item, favourite, paging, out_of_range)


async def shown_item_in(uow: Repositories, *, fan_id: int, item_id: int, at: datetime) -> ShownItem:
    """The item with its expert, if a card may still show it; else DomainError("item.gone")."""
    item = await uow.items.get(item_id)
    expert = await uow.experts.get(item.expert_id) if item else None
    if (
        item is None
        or expert is None
        or not expert.is_active
        or item.status == ItemStatus.SUSPENDED
    ):
        raise DomainError("item.gone")
    opens_at = await uow.browse.presale_opens_at(item.id)
    favourite = item.id in await uow.favourites.among(fan_id, [item.id])
    presale = opens_at if opens_at is not None and opens_at > at else None
    return ShownItem(item, expert, presale, favourite)


# --- the use cases ------------------------------------------------------------------------


async def open_window(services: Services, *, fan_id: int, handle: str | None) -> WindowOpened:
    """/window <handle>: that expert's first page; bare /window: the one followed expert's window,
    or the followed experts to choose from (none: an empty choice)."""
    async with services.unit_of_work(write=True) as uow:
        if handle is None:
            followed, _total = await uow.follows.page(fan_id, offset=0, limit=MAX_WINDOW_CHOICES)
            active = tuple(f.expert for f in followed if f.expert.is_active)
            if len(active) != 1:
                return WindowOpened(None, active)
            return WindowOpened(await window_in(uow, fan_id=fan_id, expert=active[0], page=0))
        expert = await uow.experts.by_handle(handle)
        if expert is None or not expert.is_active:
            raise DomainError("expert.unknown", handle=handle)
        return WindowOpened(await window_in(uow, fan_id=fan_id, expert=expert, page=0))


async def window_page(services: Services, *, fan_id: int, expert_id: int, page: int) -> WindowView:
    """Page `page` of an expert's window (a page button)."""
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, expert_id)
        return await window_in(uow, fan_id=fan_id, expert=expert, page=page)


async def open_item(
    services: Services, *, fan_id: int, item_id: int, source: str, new_card: bool
) -> ShownItem:
    """An item's card; `new_card` when it is sent as a new message, which counts as an open."""
    async with services.unit_of_work(write=new_card) as uow:
        shown = await shown_item_in(uow, fan_id=fan_id, item_id=item_id, at=now_utc())
        if new_card:
            await uow.events.record(
                "card_open",
                user_id=fan_id,
                expert_id=shown.expert.id,
                item_id=shown.item.id,
                source=source,
            )
        return shown


async def item_details(services: Services, *, fan_id: int, item_id: int) -> ShownItem:
    """What the card leaves out (the whole reason, the shop, who delivers)."""
    async with services.unit_of_work() as uow:
        return await shown_item_in(uow, fan_id=fan_id, item_id=item_id, at=now_utc())


async def reserve_presale(
    services: Services, *, fan_id: int, item_id: int, source: ReserveSource
) -> Reserved:
    """Reserve a pre-sale item so the fan is reminded when it opens (twice: reserved once).

    A reservation from a push is credited to the pre-sale campaign that announced the item.
    """
    async with services.unit_of_work(write=True) as uow:
        item = await uow.items.get(item_id)
        if item is None or not is_listed(item):
            raise DomainError("item.gone")
        opens_at = await uow.browse.presale_opens_at(item.id)
        if opens_at is None or opens_at <= now_utc():
            raise DomainError("item.not_presale")
        created = await uow.reservations.reserve(fan_id, item.id)
        if created:
            campaign_id = (
                await uow.campaigns.presale_campaign_of(item.id) if source == "push" else None
            )
            await uow.events.record(
                "reserve",
                user_id=fan_id,
                expert_id=item.expert_id,
                item_id=item.id,
                campaign_id=campaign_id,
                source=source,
            )
        return Reserved(item, created)


async def remember_photo(services: Services, *, item_id: int, file_id: str) -> None:
    """Keep the Telegram file id of the item's photo, so later cards send it without uploading."""
    async with services.unit_of_work(write=True) as uow:
        await uow.items.remember_photo(item_id, file_id)
