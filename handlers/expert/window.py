"""/mywindow: the expert's own items with edit, restock, delist/relist, reorder and pin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import VitrineContext
from bot.delivery.photo_upload import NoPhotoCopy, PhotoValue, send_photo
from bot.domain.callbacks import callback_pattern, decode
from bot.domain.errors import DomainError
from bot.domain.partners import find_partner
from bot.experts import window as service
from bot.experts.callbacks import EditItemField, MyWindowPage, PinItem, WindowAction
from bot.experts.publishing import partner_whitelist
from bot.experts.rules import PIN_DAYS
from bot.orders.merchants import platform_label
from handlers.expert.common import (
    active_expert,
    conversation_handler,
    error_text,
    label,
    reply_error,
)
from handlers.keyboards import Keyboard, button, keyboard, rows_of
from handlers.ui import reply
from storage.repositories.experts import Expert
from storage.repositories.items import Item

T = TypeVar("T")

VALUE = "value"
EDIT = "window_edit"  # user_data key: (item id, field) being edited


def _when(context: VitrineContext, moment: datetime) -> str:
    """A moment in the user's time zone, to the minute."""
    return moment.astimezone(ZoneInfo(context.user.timezone)).strftime("%Y-%m-%d %H:%M")


def _caption(context: VitrineContext, item: Item) -> str:
    partner = find_partner(item.partner_key, partner_whitelist(context.services))
    pinned = item.pinned_until if item.pinned_at(datetime.now(UTC)) else None
    return context.services.texts.render(
        "expert/item_caption",
        context.language,
        caption=True,
        preview=False,
        title=item.title,
        reason=item.reason,
        price_fen=item.price_fen,
        stock=item.stock,
        shop={
            "platform": (
                platform_label(context.services, context.language, partner)
                if partner
                else item.partner_key
            ),
            "name": item.merchant_name,
            "status": item.merchant_status,
            "rate": None,
        },
        status=item.status,
        pinned_until=_when(context, pinned) if pinned else None,
    )


def _actions(context: VitrineContext, item: Item) -> Keyboard:
    """The management buttons of one item (none but reorder for a suspended one)."""
    rows = []
    if item.status != "suspended":
        rows.append(
            [
                button(label(context, f"edit_{f}"), EditItemField(item.id, f))
                for f in ("price", "stock")
            ]
        )
        rows.append(
            [
                button(label(context, f"edit_{f}"), EditItemField(item.id, f))
                for f in ("title", "reason")
            ]
        )
        listing = "delist" if item.status == "listed" else "relist"
        pin = "unpin" if item.pinned_at(datetime.now(UTC)) else "pin"
        rows.append(
            [
                button(label(context, listing), WindowAction(item.id, listing)),
                button(label(context, pin), WindowAction(item.id, pin)),
            ]
        )
    rows.append(
        [
            button(label(context, "up"), WindowAction(item.id, "up")),
            button(label(context, "down"), WindowAction(item.id, "down")),
        ]
    )
    return keyboard(rows)


async def send_item_card(message: Message, context: VitrineContext, item: Item) -> None:
    """The item's photo, caption and management buttons as a new message."""
    caption, markup = _caption(context, item), _actions(context, item)
    if item.photo_file_id is None and not item.photo_path:
        await message.reply_text(caption, parse_mode=ParseMode.HTML, reply_markup=markup)
        return

    async def send(photo: PhotoValue) -> Message:
        return await message.reply_photo(
            photo, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup
        )

    async def remember(file_id: str) -> None:
        await context.services.repos.items.remember_photo(item.id, file_id)

    try:
        await send_photo(
            send, file_id=item.photo_file_id, copy_path=item.photo_path, remember=remember
        )
    except NoPhotoCopy:  # no photo Telegram accepts and no copy: the card without its photo
        await message.reply_text(caption, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _refresh_card(update: Update, context: VitrineContext, item: Item) -> None:
    """Redraw the pressed item card with the item's current state."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    caption, markup = _caption(context, item), _actions(context, item)
    try:
        if query.message.photo:
            await query.edit_message_caption(
                caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        else:
            await query.edit_message_text(caption, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def _page(context: VitrineContext, expert_id: int, page: int) -> tuple[str, Keyboard]:
    """One page of the expert's own window with a button per item and page arrows."""
    items, total = await context.services.repos.items.of_expert(
        expert_id, offset=page * service.PAGE_SIZE, limit=service.PAGE_SIZE
    )
    pages = max(1, -(-total // service.PAGE_SIZE))
    now = datetime.now(UTC)
    entries = [
        dict(
            number=page * service.PAGE_SIZE + i + 1,
            title=item.title,
            price_fen=item.price_fen,
            stock=item.stock,
            status=item.status,
            pinned=item.pinned_at(now),
        )
        for i, item in enumerate(items)
    ]
    text = context.services.texts.render(
        "expert/mywindow",
        context.language,
        entries=entries,
        page=page + 1,
        pages=pages,
        total=total,
    )
    rows = rows_of(
        [
            button(str(e["number"]), WindowAction(item.id, "menu"))
            for e, item in zip(entries, items, strict=False)
        ],
        5,
    )
    arrows = []
    if page > 0:
        arrows.append(
            button(context.services.texts.label(context.language, "prev"), MyWindowPage(page - 1))
        )
    if page + 1 < pages:
        arrows.append(
            button(context.services.texts.label(context.language, "next"), MyWindowPage(page + 1))
        )
    if arrows:
        rows.append(arrows)
    return text, keyboard(rows)


async def my_window(update: Update, context: VitrineContext) -> None:
    """/mywindow: the first page of the expert's own items."""
    expert = await active_expert(update, context)
    if expert is None:
        return
    text, markup = await _page(context, expert.id, 0)
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)  # type: ignore[union-attr]


async def window_page(update: Update, context: VitrineContext) -> None:
    """Page arrows of /mywindow."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    expert = await active_expert(update, context)
    if expert is None:
        return
    try:
        value = decode(query.data)
        assert isinstance(value, MyWindowPage)
    except (DomainError, AssertionError):
        return
    text, markup = await _page(context, expert.id, value.page)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _pressed_by_active_expert(
    context: VitrineContext, data: str | None, kind: type[T]
) -> tuple[T, Expert]:
    """Decode a button of `kind` pressed by a verified, active expert, or raise DomainError."""
    value = decode(data)
    if not isinstance(value, kind):
        raise DomainError("callback.unknown")
    expert = await context.services.repos.experts.by_user(context.user.id)
    if expert is None or not expert.is_active:
        raise DomainError("expert.not_active")
    return value, expert


async def window_action(update: Update, context: VitrineContext) -> None:
    """Open, delist, relist, move, pin or unpin one of the expert's own items."""
    query = update.callback_query
    assert query is not None
    try:
        value, expert = await _pressed_by_active_expert(context, query.data, WindowAction)
        item = await service.owned_item(context.services, expert, value.item_id)
        notice = ""
        if value.action == "menu":
            await query.answer()
            await send_item_card(query.message, context, item)  # type: ignore[arg-type]
            return
        if value.action in ("delist", "relist"):
            item = await service.change_listing(
                context.services, expert, item.id, listed=value.action == "relist"
            )
            notice = "relisted" if value.action == "relist" else "delisted"
        elif value.action in ("up", "down"):
            moved = await service.move_item(
                context.services, expert, item.id, -1 if value.action == "up" else 1
            )
            notice = "moved" if moved else "at_end"
        elif value.action == "unpin":
            item = await service.pin_item(context.services, expert, item.id, None)
            notice = "unpinned"
        elif value.action == "pin":
            await query.answer()
            days = [
                button(label(context, "pin_days", days=d), PinItem(item.id, d)) for d in PIN_DAYS
            ]
            text = context.services.texts.render(
                "expert/window_notice", context.language, event="pin_choose", title=item.title
            )
            await query.message.reply_text(
                text, parse_mode=ParseMode.HTML, reply_markup=keyboard([days])
            )  # type: ignore[union-attr]
            return
    except DomainError as error:
        await query.answer(error_text(context, error)[:190], show_alert=True)
        return
    await query.answer(
        context.services.texts.render("expert/window_notice", context.language, event=notice)
    )
    await _refresh_card(update, context, item)


async def pin_chosen(update: Update, context: VitrineContext) -> None:
    """Pin the item for the chosen number of days."""
    query = update.callback_query
    assert query is not None
    try:
        value, expert = await _pressed_by_active_expert(context, query.data, PinItem)
        item = await service.pin_item(context.services, expert, value.item_id, value.days)
    except DomainError as error:
        await query.answer(error_text(context, error)[:190], show_alert=True)
        return
    await query.answer()
    assert item.pinned_until is not None
    text = context.services.texts.render(
        "expert/window_notice",
        context.language,
        event="pinned",
        when=_when(context, item.pinned_until),
    )
    await query.edit_message_text(text, parse_mode=ParseMode.HTML)


async def start_edit(update: Update, context: VitrineContext) -> str | int:
    """Ask for the new value of the chosen field."""
    query = update.callback_query
    assert query is not None
    expert = await context.services.repos.experts.by_user(context.user.id)
    try:
        value = decode(query.data)
        if not isinstance(value, EditItemField):
            raise DomainError("callback.unknown")
        if expert is None or not expert.is_active:
            raise DomainError("expert.not_active")
        item = await service.owned_item(context.services, expert, value.item_id)
        if item.status == "suspended":
            raise DomainError("window.suspended")
    except DomainError as error:
        await query.answer(error_text(context, error)[:190], show_alert=True)
        return ConversationHandler.END
    await query.answer()
    context.user_data[EDIT] = (item.id, value.field)  # type: ignore[index]
    await reply(
        update,
        context,
        "expert/window_notice",
        event="ask_value",
        field=value.field,
        title=item.title,
    )
    return VALUE


async def got_value(update: Update, context: VitrineContext) -> str | int:
    """Validate and save the new value, then show the item again."""
    item_id, field = context.user_data.get(EDIT, (0, ""))  # type: ignore[union-attr]
    expert = await active_expert(update, context)
    if expert is None:
        return ConversationHandler.END
    try:
        item = await service.edit_field(
            context.services, expert, item_id, field, update.effective_message.text or ""
        )  # type: ignore[union-attr]
    except DomainError as error:
        await reply_error(update, context, error)
        if error.code.startswith("window."):
            return ConversationHandler.END
        return VALUE
    context.user_data.pop(EDIT, None)  # type: ignore[union-attr]
    await reply(update, context, "expert/window_notice", event="saved", title=item.title)
    await send_item_card(update.effective_message, context, item)  # type: ignore[arg-type]
    return ConversationHandler.END


async def cancel_edit(update: Update, context: VitrineContext) -> int:
    """Keep the field as it was."""
    context.user_data.pop(EDIT, None)  # type: ignore[union-attr]
    await reply(update, context, "expert/window_notice", event="edit_cancelled")
    return ConversationHandler.END


def edit_conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """Editing one field of one item (restock is editing the stock)."""
    return conversation_handler(
        entry_points=[CallbackQueryHandler(start_edit, pattern=callback_pattern(EditItemField))],
        states={VALUE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_value)]},
        fallbacks=[CommandHandler("cancel", cancel_edit)],
        allow_reentry=True,
        name="window_edit",
    )


def handlers() -> list[object]:
    """/mywindow and its buttons (the edit conversation is registered separately)."""
    return [
        CommandHandler("mywindow", my_window),
        CallbackQueryHandler(window_page, pattern=callback_pattern(MyWindowPage)),
        CallbackQueryHandler(window_action, pattern=callback_pattern(WindowAction)),
        CallbackQueryHandler(pin_chosen, pattern=callback_pattern(PinItem)),
    ]
