"""/window [handle]: an expert's items as photo cards, paged in place; an item's card and its
details, which take the card's place and lead back to it."""

from __future__ import annotations

from telegram import Update

from bot.context import VitrineContext
from bot.domain.callbacks import ItemDetail, ItemMore, WindowPage
from bot.domain.errors import DomainError
from bot.fan import window
from bot.fan.window import WindowView
from handlers.common import DEEP_LINK_PAYLOAD
from handlers.fan.cards import (
    details_keyboard,
    edit_card_caption,
    edit_item_card,
    item_caption,
    item_details_caption,
    item_keyboard,
    send_item_card,
)
from handlers.fan.ui import (
    label,
    notice,
    refusal,
    refuse,
    render,
    short,
    stale,
    with_app_button,
)
from handlers.keyboards import button, keyboard
from handlers.ui import answer, decoded, show_text


def _on_photo(update: Update) -> bool:
    """Whether the button pressed is on a photo message (a card to edit in place)."""
    query = update.callback_query
    return bool(query and query.message and getattr(query.message, "photo", None))


async def draw_window(
    update: Update, context: VitrineContext, view: WindowView, *, edit: bool
) -> bool:
    """Show a page of the expert's window; False if the page asked for no longer exists."""
    item, expert, paging = view.item, view.expert, view.paging
    if item is None:
        text = render(context, "window_empty", expert_name=expert.display_name)
        await show_text(update, context, text, edit=False)
        return not view.out_of_range
    text = item_caption(context, item, expert, position=paging.page + 1, count=paging.total)
    markup = with_app_button(
        context,
        item_keyboard(
            context,
            item,
            source="window",
            favourite=view.favourite,
            window_page=(paging.page, paging.pages),
        ),
        handle=expert.handle,
    )
    if edit:
        await edit_item_card(update, context, item, text, markup)
    else:
        await send_item_card(update, context, item, text, markup)
    return not view.out_of_range


async def window_command(update: Update, context: VitrineContext) -> None:
    """/window <handle> shows that expert's window; bare /window offers the followed experts."""
    args = context.args or []
    handle = args[0].lstrip("@") if args else None
    if handle is not None and not DEEP_LINK_PAYLOAD.match(handle):
        await show_text(update, context, notice(context, "bad_handle"), edit=False)
        return
    try:
        opened = await window.open_window(context.services, fan_id=context.user.id, handle=handle)
    except DomainError as error:
        await show_text(update, context, refusal(context, error), edit=False)
        return
    if opened.view is not None:
        await draw_window(update, context, opened.view, edit=False)
        return
    if not opened.choices:
        await show_text(update, context, notice(context, "window_usage"), edit=False)
        return
    markup = keyboard(
        [
            [
                button(
                    label(context, "fan.window") + " " + short(e.display_name),
                    WindowPage(e.id, 0),
                )
            ]
            for e in opened.choices
        ]
    )
    await show_text(update, context, render(context, "following_windows"), markup, edit=False)


async def window_page(update: Update, context: VitrineContext) -> None:
    """A window page button: edit the photo card in place (or send one from a text message)."""
    data = decoded(update, WindowPage)
    if data is None:
        await stale(update, context)
        return
    try:
        view = await window.window_page(
            context.services, fan_id=context.user.id, expert_id=data.expert_id, page=data.page
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    current = await draw_window(update, context, view, edit=_on_photo(update))
    await answer(update, None if current else notice(context, "list_changed"))


async def item_detail(update: Update, context: VitrineContext) -> None:
    """An item's card: a new photo message from a list, or in place of the details shown."""
    data = decoded(update, ItemDetail)
    if data is None:
        await stale(update, context)
        return
    on_photo = _on_photo(update)
    try:
        shown = await window.open_item(
            context.services,
            fan_id=context.user.id,
            item_id=data.item_id,
            source=data.source,
            new_card=not on_photo,
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await answer(update)
    item, expert = shown.item, shown.expert
    text = item_caption(context, item, expert, presale_opens=shown.presale_opens)
    markup = item_keyboard(
        context,
        item,
        source=data.source,
        favourite=shown.favourite,
        presale=shown.presale_opens is not None,
        expert_name=expert.display_name,
    )
    if on_photo:
        await edit_card_caption(update, context, item, text, markup)
    else:
        await send_item_card(update, context, item, text, markup)


async def item_more(update: Update, context: VitrineContext) -> None:
    """Details: the card's caption becomes what the card leaves out, with Buy and Back."""
    data = decoded(update, ItemMore)
    if data is None:
        await stale(update, context)
        return
    try:
        shown = await window.item_details(
            context.services, fan_id=context.user.id, item_id=data.item_id
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await answer(update)
    text = item_details_caption(context, shown.item, shown.expert)
    markup = details_keyboard(
        context,
        shown.item,
        source=data.source,
        page=data.page,
        presale=shown.presale_opens is not None,
    )
    await edit_card_caption(update, context, shown.item, text, markup)
