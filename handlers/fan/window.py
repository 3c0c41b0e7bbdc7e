"""/window [handle]: an expert's items as photo cards, paged in place; an item's card and its
details, which take the card's place and lead back to it."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update

from bot.context import VitrineContext
from bot.domain.callbacks import ItemDetail, ItemMore, WindowPage
from bot.fan.paging import clamp_page
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
from handlers.fan.ui import label, notice, render, short, stale
from handlers.keyboards import button, keyboard
from handlers.ui import answer, decoded, show_text
from storage.repositories.experts import Expert
from storage.repositories.items import Item

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


async def _shown_item(
    update: Update, context: VitrineContext, item_id: int
) -> tuple[Item, Expert, datetime | None] | None:
    """The item a card button names, its expert and when its pre-sale opens (None: not in
    pre-sale); None, the press answered, when it can no longer be shown."""
    repos = context.services.repos
    item = await repos.items.get(item_id)
    expert = await repos.experts.get(item.expert_id) if item else None
    if item is None or expert is None or not expert.is_active or item.status == "suspended":
        await stale(update, context, "item_gone")
        return None
    opens_at = await repos.browse.presale_opens_at(item.id)
    return item, expert, opens_at if opens_at is not None and opens_at > datetime.now(UTC) else None


async def item_detail(update: Update, context: VitrineContext) -> None:
    """An item's card: a new photo message from a list, or in place of the details shown."""
    data = decoded(update, ItemDetail)
    if data is None:
        await stale(update, context)
        return
    shown = await _shown_item(update, context, data.item_id)
    if shown is None:
        return
    item, expert, opens_at = shown
    await answer(update)
    repos = context.services.repos
    favourite = item.id in await repos.favourites.among(context.user.id, [item.id])
    text = item_caption(context, item, expert, presale_opens=opens_at)
    markup = item_keyboard(
        context,
        item,
        source=data.source,
        favourite=favourite,
        presale=opens_at is not None,
        expert_name=expert.display_name,
    )
    query = update.callback_query
    on_photo = bool(query and query.message and getattr(query.message, "photo", None))
    if on_photo:
        await edit_card_caption(update, context, item, text, markup)
        return
    await send_item_card(update, context, item, text, markup)
    await repos.events.record(
        "card_open",
        user_id=context.user.id,
        expert_id=expert.id,
        item_id=item.id,
        source=data.source,
    )


async def item_more(update: Update, context: VitrineContext) -> None:
    """Details: the card's caption becomes what the card leaves out, with Buy and Back."""
    data = decoded(update, ItemMore)
    if data is None:
        await stale(update, context)
        return
    shown = await _shown_item(update, context, data.item_id)
    if shown is None:
        return
    item, expert, opens_at = shown
    await answer(update)
    text = item_details_caption(context, item, expert)
    markup = details_keyboard(
        context, item, source=data.source, page=data.page, presale=opens_at is not None
    )
    await edit_card_caption(update, context, item, text, markup)
