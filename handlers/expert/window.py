"""/mywindow: the expert's own items with edit, restock, delist/relist, reorder and pin.

Each button is one use case of bot/experts/window.py; editing a field is a short flow
(handlers/flows.py): the item and field wait in the database for the typed value, /cancel keeps
the field as it was, and left alone for EDIT_TIMEOUT the edit ends at the next message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import VitrineContext
from bot.conversations import Position
from bot.delivery.photo_upload import NoPhotoCopy, PhotoValue, send_photo
from bot.domain.callbacks import callback_pattern
from bot.domain.errors import DomainError
from bot.domain.partners import find_partner
from bot.domain.states import ItemStatus
from bot.experts import window as service
from bot.experts.callbacks import (
    EditItemField,
    MyWindowPage,
    PinItem,
    WindowAction,
    WindowActionName,
)
from bot.experts.publishing import partner_whitelist
from bot.experts.rules import PIN_DAYS
from bot.experts.window import Item, WindowPage
from bot.merchants.shops import platform_label
from handlers.expert.common import NOT_ALLOWED, alert_error, label, reply_error
from handlers.flows import Done, Flow, Outcome, Stay, begin, define
from handlers.keyboards import Keyboard, button, keyboard, rows_of
from handlers.ui import answer, decoded, reply, show_text

VALUE = "value"
EDIT_TIMEOUT = timedelta(minutes=30)  # left alone this long, the field stays as it was


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
    if item.status != ItemStatus.SUSPENDED:
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
        listing: WindowActionName = "delist" if item.status == ItemStatus.LISTED else "relist"
        pin: WindowActionName = "unpin" if item.pinned_at(datetime.now(UTC)) else "pin"
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
        await message.reply_text(caption, reply_markup=markup)
        return

    async def send(photo: PhotoValue) -> Message:
        return await message.reply_photo(photo, caption=caption, reply_markup=markup)

    async def remember(file_id: str) -> None:
        await service.remember_photo(context.services, item_id=item.id, file_id=file_id)

    try:
        await send_photo(
            send, file_id=item.photo_file_id, copy_path=item.photo_path, remember=remember
        )
    except NoPhotoCopy:  # no photo Telegram accepts and no copy: the card without its photo
        await message.reply_text(caption, reply_markup=markup)


def _pressed_message(update: Update) -> Message | None:
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None


async def _refresh_card(update: Update, context: VitrineContext, item: Item) -> None:
    """Redraw the pressed item card with the item's current state."""
    message = _pressed_message(update)
    if message is None:
        return
    caption, markup = _caption(context, item), _actions(context, item)
    if not message.photo:
        await show_text(update, context, caption, markup)
        return
    try:
        await message.edit_caption(caption=caption, reply_markup=markup)
    except BadRequest as error:  # pressing what is already shown changes nothing
        if "not modified" not in str(error).lower():
            raise


def _page(context: VitrineContext, page: WindowPage) -> tuple[str, Keyboard]:
    """One page of the expert's own window with a button per item and page arrows."""
    now = datetime.now(UTC)
    first = page.page * service.PAGE_SIZE
    entries = [
        dict(
            number=first + i + 1,
            title=item.title,
            price_fen=item.price_fen,
            stock=item.stock,
            status=item.status,
            pinned=item.pinned_at(now),
        )
        for i, item in enumerate(page.items)
    ]
    text = context.services.texts.render(
        "expert/mywindow",
        context.language,
        entries=entries,
        page=page.page + 1,
        pages=page.pages,
        total=page.total,
    )
    rows = rows_of(
        [
            button(str(first + i + 1), WindowAction(item.id, "menu"))
            for i, item in enumerate(page.items)
        ],
        5,
    )
    arrows = []
    if page.page > 0:
        arrows.append(
            button(
                context.services.texts.label(context.language, "prev"), MyWindowPage(page.page - 1)
            )
        )
    if page.page + 1 < page.pages:
        arrows.append(
            button(
                context.services.texts.label(context.language, "next"), MyWindowPage(page.page + 1)
            )
        )
    if arrows:
        rows.append(arrows)
    return text, keyboard(rows)


async def my_window(update: Update, context: VitrineContext) -> None:
    """/mywindow: the first page of the expert's own items."""
    try:
        page = await service.window_page(context.services, user_id=context.user.id, page=0)
    except DomainError as error:
        await reply_error(update, context, error)
        return
    text, markup = _page(context, page)
    await show_text(update, context, text, markup, edit=False)


async def window_page(update: Update, context: VitrineContext) -> None:
    """Page arrows of /mywindow."""
    press = decoded(update, MyWindowPage)
    if press is None:
        await answer(update)
        return
    try:
        page = await service.window_page(context.services, user_id=context.user.id, page=press.page)
    except DomainError as error:
        await alert_error(update, context, error)
        return
    await answer(update)
    text, markup = _page(context, page)
    await show_text(update, context, text, markup)


def _notice(context: VitrineContext, event: str, **values: object) -> str:
    return context.services.texts.render(
        "expert/window_notice", context.language, event=event, **values
    )


async def _ask_pin_days(update: Update, context: VitrineContext, item: Item) -> None:
    days = [button(label(context, "pin_days", days=d), PinItem(item.id, d)) for d in PIN_DAYS]
    text = _notice(context, "pin_choose", title=item.title)
    await show_text(update, context, text, keyboard([days]), edit=False)


async def window_action(update: Update, context: VitrineContext) -> None:
    """Open, delist, relist, move, pin or unpin one of the expert's own items."""
    press = decoded(update, WindowAction)
    if press is None:
        await alert_error(update, context, DomainError("callback.unknown"))
        return
    services, user_id, item_id = context.services, context.user.id, press.item_id
    try:
        if press.action in ("menu", "pin"):
            item = await service.owned_item(services, user_id=user_id, item_id=item_id)
            await answer(update)
            if press.action == "pin":
                await _ask_pin_days(update, context, item)
                return
            message = _pressed_message(update)
            if message is not None:
                await send_item_card(message, context, item)
            return
        if press.action in ("delist", "relist"):
            listed = press.action == "relist"
            item = await service.change_listing(
                services, user_id=user_id, item_id=item_id, listed=listed
            )
            notice = "relisted" if listed else "delisted"
        elif press.action in ("up", "down"):
            direction = -1 if press.action == "up" else 1
            moved = await service.move_item(
                services, user_id=user_id, item_id=item_id, direction=direction
            )
            item, notice = moved.item, "moved" if moved.moved else "at_end"
        else:  # unpin
            item = await service.pin_item(services, user_id=user_id, item_id=item_id, days=None)
            notice = "unpinned"
    except DomainError as error:
        await alert_error(update, context, error)
        return
    await answer(update, _notice(context, notice))
    await _refresh_card(update, context, item)


async def pin_chosen(update: Update, context: VitrineContext) -> None:
    """Pin the item for the chosen number of days."""
    press = decoded(update, PinItem)
    if press is None:
        await alert_error(update, context, DomainError("callback.unknown"))
        return
    try:
        item = await service.pin_item(
            context.services, user_id=context.user.id, item_id=press.item_id, days=press.days
        )
    except DomainError as error:
        await alert_error(update, context, error)
        return
    await answer(update)
    when = _when(context, item.pinned_until) if item.pinned_until is not None else ""
    await show_text(update, context, _notice(context, "pinned", when=when))


async def start_edit(update: Update, context: VitrineContext) -> None:
    """Ask for the new value of the chosen field."""
    press = decoded(update, EditItemField)
    if press is None:
        await alert_error(update, context, DomainError("callback.unknown"))
        return
    try:
        item = await service.start_edit(
            context.services, user_id=context.user.id, item_id=press.item_id
        )
    except DomainError as error:
        await alert_error(update, context, error)
        return
    await answer(update)
    await begin(context, EDIT, VALUE, item_id=item.id, field=press.field)
    await reply(
        update,
        context,
        "expert/window_notice",
        event="ask_value",
        field=press.field,
        title=item.title,
    )


async def got_value(update: Update, context: VitrineContext, current: Position) -> Outcome:
    """Validate and save the new value, then show the item again."""
    message = update.effective_message
    item_id, field = current.data.get("item_id"), current.data.get("field")
    if message is None or not isinstance(item_id, int) or not isinstance(field, str):
        return Done()  # a damaged position: nothing to edit
    try:
        item = await service.edit_field(
            context.services,
            user_id=context.user.id,
            item_id=item_id,
            field=field,
            text=message.text or "",
        )
    except DomainError as error:
        await reply_error(update, context, error)
        if error.code.startswith("window.") or error.code == NOT_ALLOWED:
            return Done()
        return Stay()
    await reply(update, context, "expert/window_notice", event="saved", title=item.title)
    await send_item_card(message, context, item)
    return Done()


async def _cancelled(update: Update, context: VitrineContext, _at: Position) -> None:
    await reply(update, context, "expert/window_notice", event="edit_cancelled")


async def _expired(update: Update, context: VitrineContext, _at: Position) -> None:
    minutes = int(EDIT_TIMEOUT.total_seconds() // 60)
    await reply(update, context, "expert/window_notice", event="edit_expired", minutes=minutes)


# Editing one field of one item (restock is editing the stock).
EDIT = define(
    Flow(
        name="window_edit",
        timeout=EDIT_TIMEOUT,
        steps={VALUE: got_value},
        cancelled=_cancelled,
        expired=_expired,
    )
)


def handlers() -> list[
    CommandHandler[VitrineContext, None] | CallbackQueryHandler[VitrineContext, None]
]:
    """/mywindow and its buttons."""
    return [
        CommandHandler("mywindow", my_window),
        CallbackQueryHandler(window_page, pattern=callback_pattern(MyWindowPage)),
        CallbackQueryHandler(window_action, pattern=callback_pattern(WindowAction)),
        CallbackQueryHandler(pin_chosen, pattern=callback_pattern(PinItem)),
        CallbackQueryHandler(start_edit, pattern=callback_pattern(EditItemField)),
    ]
