"""Window management: edits, restock, delist/relist, reorder and pin — each one audited."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.campaigns.withdraw import campaign_item_changed
from bot.domain.errors import DomainError
from bot.domain.money import parse_price_to_fen, parse_stock
from bot.domain.publishing import validate_reason, validate_title
from bot.experts.rules import pin_end

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.experts import Expert
    from storage.repositories.items import Item

PAGE_SIZE = 5
_COLUMN_OF_FIELD = {"price": "price_fen", "stock": "stock", "reason": "reason", "title": "title"}


async def owned_item(services: Services, expert: Expert, item_id: int) -> Item:
    """The expert's own item, or DomainError("window.not_yours") (also for unknown ids)."""
    item = await services.repos.items.get(item_id)
    if item is None or item.expert_id != expert.id:
        raise DomainError("window.not_yours")
    return item


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
    services: Services, expert: Expert, item_id: int, field: str, text: str
) -> Item:
    """Validate and store a new value for one field; audited with the old and new values."""
    item = await owned_item(services, expert, item_id)
    if item.status == "suspended":
        raise DomainError("window.suspended")
    value = parse_field(field, text)
    column = _COLUMN_OF_FIELD[field]
    old = getattr(item, column)
    updated = await services.repos.items.update_fields(item_id, **{column: value})
    await campaign_item_changed(services.repos, item_id)
    await services.repos.audit.record(
        expert.user_id, f"item.edit.{field}", "item", item_id, {"old": old, "new": value}
    )
    return updated


async def change_listing(services: Services, expert: Expert, item_id: int, *, listed: bool) -> Item:
    """Delist or relist an item (a suspended item stays suspended); audited."""
    item = await owned_item(services, expert, item_id)
    if item.status == "suspended":
        raise DomainError("window.suspended")
    status, source = ("listed", "delisted") if listed else ("delisted", "listed")
    if await services.repos.items.set_status(item_id, status, only_from=(source,)):
        await campaign_item_changed(services.repos, item_id)
        await services.repos.audit.record(
            expert.user_id, "item.relist" if listed else "item.delist", "item", item_id
        )
    return await owned_item(services, expert, item_id)


async def move_item(services: Services, expert: Expert, item_id: int, direction: int) -> bool:
    """Move an item one place up (-1) or down (+1) in the window; False when already at the end."""
    await owned_item(services, expert, item_id)
    moved = await services.repos.items.move(item_id, direction)
    if moved:
        await services.repos.audit.record(
            expert.user_id, "item.move", "item", item_id, {"direction": direction}
        )
    return moved


async def pin_item(
    services: Services,
    expert: Expert,
    item_id: int,
    days: int | None,
    *,
    now: datetime | None = None,
) -> Item:
    """Pin a listed item to the headline slot for `days` days (None unpins); audited."""
    item = await owned_item(services, expert, item_id)
    until = None
    if days is not None:
        if item.status != "listed":
            raise DomainError("window.pin_unlisted")
        until = pin_end(days, now)
    await services.repos.items.pin(item_id, until)
    await services.repos.audit.record(
        expert.user_id,
        "item.pin" if until else "item.unpin",
        "item",
        item_id,
        {"until": int(until.timestamp())} if until else {},
    )
    return await owned_item(services, expert, item_id)
