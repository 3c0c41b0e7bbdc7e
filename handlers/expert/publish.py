"""/publish: photo → title → reason → price → stock → link → shop → preview → item.

The shop step asks which shop sells the item (the verified merchants on the link's platform, or
"not registered"), unless the link itself names a verified shop; the item is linked to that
merchant. The conversation state is persisted by bot.persistence; the draft is stored after every
step (bot.experts.publishing), so a restarted bot continues exactly where the expert was.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

from telegram import PhotoSize, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import VitrineContext
from bot.domain.callbacks import callback_pattern, decode
from bot.domain.errors import DomainError
from bot.domain.money import parse_price_to_fen, parse_stock
from bot.domain.partners import accepted_partner_names, parse_partner_link
from bot.domain.publishing import validate_photo_file_id, validate_reason, validate_title
from bot.experts.callbacks import PublishChangeShop, PublishDecision, PublishShop
from bot.experts.publishing import (
    drop_draft,
    load_draft,
    partner_whitelist,
    publish_draft,
    save_draft,
    take_shop_from_link,
)
from bot.photos import MAX_PHOTO_BYTES, keep_copy, photo_folder
from handlers.expert.common import (
    active_expert,
    conversation_handler,
    error_text,
    reply_error,
)
from handlers.expert.publish_shop import (
    CONFIRM,
    SHOP,
    ask_shop,
    change_shop,
    send_preview,
    shop_pressed,
    shop_typed,
)
from handlers.keyboards import NO_BUTTONS
from handlers.ui import reply

log = logging.getLogger(__name__)
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

PHOTO, TITLE, REASON, PRICE, STOCK, LINK = ("photo", "title", "reason", "price", "stock", "link")


async def _prompt(update: Update, context: VitrineContext, step: str) -> str:
    """Ask for the next step and return it as the new state."""
    names = accepted_partner_names(partner_whitelist(context.services))
    await reply(update, context, "expert/publish_prompt", step=step, partners=names)
    return step


async def start_publishing(update: Update, context: VitrineContext) -> str | int:
    """Verified experts start a fresh draft; everyone else learns how to become one."""
    if await active_expert(update, context) is None:
        return ConversationHandler.END
    await drop_draft(context.services, context.user.id)
    return await _prompt(update, context, PHOTO)


async def got_photo(update: Update, context: VitrineContext) -> str:
    """Keep the largest size's file id, and a copy of its bytes (see bot/photos.py)."""
    message = update.effective_message
    assert message is not None and message.photo
    largest = message.photo[-1]
    try:
        file_id = validate_photo_file_id(largest.file_id)
    except DomainError as error:
        await reply_error(update, context, error)
        return PHOTO
    copy = await _keep_photo_copy(context, largest)
    await save_draft(context.services, context.user.id, photo_file_id=file_id, photo_path=copy)
    return await _prompt(update, context, TITLE)


async def _keep_photo_copy(context: VitrineContext, photo: PhotoSize) -> str | None:
    """Download the photo once, now that Telegram just gave it; None if that failed."""
    if photo.file_size is not None and photo.file_size > MAX_PHOTO_BYTES:
        return None
    try:
        telegram_file = await photo.get_file()
        content = bytes(await telegram_file.download_as_bytearray())
        suffix = Path(telegram_file.file_path or "photo.jpg").suffix.lower()
        name = f"{photo.file_unique_id}{suffix if suffix in PHOTO_SUFFIXES else '.jpg'}"
        folder = photo_folder(context.services.settings.data_dir)
        return str(await keep_copy(folder, name, content))
    except (TelegramError, OSError, ValueError):
        # The item can still be published; only a refused file id later would find no copy.
        log.warning("could not keep a copy of a published photo", exc_info=True)
        return None


async def need_photo(update: Update, context: VitrineContext) -> str:
    """Anything but a photo at the photo step."""
    await _prompt(update, context, "need_photo")
    return PHOTO


def _text_step(field: str, parse, next_step: str):  # type: ignore[no-untyped-def]
    """A handler reading one typed field with `parse`, storing it and asking for `next_step`."""

    async def handle(update: Update, context: VitrineContext) -> str:
        text = update.effective_message.text or ""  # type: ignore[union-attr]
        try:
            value = parse(text)
        except DomainError as error:
            await reply_error(update, context, error)
            return field
        await save_draft(context.services, context.user.id, **{_DRAFT_FIELD[field]: value})
        return await _prompt(update, context, next_step)

    handle.__doc__ = f"Read the {field} and ask for the {next_step}."
    return handle


_DRAFT_FIELD = {TITLE: "title", REASON: "reason", PRICE: "price_fen", STOCK: "stock"}


async def got_link(update: Update, context: VitrineContext) -> str | int:
    """Validate the link against the whitelist, then settle the shop: from the link, or by asking."""
    text = update.effective_message.text or ""  # type: ignore[union-attr]
    try:
        link = parse_partner_link(text, partner_whitelist(context.services))
    except DomainError as error:
        await reply_error(update, context, error)
        return LINK
    expert = await active_expert(update, context)
    if expert is None:
        await drop_draft(context.services, context.user.id)
        return ConversationHandler.END
    # A new link means a new question of who sells it.
    draft = await save_draft(context.services, context.user.id, link=asdict(link), shop=None)
    if await take_shop_from_link(context.services, context.user.id, draft):
        return await send_preview(update, context, expert)
    return await ask_shop(update, context, expert)


async def decided(update: Update, context: VitrineContext) -> str | int:
    """Publish the draft or drop it."""
    query = update.callback_query
    assert query is not None
    try:
        value = decode(query.data)
        if not isinstance(value, PublishDecision):
            raise DomainError("callback.unknown")
    except DomainError as error:  # forged or outdated button: say so, keep the draft
        await query.answer(error_text(context, error)[:190], show_alert=True)
        return CONFIRM
    await query.answer()
    await query.edit_message_reply_markup(NO_BUTTONS)
    if not value.publish:
        return await cancel(update, context)
    expert = await active_expert(update, context)
    if expert is None:
        await drop_draft(context.services, context.user.id)
        return ConversationHandler.END
    draft = await load_draft(context.services, context.user.id)
    try:
        item = await publish_draft(context.services, expert, draft)
    except DomainError as error:
        await reply_error(update, context, error)
        if error.code.startswith("shop."):  # the shop is no longer verified: choose it again
            return await ask_shop(update, context, expert)
        return await _prompt(update, context, PHOTO)  # a stale draft: start the steps again
    await drop_draft(context.services, context.user.id)
    await reply(update, context, "expert/publish_status", event="published", title=item.title)
    return ConversationHandler.END


async def confirm_with_buttons(update: Update, context: VitrineContext) -> str:
    """Typed text while the preview waits for a button."""
    return await _prompt(update, context, CONFIRM)


async def text_needed(update: Update, context: VitrineContext) -> None:
    """A photo or sticker where text is expected (the state stays)."""
    await _prompt(update, context, "text_needed")


async def cancel(update: Update, context: VitrineContext) -> int:
    """Drop the draft."""
    await drop_draft(context.services, context.user.id)
    await reply(update, context, "expert/publish_status", event="cancelled")
    return ConversationHandler.END


async def stale_decision(update: Update, context: VitrineContext) -> None:
    """A Publish / Cancel / shop button of a preview or shop list whose step is over."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    shop_list = (query.data or "").startswith(callback_pattern(PublishShop)[1:])
    event = "shop_closed" if shop_list else "already_done"
    await reply(update, context, "expert/publish_status", event=event)


def conversation(*, persistent: bool = True) -> ConversationHandler:  # type: ignore[type-arg]
    """The /publish conversation (persistent whenever the application has a persistence)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND & ~filters.TEXT
    return conversation_handler(
        entry_points=[CommandHandler("publish", start_publishing)],
        states={
            PHOTO: [
                MessageHandler(filters.PHOTO, got_photo),
                MessageHandler(~filters.COMMAND, need_photo),
            ],
            TITLE: [MessageHandler(text, _text_step(TITLE, validate_title, REASON))],
            REASON: [MessageHandler(text, _text_step(REASON, validate_reason, PRICE))],
            PRICE: [MessageHandler(text, _text_step(PRICE, parse_price_to_fen, STOCK))],
            STOCK: [MessageHandler(text, _text_step(STOCK, parse_stock, LINK))],
            LINK: [MessageHandler(text, got_link)],
            SHOP: [
                CallbackQueryHandler(shop_pressed, pattern=callback_pattern(PublishShop)),
                MessageHandler(text, shop_typed),
            ],
            CONFIRM: [
                CallbackQueryHandler(decided, pattern=callback_pattern(PublishDecision)),
                CallbackQueryHandler(change_shop, pattern=callback_pattern(PublishChangeShop)),
                MessageHandler(~filters.COMMAND, confirm_with_buttons),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(other, text_needed),
        ],
        allow_reentry=True,
        persistent=persistent,
        name="publish",
    )


def stale_handlers() -> list[CallbackQueryHandler]:  # type: ignore[type-arg]
    """Answer Publish / Cancel / shop presses after their step or the conversation ended."""
    return [
        CallbackQueryHandler(stale_decision, pattern=callback_pattern(kind))
        for kind in (PublishDecision, PublishShop, PublishChangeShop)
    ]
