"""Window management, one use case per function, each in one unit of work and audited: the
page of /mywindow, an item's card, edits and restock, delist/relist, reorder and pin.

Every use case starts by checking that the user is a verified expert (DomainError
"expert.not_allowed" with the status, bot/experts/access.py) and that the item is theirs
(DomainError "window.not_yours", also for unknown ids), so a forged button acts on nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from bot.campaigns.withdraw import campaign_item_changed
from bot.domain.errors import DomainError
from bot.domain.money import parse_price_to_fen, parse_stock
from bot.domain.publishing import validate_reason, validate_title
from bot.domain.states import ItemStatus
from bot.experts.access import Expert, active_expert
from bot.experts.rules import pin_end

# The item type the window screens show; handlers take it from here, not from storage.
from storage.repositories.items import Item as Item

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories import Repositories

PAGE_SIZE = 5
_COLUMN_OF_FIELD = {"price": "price_fen", "stock": "stock", "reason": "reason", "title": "title"}
Listing = Literal["delisted", "relisted"]


@dataclass(frozen=True)
class WindowPage:
    """One page of the expert's own window (page counts from 0)."""

    expert: Expert
    items: list[Item]
    total: int
    page: int

    @property
    def pages(self) -> int:
        """How many pages the window has (at least one, even when empty)."""
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class Moved:
    """The outcome of moving an item: `moved` is False when it was already at that end."""

    item: Item
    moved: bool


async def _owned(uow: Repositories, expert: Expert, item_id: int) -> Item:
    item = await uow.items.get(item_id)
    if item is None or item.expert_id != expert.id:
        raise DomainError("window.not_yours")
    return item


async def _editable(uow: Repositories, expert: Expert, item_id: int) -> Item:
    item = await _owned(uow, expert, item_id)
    if item.status == ItemStatus.SUSPENDED:
        raise DomainError("window.suspended")
    return item


async def window_page(services: Services, *, user_id: int, page: int) -> WindowPage:
    """Page `page` of the expert's own items (listed, delisted, suspended) in window order."""
    page = max(0, page)
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        items, total = await uow.items.of_expert(
            expert.id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
        )
    return WindowPage(expert, items, total, page)


async def owned_item(services: Services, *, user_id: int, item_id: int) -> Item:
    """One of the expert's own items, to show its card."""
    async with services.unit_of_work() as uow:
        return await _owned(uow, await active_expert(uow, user_id), item_id)


async def start_edit(services: Services, *, user_id: int, item_id: int) -> Item:
    """May the expert edit this item now? (Not a suspended one: DomainError "window.suspended".)"""
    async with services.unit_of_work() as uow:
        return await _editable(uow, await active_expert(uow, user_id), item_id)


def parse_field(field: str, text: str) -> object:
    """Read a typed value for an editable field with the publisher's own rules."""
    if field == "price":
        return parse_price_to_fen(text)
    if field == "stock":
        return parse_stock(text)
    if field == "reason":
        return validate_reason(text)
    if field == "title":
        return validate_title(text)
    raise DomainError("window.bad_field", field=field)


async def edit_field(
    services: Services, *, user_id: int, item_id: int, field: str, text: str
) -> Item:
    """Validate and store a new value for one field; audited with the old and new values."""
    value = parse_field(field, text)
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        item = await _editable(uow, expert, item_id)
        column = _COLUMN_OF_FIELD[field]
        old = getattr(item, column)
        updated = await uow.items.update_fields(item_id, **{column: value})
        await campaign_item_changed(uow, item_id)
        await uow.audit.record(
            expert.user_id, f"item.edit.{field}", "item", item_id, {"old": old, "new": value}
        )
    return updated


async def change_listing(services: Services, *, user_id: int, item_id: int, listed: bool) -> Item:
    """Delist or relist an item (a suspended item stays suspended); audited when it changed."""
    status, source = (
        (ItemStatus.LISTED, ItemStatus.DELISTED)
        if listed
        else (ItemStatus.DELISTED, ItemStatus.LISTED)
    )
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        await _editable(uow, expert, item_id)
        if await uow.items.set_status(item_id, status, only_from=(source,)):
            await campaign_item_changed(uow, item_id)
            await uow.audit.record(
                expert.user_id, "item.relist" if listed else "item.delist", "item", item_id
            )
        return await _owned(uow, expert, item_id)


async def move_item(services: Services, *, user_id: int, item_id: int, direction: int) -> Moved:
    """Move an item one place up (-1) or down (+1) in the window; `moved` False at an end."""
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        await _owned(uow, expert, item_id)
        moved = await uow.items.move(item_id, direction)
        if moved:
            await uow.audit.record(
                expert.user_id, "item.move", "item", item_id, {"direction": direction}
            )
        return Moved(await _owned(uow, expert, item_id), moved)


async def pin_item(
    services: Services,
    *,
    user_id: int,
    item_id: int,
    days: int | None,
    now: datetime | None = None,
) -> Item:
    """Pin a listed item to the headline slot for `days` days (None unpins); audited."""
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        item = await _owned(uow, expert, item_id)
        until = None
        if days is not None:
            if item.status != ItemStatus.LISTED:
                raise DomainError("window.pin_unlisted")
            until = pin_end(days, now)
        await uow.items.pin(item_id, until)
        await uow.audit.record(
            expert.user_id,
            "item.pin" if until else "item.unpin",
            "item",
            item_id,
            {"until": int(until.timestamp())} if until else {},
        )
        return await _owned(uow, expert, item_id)


async def remember_photo(services: Services, *, item_id: int, file_id: str) -> None:
    """Keep the file id Telegram gave a re-uploaded photo, so the next card sends it by id."""
    async with services.unit_of_work(write=True) as uow:
        await uow.items.remember_photo(item_id, file_id)
