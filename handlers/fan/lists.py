"""/favorites and /cart: paged lists with their buttons (open, remove, quantity, Buy)."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import VitrineContext
from bot.domain.callbacks import (
    CartPage,
    CartRemove,
    CartSetQuantity,
    FavouritesPage,
    FavouriteToggle,
    ItemDetail,
)
from bot.fan.cart import group_by_shop, is_buyable, total_fen
from bot.fan.paging import Paging, clamp_page
from handlers.fan.cards import buy_button
from handlers.fan.ui import label, nav_row, notice, page_button, page_of, render, short, stale
from handlers.keyboards import Button, button, keyboard
from handlers.ui import answer, decoded, show_text
from storage.repositories.items import Item

FAVOURITES_PAGE_SIZE = 5
CART_PAGE_SIZE = 5


def item_state(item: Item) -> str:
    """How a list marks an item: ok, sold_out or delisted (never silently dropped)."""
    if not item.available:
        return "delisted"
    return "sold_out" if item.sold_out else "ok"


def current_favourites_page(context: VitrineContext, message: Message) -> int:
    """The page the favourites message shows."""
    return page_of(message, FavouritesPage, label(context, "fan.prev"))


async def show_favourites(update: Update, context: VitrineContext, page: int) -> bool:
    """Show (or redraw in place) page `page` of the favourites; False if it had to move."""
    repos = context.services.repos
    offset = max(page, 0) * FAVOURITES_PAGE_SIZE
    items, total = await repos.favourites.page(
        context.user.id, offset=offset, limit=FAVOURITES_PAGE_SIZE
    )
    paging, moved = clamp_page(page, FAVOURITES_PAGE_SIZE, total)
    if moved:
        items, total = await repos.favourites.page(
            context.user.id, offset=paging.offset, limit=paging.size
        )
    rows = [
        {
            "n": paging.offset + i + 1,
            "title": item.title,
            "price_fen": item.price_fen,
            "state": item_state(item),
        }
        for i, item in enumerate(items)
    ]
    markup = keyboard(
        [
            [
                button(
                    label(context, "fan.open_item", n=row["n"], title=short(item.title)),
                    ItemDetail(item.id, "favs"),
                ),
                button(label(context, "fan.remove", title=""), FavouriteToggle(item.id)),
            ]
            for row, item in zip(rows, items, strict=False)
        ]
        + [nav_row(context, FavouritesPage, paging.page, paging.pages)]
    )
    text = render(context, "favourites", rows=rows, page=paging.page, pages=paging.pages)
    await show_text(update, context, text, markup)
    return not moved


async def favourites_command(update: Update, context: VitrineContext) -> None:
    """/favorites: the first page of the fan's favourites."""
    await show_favourites(update, context, 0)


favourites_page = page_button(FavouritesPage, show_favourites)


def _cart_keyboard(context: VitrineContext, lines: list, paging: Paging) -> list[list[Button]]:
    rows: list[list[Button]] = []
    for line in lines:
        item, quantity = line.item, line.quantity
        controls = [
            button(label(context, "fan.qty_minus"), CartSetQuantity(item.id, quantity - 1)),
            button(
                label(context, "fan.qty", title=short(item.title, 16), quantity=quantity),
                ItemDetail(item.id, "cart"),
            ),
        ]
        if is_buyable(item):
            controls.append(
                button(
                    label(context, "fan.qty_plus"), CartSetQuantity(item.id, min(quantity + 1, 99))
                )
            )
        controls.append(button(label(context, "fan.remove", title=""), CartRemove(item.id)))
        rows.append(controls)
        if is_buyable(item):
            rows.append([buy_button(context, item, "cart")])
    rows.append(nav_row(context, CartPage, paging.page, paging.pages))
    return rows


async def show_cart(update: Update, context: VitrineContext, page: int) -> bool:
    """Show (or redraw in place) page `page` of the cart, grouped by shop; False if it moved."""
    lines = await context.services.repos.cart.lines(context.user.id)
    groups = group_by_shop(lines)
    ordered = [line for group in groups for line in group.lines]
    paging, moved = clamp_page(page, CART_PAGE_SIZE, len(ordered))
    shown = ordered[paging.offset : paging.offset + paging.size]
    shown_ids = {line.item.id for line in shown}
    numbers = {line.item.id: paging.offset + i + 1 for i, line in enumerate(shown)}
    view = [
        {
            "shop_name": group.shop_name,
            "partner_key": group.partner_key,
            "subtotal_fen": group.subtotal_fen,
            "lines": [
                {
                    "n": numbers[line.item.id],
                    "title": line.item.title,
                    "price_fen": line.item.price_fen,
                    "quantity": line.quantity,
                    "state": item_state(line.item),
                }
                for line in group.lines
                if line.item.id in shown_ids
            ],
        }
        for group in groups
        if any(line.item.id in shown_ids for line in group.lines)
    ]
    text = render(
        context,
        "cart",
        groups=view,
        total_fen=total_fen(groups),
        page=paging.page,
        pages=paging.pages,
    )
    await show_text(update, context, text, keyboard(_cart_keyboard(context, shown, paging)))
    return not moved


async def cart_command(update: Update, context: VitrineContext) -> None:
    """/cart: the fan's cart grouped by shop."""
    await show_cart(update, context, 0)


cart_page = page_button(CartPage, show_cart)


async def _redraw_cart(update: Update, context: VitrineContext) -> None:
    query = update.callback_query
    message = query.message if query else None
    page = (
        page_of(message, CartPage, label(context, "fan.prev"))
        if isinstance(message, Message)
        else 0
    )
    await show_cart(update, context, page)


async def cart_set_quantity(update: Update, context: VitrineContext) -> None:
    """− / + on a cart line (0 removes the line)."""
    data = decoded(update, CartSetQuantity)
    if data is None:
        await stale(update, context)
        return
    repos = context.services.repos
    item = await repos.items.get(data.item_id)
    if item is not None and data.quantity > 0 and not is_buyable(item):
        await answer(update, notice(context, "sold_out" if item.available else "item_gone"))
        return
    quantity = await repos.cart.set_quantity(context.user.id, data.item_id, data.quantity)
    if quantity is None:
        await stale(update, context)
    elif quantity == 0:
        await answer(update, notice(context, "cart_removed"))
    else:
        await answer(update, notice(context, "cart_quantity", quantity=quantity))
    await _redraw_cart(update, context)


async def cart_remove(update: Update, context: VitrineContext) -> None:
    """✕ on a cart line."""
    data = decoded(update, CartRemove)
    if data is None:
        await stale(update, context)
        return
    removed = await context.services.repos.cart.remove(context.user.id, data.item_id)
    await answer(update, notice(context, "cart_removed" if removed else "stale"))
    await _redraw_cart(update, context)
