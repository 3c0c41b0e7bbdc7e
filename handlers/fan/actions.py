"""Buttons on item cards: ♥ favourite, 🛒 add to cart, ⏰ reserve a pre-sale."""

from __future__ import annotations

from telegram import Message, Update
from telegram.error import BadRequest

from bot.context import VitrineContext
from bot.domain.callbacks import CartAdd, FavouriteToggle, decode_reserve
from bot.domain.errors import DomainError
from bot.fan import cart, favourites, window
from handlers.fan import lists
from handlers.fan.ui import label, notice, refuse, stale
from handlers.keyboards import relabelled
from handlers.ui import answer, decoded


async def _relabel(message: Message, data: str, text: str) -> None:
    """Change the label of the pressed button (e.g. ♡ -> ♥) without touching the card."""
    if message.reply_markup is None:
        return
    markup = relabelled(message.reply_markup, data, text)
    if markup == message.reply_markup:
        return  # the button says this already (pressed twice): an edit would change nothing
    try:
        await message.edit_reply_markup(markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def favourite_toggle(update: Update, context: VitrineContext) -> None:
    """Favourite or unfavourite; a card relabels its ♥, the favourites list redraws."""
    data = decoded(update, FavouriteToggle)
    query = update.callback_query
    if data is None or query is None:
        await stale(update, context)
        return
    message = query.message if isinstance(query.message, Message) else None
    on_list = message is not None and message.text is not None
    try:
        toggled = await favourites.toggle_favourite(
            context.services,
            fan_id=context.user.id,
            item_id=data.item_id,
            list_page=lists.current_favourites_page(context, message) if on_list else None,
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await answer(update, notice(context, "fav_added" if toggled.favourite else "fav_removed"))
    if message is None:
        return
    if toggled.listing is not None:
        await lists.draw_favourites(update, context, toggled.listing)
    else:
        key = "fan.fav_remove" if toggled.favourite else "fan.fav_add"
        await _relabel(message, query.data or "", label(context, key))


async def cart_add(update: Update, context: VitrineContext) -> None:
    """Put one more of the item in the cart (only listed, in-stock items)."""
    data = decoded(update, CartAdd)
    if data is None:
        await stale(update, context)
        return
    try:
        added = await cart.add_to_cart(
            context.services, fan_id=context.user.id, item_id=data.item_id
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await answer(update, notice(context, "cart_added", quantity=added.quantity))


async def reserve_presale(update: Update, context: VitrineContext) -> None:
    """Reserve a pre-sale item so the fan is reminded when it opens."""
    try:  # buttons sent before the source was carried still reserve
        data = decode_reserve(update.callback_query.data if update.callback_query else None)
    except DomainError:
        await stale(update, context)
        return
    try:
        reserved = await window.reserve_presale(
            context.services, fan_id=context.user.id, item_id=data.item_id, source=data.source
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await answer(update, notice(context, "reserved" if reserved.created else "already_reserved"))
