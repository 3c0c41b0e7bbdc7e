"""/favorites and /cart: paged lists with their buttons (open, remove, quantity, Buy)."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import VitrineContext
from bot.domain.buying import is_buyable, is_listed, is_sold_out
from bot.domain.callbacks import (
    CartPage,
    CartRemove,
    CartSetQuantity,
    FavouritesPage,
    FavouriteToggle,
    ItemDetail,
)
from bot.domain.errors import DomainError
from bot.fan import cart, favourites
from bot.fan.cart import CartChanged, CartView
from bot.fan.favourites import FavouritesView
from bot.fan.records import CartLine, Item
from handlers.fan.cards import buy_button
from handlers.fan.ui import (
    label,
    nav_row,
    notice,
    page_button,
    page_of,
    refuse,
    render,
    short,
    stale,
)
from handlers.keyboards import Button, button, keyboard
from handlers.ui import answer, decoded, show_text


def item_state(item: Item) -> str:
    """How a list marks an item: ok, sold_out or delisted (never silently dropped)."""
    if not is_listed(item):
        return "delisted"
    return "sold_out" if is_sold_out(item) else "ok"


def current_favourites_page(context: VitrineContext, message: Message | None) -> int:
    """The page the favourites message shows."""
    return page_of(message, FavouritesPage, label(context, "fan.prev"))


async def draw_favourites(update: Update, context: VitrineContext, view: FavouritesView) -> None:
    """Show (or redraw in place) a page of the favourites."""
    paging = view.paging
    rows = [
        {
            "n": paging.offset + i + 1,
            "title": item.title,
            "price_fen": item.price_fen,
            "state": item_state(item),
        }
        for i, item in enumerate(view.items)
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
            for row, item in zip(rows, view.items, strict=False)
        ]
        + [nav_row(context, FavouritesPage, paging.page, paging.pages)]
    )
    text = render(context, "favourites", rows=rows, page=paging.page, pages=paging.pages)
    await show_text(update, context, text, markup)


async def show_favourites(update: Update, context: VitrineContext, page: int) -> bool:
    """Show page `page` of the favourites; False if it had to move."""
    view = await favourites.show_favourites(context.services, fan_id=context.user.id, page=page)
    await draw_favourites(update, context, view)
    return not view.moved


async def favourites_command(update: Update, context: VitrineContext) -> None:
    """/favorites: the first page of the fan's favourites."""
    await show_favourites(update, context, 0)


favourites_page = page_button(FavouritesPage, show_favourites)


def _cart_keyboard(context: VitrineContext, view: CartView) -> list[list[Button]]:
    rows: list[list[Button]] = []
    for line in view.shown:
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
    rows.append(nav_row(context, CartPage, view.paging.page, view.paging.pages))
    return rows


def _line_view(line: CartLine, number: int) -> dict[str, object]:
    return {
        "n": number,
        "title": line.item.title,
        "price_fen": line.item.price_fen,
        "quantity": line.quantity,
        "state": item_state(line.item),
    }


async def draw_cart(update: Update, context: VitrineContext, view: CartView) -> None:
    """Show (or redraw in place) a page of the cart, grouped by shop."""
    shown_ids = {line.item.id for line in view.shown}
    numbers = {line.item.id: view.paging.offset + i + 1 for i, line in enumerate(view.shown)}
    groups = [
        {
            "shop_name": group.shop_name,
            "partner_key": group.partner_key,
            "subtotal_fen": group.subtotal_fen,
            "lines": [
                _line_view(line, numbers[line.item.id])
                for line in group.lines
                if line.item.id in shown_ids
            ],
        }
        for group in view.groups
        if any(line.item.id in shown_ids for line in group.lines)
    ]
    text = render(
        context,
        "cart",
        groups=groups,
        total_fen=view.total_fen,
        page=view.paging.page,
        pages=view.paging.pages,
    )
    await show_text(update, context, text, keyboard(_cart_keyboard(context, view)))


async def show_cart(update: Update, context: VitrineContext, page: int) -> bool:
    """Show page `page` of the cart; False if it moved."""
    view = await cart.show_cart(context.services, fan_id=context.user.id, page=page)
    await draw_cart(update, context, view)
    return not view.moved


async def cart_command(update: Update, context: VitrineContext) -> None:
    """/cart: the fan's cart grouped by shop."""
    await show_cart(update, context, 0)


cart_page = page_button(CartPage, show_cart)


def _pressed_cart_page(update: Update, context: VitrineContext) -> int:
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message):
        return 0
    return page_of(message, CartPage, label(context, "fan.prev"))


async def _answer_change(update: Update, context: VitrineContext, changed: CartChanged) -> None:
    if changed.quantity is None:
        await stale(update, context)
    elif changed.quantity == 0:
        await answer(update, notice(context, "cart_removed"))
    else:
        await answer(update, notice(context, "cart_quantity", quantity=changed.quantity))
    await draw_cart(update, context, changed.cart)


async def cart_set_quantity(update: Update, context: VitrineContext) -> None:
    """− / + on a cart line (0 removes the line)."""
    data = decoded(update, CartSetQuantity)
    if data is None:
        await stale(update, context)
        return
    try:
        changed = await cart.set_cart_quantity(
            context.services,
            fan_id=context.user.id,
            item_id=data.item_id,
            quantity=data.quantity,
            page=_pressed_cart_page(update, context),
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await _answer_change(update, context, changed)


async def cart_remove(update: Update, context: VitrineContext) -> None:
    """✕ on a cart line."""
    data = decoded(update, CartRemove)
    if data is None:
        await stale(update, context)
        return
    changed = await cart.remove_from_cart(
        context.services,
        fan_id=context.user.id,
        item_id=data.item_id,
        page=_pressed_cart_page(update, context),
    )
    await _answer_change(update, context, changed)
