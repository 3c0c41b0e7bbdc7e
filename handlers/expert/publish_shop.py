"""/publish, the shop step and the preview: which shop sells the item, then how it will look.

The shop is one of the verified merchants on the link's platform (offered as buttons, or found by
its typed shop id or name) or "not registered"; the item is linked to that merchant, so its order
callbacks are the ones attributed to the item (bot/orders/intake.py).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from bot.context import VitrineContext
from bot.domain.callbacks import decode
from bot.domain.errors import DomainError
from bot.domain.partners import find_partner
from bot.experts.callbacks import PublishChangeShop, PublishDecision, PublishShop
from bot.experts.publishing import (
    ShopTerms,
    choose_shop,
    choose_shop_by_text,
    chosen_shop,
    drop_draft,
    load_draft,
    offer_shops,
    partner_whitelist,
)
from bot.orders.merchants import platform_label
from bot.orders.rates import format_rate
from handlers.expert.common import active_expert, error_text, label, reply_error
from handlers.keyboards import NO_BUTTONS, Keyboard, button, keyboard
from storage.repositories.experts import Expert

log = logging.getLogger(__name__)

SHOP, CONFIRM = "shop", "confirm"  # conversation states of /publish
SHOP_NAME_IN_BUTTON = 40


async def ask_shop(update: Update, context: VitrineContext, expert: Expert) -> str:
    """Offer the verified shops on the link's platform, and "not registered".

    Sending the list is the last thing awaited: the conversation moves to SHOP only when this
    returns, and a press arriving before that would find the step still closed.
    """
    services = context.services
    draft = await load_draft(services, context.user.id)
    offer = await offer_shops(services, expert, draft)
    text = services.texts.render(
        "expert/publish_shop",
        context.language,
        platform=_platform(context, offer.partner_key),
        options=[_shop_values(context, option) for option in offer.options],
        total=offer.total,
    )
    rows = [
        [button(label(context, "shop", name=_short(o.merchant.name)), PublishShop(o.merchant.id))]
        for o in offer.options
        if o.merchant is not None
    ]
    rows.append([button(label(context, "shop_none"), PublishShop(None))])
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(rows))
    return SHOP


def _short(name: str, limit: int = SHOP_NAME_IN_BUTTON) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _platform(context: VitrineContext, partner_key: str) -> str:
    """The platform's name in the expert's language ("天猫" for Tmall in Chinese)."""
    partner = find_partner(partner_key, partner_whitelist(context.services))
    return platform_label(context.services, context.language, partner) if partner else partner_key


def _shop_values(context: VitrineContext, terms: ShopTerms) -> dict[str, object]:
    """What the templates show of a shop: platform, name, id, status and the expert's rate."""
    merchant = terms.merchant
    return {
        "platform": _platform(context, terms.partner_key),
        "name": merchant.name if merchant else None,
        "shop_id": merchant.shop_id if merchant else None,
        "status": merchant.status if merchant else None,
        "rate": format_rate(terms.rate_bp) if terms.rate_bp is not None else None,
        "own_rate": terms.own_rate,
        "from_link": terms.from_link,
    }


async def _close_pressed_list(update: Update) -> None:
    """Take the buttons off the pressed shop list: its question is answered."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_reply_markup(NO_BUTTONS)
    except TelegramError:  # pressed twice, or deleted meanwhile: nothing left to close
        log.debug("shop list not closed", exc_info=True)


async def shop_pressed(update: Update, context: VitrineContext) -> str | int:
    """A shop button (or "not registered"): record it and show the preview."""
    query = update.callback_query
    assert query is not None
    try:
        value = decode(query.data)
        if not isinstance(value, PublishShop):
            raise DomainError("callback.unknown")
    except DomainError as error:  # forged or outdated button: say so, keep the draft
        await query.answer(error_text(context, error)[:190], show_alert=True)
        return SHOP
    expert = await active_expert(update, context)
    if expert is None:
        await query.answer()
        await drop_draft(context.services, context.user.id)
        return ConversationHandler.END
    try:
        await choose_shop(context.services, context.user.id, value.merchant_id)
    except DomainError as error:  # e.g. the shop was suspended since the list was shown
        await query.answer(error_text(context, error)[:190], show_alert=True)
        await _close_pressed_list(update)
        return await ask_shop(update, context, expert)
    await query.answer()
    await _close_pressed_list(update)
    return await send_preview(update, context, expert)


async def shop_typed(update: Update, context: VitrineContext) -> str | int:
    """A typed shop id or name: the verified shop on the link's platform it names."""
    text = update.effective_message.text or ""  # type: ignore[union-attr]
    expert = await active_expert(update, context)
    if expert is None:
        await drop_draft(context.services, context.user.id)
        return ConversationHandler.END
    try:
        await choose_shop_by_text(context.services, context.user.id, text)
    except DomainError as error:
        await reply_error(update, context, error)
        return SHOP  # the list above still works
    return await send_preview(update, context, expert)


async def change_shop(update: Update, context: VitrineContext) -> str | int:
    """ "Change shop" on the preview: this preview closes, the shop list comes again."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    expert = await active_expert(update, context)
    if expert is None:
        await drop_draft(context.services, context.user.id)
        return ConversationHandler.END
    await query.edit_message_reply_markup(NO_BUTTONS)
    return await ask_shop(update, context, expert)


def _preview_keyboard(context: VitrineContext) -> Keyboard:
    return keyboard(
        [
            [
                button(label(context, "publish"), PublishDecision(True)),
                button(label(context, "cancel"), PublishDecision(False)),
            ],
            [button(label(context, "change_shop"), PublishChangeShop())],
        ]
    )


async def send_preview(update: Update, context: VitrineContext, expert: Expert) -> str:
    """The item as it will look, with its shop and the expert's rate; Publish / Cancel buttons."""
    services = context.services
    draft = await load_draft(services, context.user.id)
    try:
        shop = await chosen_shop(services, expert, draft)
    except DomainError as error:  # the shop was suspended meanwhile: choose again
        await reply_error(update, context, error)
        return await ask_shop(update, context, expert)
    caption = services.texts.render(
        "expert/item_caption",
        context.language,
        caption=True,
        preview=True,
        title=draft["title"],
        reason=draft["reason"],
        price_fen=draft["price_fen"],
        stock=draft["stock"],
        shop=_shop_values(context, shop),
        status="listed",
        pinned_until=None,
    )
    await update.effective_message.reply_photo(  # type: ignore[union-attr]
        draft["photo_file_id"],
        caption=caption,
        parse_mode=ParseMode.HTML,
        reply_markup=_preview_keyboard(context),
    )
    return CONFIRM
