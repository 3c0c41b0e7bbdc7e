"""Item cards: the caption, the buttons, the details in place of the caption, and sending the
photo (uploaded once, then by file_id)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path

from telegram import InputMediaPhoto, Message, Update
from telegram.error import BadRequest

from bot.context import VitrineContext
from bot.delivery.photo_upload import NoPhotoCopy, PhotoValue, Send, send_photo
from bot.demo.photos import draw_item_photo
from bot.domain.buying import is_buyable, is_listed, is_sold_out
from bot.domain.callbacks import (
    CartAdd,
    ExpertCard,
    FavouriteToggle,
    ItemDetail,
    ItemMore,
    ItemSource,
    ReportItem,
    ReservePresale,
    WindowPage,
)
from bot.domain.clock import local_text
from bot.domain.money import format_fen
from bot.domain.tokens import BuySource
from bot.domain.verticals import get_tag, is_tag
from bot.fan import window
from bot.fan.records import Expert, Item
from bot.links import buy_url
from bot.photos import photo_folder
from bot.texts import MessageTooLong, Texts
from handlers.fan.ui import label, nav_row, short
from handlers.keyboards import Button, Keyboard, button, keyboard, share_button, url_button
from handlers.ui import edit_pressed, shows_already

log = logging.getLogger(__name__)

# Where a card was opened -> the Buy token's source (the token knows fewer places).
BUY_SOURCE: dict[str, BuySource] = {
    "window": "window",
    "feed": "feed",
    "top": "feed",
    "favs": "window",
    "cart": "cart",
    "push": "campaign",
    "share": "share",
    "digest": "campaign",
}


def tag_labels(tags: tuple[str, ...], language: str) -> list[str]:
    """Display labels of the known tags among `tags`."""
    return [get_tag(tag).label(language) for tag in tags if is_tag(tag)]


def item_caption(
    context: VitrineContext,
    item: Item,
    expert: Expert | None,
    *,
    position: int = 0,
    count: int = 0,
    presale_opens: datetime | None = None,
    language: str | None = None,
) -> str:
    """The card's caption; `count` > 0 adds "item i of n in the window"."""
    return card_caption(
        context.services.texts,
        language or context.language,
        item,
        expert,
        timezone=context.user.timezone,
        position=position,
        count=count,
        presale_opens=presale_opens,
    )


def card_caption(
    texts: Texts,
    language: str,
    item: Item,
    expert: Expert | None,
    *,
    timezone: str,
    position: int = 0,
    count: int = 0,
    presale_opens: datetime | None = None,
) -> str:
    """The card's caption in `language`, times in `timezone` (the reader's)."""
    values = {
        "title": item.title,
        "price_fen": item.price_fen,
        "stock": item.stock,
        "sold_out": is_sold_out(item),
        "available": is_listed(item),
        "reason": item.reason if len(item.reason) <= 400 else item.reason[:399] + "…",
        "partner_key": item.partner_key,
        "merchant_name": item.merchant_name,
        "merchant_status": item.merchant_status,
        "expert_name": expert.display_name if expert else "",
        "tag_labels": tag_labels(item.tags, language),
        "position": position,
        "count": count,
        "presale_opens": (  # in the reader's zone (issue 12)
            local_text(presale_opens, timezone) if presale_opens else None
        ),
    }
    return texts.render("fan/item_card", language, caption=True, **values)


def details_text(texts: Texts, language: str, *, reason: str, **values: object) -> str:
    """Render fan/item_details as a caption with the whole `reason`.

    The template fits a caption with the longest titles, names and reasons the rules allow; only
    a reason dense in characters Telegram counts twice (emoji) can overflow, and is then cut.
    """
    try:
        return texts.render("fan/item_details", language, caption=True, reason=reason, **values)
    except MessageTooLong as error:
        # Each character cut takes one or two units off: cut the excess, and one for the "…".
        keep = max(len(reason) - (error.length - error.limit) - 1, 0)
        cut = reason[:keep] + "…"
        return texts.render("fan/item_details", language, caption=True, reason=cut, **values)


def item_details_caption(context: VitrineContext, item: Item, expert: Expert) -> str:
    """The details caption: the whole reason, the shop, who delivers, the partner's terms."""
    return details_text(
        context.services.texts,
        context.language,
        reason=item.reason,
        title=item.title,
        sold_out=is_sold_out(item),
        available=is_listed(item),
        expert_name=expert.display_name,
        partner_key=item.partner_key,
        merchant_name=item.merchant_name,
        merchant_status=item.merchant_status,
    )


def buy_button(
    context: VitrineContext, item: Item, source: str, *, sharer_id: int | None = None
) -> Button:
    """The URL button to the intermediate page, signed for this fan and source."""
    url = buy_url(
        context.services.settings,
        item_id=item.id,
        fan_id=context.user.id,
        source=BUY_SOURCE.get(source, "window"),
        sharer_id=sharer_id,
    )
    return url_button(label(context, "fan.buy", price=_price(item)), url)


def _price(item: Item) -> str:
    return format_fen(item.price_fen)


def item_keyboard(
    context: VitrineContext,
    item: Item,
    *,
    source: ItemSource,
    favourite: bool,
    window_page: tuple[int, int] | None = None,
    presale: bool = False,
    expert_name: str = "",
) -> Keyboard:
    """♥ / 🛒 / Buy / Details / Share / Report, and the window's page buttons if paged."""
    rows: list[list[Button]] = []
    page = window_page[0] if window_page is not None else None
    fav_key = "fan.fav_remove" if favourite else "fan.fav_add"
    first = [button(label(context, fav_key), FavouriteToggle(item.id))]
    if is_buyable(item) and not presale:
        first.append(button(label(context, "fan.cart_add"), CartAdd(item.id)))
    rows.append(first)
    if presale:
        rows.append(
            [button(label(context, "fan.remind", title=short(item.title)), ReservePresale(item.id))]
        )
    elif is_buyable(item):
        rows.append([buy_button(context, item, source)])
    third = [button(label(context, "fan.details"), ItemMore(item.id, source, page))]
    if window_page is None:
        third.append(button(label(context, "fan.window"), WindowPage(item.expert_id, 0)))
    third.append(share_button(label(context, "fan.share"), f"#{item.id}"))
    third.append(button(label(context, "fan.report"), ReportItem(item.id, "")))
    rows.append(third)
    if window_page is not None:
        page, pages = window_page
        rows.append(nav_row(context, lambda p: WindowPage(item.expert_id, p), page, pages))
    else:
        rows.append(
            [
                button(
                    label(context, "fan.expert_card", name=short(expert_name or "…")),
                    ExpertCard(item.expert_id),
                )
            ]
        )
    return keyboard(rows)


def details_keyboard(
    context: VitrineContext,
    item: Item,
    *,
    source: ItemSource,
    page: int | None,
    presale: bool = False,
) -> Keyboard:
    """One Buy button (or the pre-sale reminder) and the way back to the card or window page."""
    rows: list[list[Button]] = []
    if presale:
        rows.append([button(label(context, "fan.remind_short"), ReservePresale(item.id))])
    elif is_buyable(item):
        rows.append([buy_button(context, item, source)])
    if page is not None:
        back = button(label(context, "fan.back_to_window"), WindowPage(item.expert_id, page))
    else:
        back = button(label(context, "fan.back_to_card"), ItemDetail(item.id, source))
    rows.append([back])
    return keyboard(rows)


async def _photo_copy(context: VitrineContext, item: Item) -> str | None:
    """The bot's copy of the item's photo; a plain card is drawn when there is no photo at all."""
    if item.photo_path:
        exists: bool = await asyncio.to_thread(Path(item.photo_path).is_file)
        if exists:
            return item.photo_path
    if item.photo_file_id:
        return None
    return await _plain_card(context, item)


async def _plain_card(context: VitrineContext, item: Item) -> str:
    # No photo on disk and none at Telegram (e.g. removed): draw one so the window still pages.
    path = photo_folder(context.services.settings.data_dir) / f"item-{item.id}.png"
    await asyncio.to_thread(draw_item_photo, item.title, path)
    return str(path)


async def _send_card_photo(context: VitrineContext, item: Item, send: Send) -> object:
    """Send by the stored file id, uploading the kept copy once if Telegram refuses it."""

    async def remember(file_id: str) -> None:
        await window.remember_photo(context.services, item_id=item.id, file_id=file_id)

    copy = await _photo_copy(context, item)
    try:
        return await send_photo(send, file_id=item.photo_file_id, copy_path=copy, remember=remember)
    except NoPhotoCopy:
        # The file id was refused and no copy was ever kept: a plain card rather than nothing.
        return await send_photo(send, file_id=None, copy_path=await _plain_card(context, item))


async def send_item_card(
    update: Update, context: VitrineContext, item: Item, text: str, markup: Keyboard
) -> None:
    """Send the card as a new photo message."""
    chat = update.effective_chat
    if chat is None:
        return

    async def send(photo: PhotoValue) -> Message:
        return await context.bot.send_photo(chat.id, photo, caption=text, reply_markup=markup)

    await _send_card_photo(context, item, send)


async def edit_item_card(
    update: Update, context: VitrineContext, item: Item, text: str, markup: Keyboard
) -> None:
    """Replace the pressed photo message's photo, caption and buttons in place."""
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message) or not message.photo:
        await send_item_card(update, context, item, text, markup)
        return
    if _shows_item_already(message, item, text, markup):
        return  # the page or card pressed is the one shown: an edit would change nothing

    async def edit(photo: PhotoValue) -> object:
        return await message.edit_media(InputMediaPhoto(photo, caption=text), reply_markup=markup)

    try:
        await _send_card_photo(context, item, edit)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return
        raise


def _shows_item_already(message: Message, item: Item, text: str, markup: Keyboard) -> bool:
    """Whether the photo message already is this card: its caption, buttons and the item's photo."""
    same_photo = item.photo_file_id is None or any(
        size.file_id == item.photo_file_id for size in message.photo
    )
    return same_photo and shows_already(message, text, markup)


async def edit_card_caption(
    update: Update, context: VitrineContext, item: Item, text: str, markup: Keyboard
) -> None:
    """Turn the pressed photo message into `text` and `markup`, keeping its photo; a press on
    anything but a photo message gets a new card instead."""
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message) or not message.photo:
        await send_item_card(update, context, item, text, markup)
        return
    await edit_pressed(message, text, markup)  # nothing sent when it shows this already
