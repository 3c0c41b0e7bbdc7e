"""/publish, the screens after the link: which shop sells the item, then how it will look.

The shop is one of the verified merchants on the link's platform (offered as buttons, or found by
its typed shop id or name) or "not registered"; the item is linked to that merchant, so its order
callbacks are the ones attributed to the item (bot/orders/intake.py). What to show is decided by
the use cases of bot/experts/publishing.py; here it is only drawn.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import VitrineContext
from bot.domain.partners import find_partner
from bot.experts.callbacks import PublishChangeShop, PublishDecision, PublishShop
from bot.experts.publishing import Preview, Screen, ShopQuestion, ShopTerms, partner_whitelist
from bot.merchants.shops import platform_label
from bot.orders.rates import format_rate
from handlers.expert.common import label, reply_error
from handlers.keyboards import NO_BUTTONS, Keyboard, button, keyboard

log = logging.getLogger(__name__)

SHOP, CONFIRM = "shop", "confirm"  # the flow's steps of /publish after the link
SHOP_NAME_IN_BUTTON = 40


def step_of(screen: Screen) -> str:
    """The step a screen waits at: the shop list at SHOP, the preview at CONFIRM."""
    return SHOP if isinstance(screen, ShopQuestion) else CONFIRM


def _short(name: str, limit: int = SHOP_NAME_IN_BUTTON) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _platform(context: VitrineContext, partner_key: str) -> str:
    """The platform's name in the expert's language ("天猫" for Tmall in Chinese)."""
    partner = find_partner(partner_key, partner_whitelist(context.services))
    return platform_label(context.services, context.language, partner) if partner else partner_key


def shop_values(context: VitrineContext, terms: ShopTerms) -> dict[str, object]:
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


async def close_pressed(update: Update) -> None:
    """Take the buttons off the pressed message (a shop list or a preview): it is answered."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_reply_markup(NO_BUTTONS)
    except TelegramError:  # pressed twice, or deleted meanwhile: nothing left to close
        log.debug("pressed message not closed", exc_info=True)


async def _ask_shop(update: Update, context: VitrineContext, question: ShopQuestion) -> None:
    """Offer the verified shops on the link's platform, and "not registered"."""
    offer = question.offer
    text = context.services.texts.render(
        "expert/publish_shop",
        context.language,
        platform=_platform(context, offer.partner_key),
        options=[shop_values(context, option) for option in offer.options],
        total=offer.total,
    )
    rows = [
        [button(label(context, "shop", name=_short(o.merchant.name)), PublishShop(o.merchant.id))]
        for o in offer.options
        if o.merchant is not None
    ]
    rows.append([button(label(context, "shop_none"), PublishShop(None))])
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, reply_markup=keyboard(rows))


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


async def _send_preview(update: Update, context: VitrineContext, preview: Preview) -> None:
    """The item as it will look, with its shop and the expert's rate; Publish / Cancel buttons."""
    caption = context.services.texts.render(
        "expert/item_caption",
        context.language,
        caption=True,
        preview=True,
        title=preview.title,
        reason=preview.reason,
        price_fen=preview.price_fen,
        stock=preview.stock,
        shop=shop_values(context, preview.shop),
        status="listed",
        pinned_until=None,
    )
    message = update.effective_message
    if message is not None:
        await message.reply_photo(
            preview.photo_file_id, caption=caption, reply_markup=_preview_keyboard(context)
        )


async def show_screen(
    update: Update, context: VitrineContext, screen: Screen, *, said: bool = False
) -> None:
    """Draw a screen as a new message; a shop question's refusal is said first unless `said`
    (a pressed button already answered it with an alert)."""
    if isinstance(screen, Preview):
        await _send_preview(update, context, screen)
        return
    if screen.refused is not None and not said:
        await reply_error(update, context, screen.refused)
    await _ask_shop(update, context, screen)
