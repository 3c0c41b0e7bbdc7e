"""/window [handle]: an expert's items as photo cards, paged in place; item details."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update

from bot.context import VitrineContext
from bot.domain.callbacks import ItemDetail, WindowPage
from bot.fan.paging import clamp_page
from handlers.common import DEEP_LINK_PAYLOAD
from handlers.fan.cards import edit_item_card, item_caption, item_keyboard, send_item_card
from handlers.fan.ui import label, notice, render, short, stale
from handlers.keyboards import button, keyboard
from handlers.ui import answer, decoded, show_text
from storage.repositories.experts import Expert

WINDOW_PAGE_SIZE = 1  # one photo card per page; the page buttons edit it in place
MAX_WINDOW_CHOICES = 10


async def show_window(
    update: Update, context: VitrineContext, expert: Expert, page: int, *, edit: bool
) -> bool:
    """Show page `page` of the expert's window; False if the page asked for no longer exists."""
    repos = context.services.repos
    items, total = await repos.items.window(expert.id, offset=max(page, 0), limit=WINDOW_PAGE_SIZE)
    paging, out_of_range = clamp_page(page, WINDOW_PAGE_SIZE, total)
    if out_of_range and total:
        items, total = await repos.items.window(
            expert.id, offset=paging.offset, limit=WINDOW_PAGE_SIZE
        )
    if not items:
        await show_text(
            update,
            context,
            render(context, "window_empty", expert_name=expert.display_name),
            edit=False,
        )
        return not out_of_range
    item = items[0]
    favourite = item.id in await repos.favourites.among(context.user.id, [item.id])
    text = item_caption(context, item, expert, position=paging.page + 1, count=total)
    markup = item_keyboard(
        context, item, source="window", favourite=favourite, window_page=(paging.page, paging.pages)
    )
    if edit:
        await edit_item_card(update, context, item, text, markup)
    else:
        await send_item_card(update, context, item, text, markup)
    await repos.events.record(
        "card_open", user_id=context.user.id, expert_id=expert.id, item_id=item.id, source="window"
    )
    return not out_of_range


async def window_command(update: Update, context: VitrineContext) -> None:
    """/window <handle> shows that expert's window; bare /window offers the followed experts."""
    repos = context.services.repos
    args = context.args or []
    if not args:
        followed, _total = await repos.follows.page(
            context.user.id, offset=0, limit=MAX_WINDOW_CHOICES
        )
        active = [f.expert for f in followed if f.expert.is_active]
        if len(active) == 1:
            await show_window(update, context, active[0], 0, edit=False)
            return
        if not active:
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
                for e in active
            ]
        )
        await show_text(update, context, render(context, "following_windows"), markup, edit=False)
        return
    handle = args[0].lstrip("@")
    if not DEEP_LINK_PAYLOAD.match(handle):
        await show_text(update, context, notice(context, "bad_handle"), edit=False)
        return
    expert = await repos.experts.by_handle(handle)
    if expert is None or not expert.is_active:
        await show_text(
            update, context, notice(context, "unknown_expert", handle=handle), edit=False
        )
        return
    await show_window(update, context, expert, 0, edit=False)


async def window_page(update: Update, context: VitrineContext) -> None:
    """A window page button: edit the photo card in place (or send one from a text message)."""
    data = decoded(update, WindowPage)
    if data is None:
        await stale(update, context)
        return
    expert = await context.services.repos.experts.get(data.expert_id)
    if expert is None or not expert.is_active:
        await stale(update, context, "expert_gone")
        return
    query = update.callback_query
    from_photo = bool(query and query.message and getattr(query.message, "photo", None))
    current = await show_window(update, context, expert, data.page, edit=from_photo)
    await answer(update, None if current else notice(context, "list_changed"))


async def item_detail(update: Update, context: VitrineContext) -> None:
    """The detail card of an item, sent as a new photo message."""
    data = decoded(update, ItemDetail)
    if data is None:
        await stale(update, context)
        return
    repos = context.services.repos
    item = await repos.items.get(data.item_id)
    expert = await repos.experts.get(item.expert_id) if item else None
    if item is None or expert is None or not expert.is_active or item.status == "suspended":
        await stale(update, context, "item_gone")
        return
    await answer(update)
    opens_at = await repos.browse.presale_opens_at(item.id)
    presale = opens_at is not None and opens_at > datetime.now(UTC)
    favourite = item.id in await repos.favourites.among(context.user.id, [item.id])
    text = item_caption(context, item, expert, presale_opens=opens_at if presale else None)
    markup = item_keyboard(
        context,
        item,
        source=data.source,
        favourite=favourite,
        presale=presale,
        expert_name=expert.display_name,
    )
    await send_item_card(update, context, item, text, markup)
    await repos.events.record(
        "card_open",
        user_id=context.user.id,
        expert_id=expert.id,
        item_id=item.id,
        source=data.source,
    )
