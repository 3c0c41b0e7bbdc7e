"""Buttons on item cards: ♥ favourite, 🛒 add to cart, ⏰ reserve a pre-sale."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Message, Update
from telegram.error import BadRequest

from bot.context import VitrineContext
from bot.domain.callbacks import CartAdd, FavouriteToggle, decode_reserve
from bot.domain.errors import DomainError
from handlers.fan import lists
from handlers.fan.ui import label, notice, stale
from handlers.keyboards import relabelled
from handlers.ui import answer, decoded


async def _relabel(message: Message, data: str, text: str) -> None:
    """Change the label of the pressed button (e.g. ♡ -> ♥) without touching the card."""
    if message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(relabelled(message.reply_markup, data, text))
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
    repos = context.services.repos
    item = await repos.items.get(data.item_id)
    if item is None:
        await stale(update, context, "item_gone")
        return
    now_favourite = await repos.favourites.toggle(context.user.id, item.id)
    if now_favourite:
        await repos.events.record(
            "favourite",
            user_id=context.user.id,
            expert_id=item.expert_id,
            item_id=item.id,
            source="card",
        )
    await answer(update, notice(context, "fav_added" if now_favourite else "fav_removed"))
    message = query.message
    if not isinstance(message, Message):
        return
    if message.text is not None:
        await lists.show_favourites(
            update, context, lists.current_favourites_page(context, message)
        )
    else:
        key = "fan.fav_remove" if now_favourite else "fan.fav_add"
        await _relabel(message, query.data or "", label(context, key))


async def cart_add(update: Update, context: VitrineContext) -> None:
    """Put one more of the item in the cart (only listed, in-stock items)."""
    data = decoded(update, CartAdd)
    if data is None:
        await stale(update, context)
        return
    repos = context.services.repos
    item = await repos.items.get(data.item_id)
    if item is None or not item.available:
        await stale(update, context, "item_gone")
        return
    if item.sold_out:
        await answer(update, notice(context, "sold_out"))
        return
    quantity = await repos.cart.add(context.user.id, item.id)
    await repos.events.record(
        "cart_add",
        user_id=context.user.id,
        expert_id=item.expert_id,
        item_id=item.id,
        source="card",
    )
    await answer(update, notice(context, "cart_added", quantity=quantity))


async def reserve_presale(update: Update, context: VitrineContext) -> None:
    """Reserve a pre-sale item so the fan is reminded when it opens."""
    try:  # buttons sent before the source was carried still reserve
        data = decode_reserve(update.callback_query.data if update.callback_query else None)
    except DomainError:
        await stale(update, context)
        return
    repos = context.services.repos
    item = await repos.items.get(data.item_id)
    opens_at = await repos.browse.presale_opens_at(data.item_id) if item else None
    if item is None or not item.available:
        await stale(update, context, "item_gone")
        return
    if opens_at is None or opens_at <= datetime.now(UTC):
        await answer(update, notice(context, "not_presale"))
        return
    created = await repos.reservations.reserve(context.user.id, item.id)
    if created:
        await repos.events.record(
            "reserve",
            user_id=context.user.id,
            expert_id=item.expert_id,
            item_id=item.id,
            campaign_id=await repos.campaigns.presale_campaign_of(item.id)
            if data.source == "push"
            else None,
            source=data.source,
        )
    await answer(update, notice(context, "reserved" if created else "already_reserved"))
