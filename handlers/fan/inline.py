"""Inline mode: a fan drops item cards into any chat; the Buy button credits the sharer.

Whoever taps Buy in that chat is unknown to us, so the link names no fan (fan_ref 0): the click
is not logged as the sharer's own and the page follows the reader's browser language.
"""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputTextMessageContent,
    Update,
)

from bot.context import VitrineContext
from bot.domain.buying import is_sold_out
from bot.domain.money import format_fen
from bot.domain.numbers import whole_number
from bot.fan.records import Item
from bot.fan.search import INLINE_PAGE_SIZE, MAX_INLINE_OFFSET, shareable_items
from bot.links import buy_url, deep_link
from handlers.fan.cards import item_caption
from handlers.fan.ui import label
from handlers.keyboards import Button, keyboard, url_button

UNKNOWN_FAN = 0  # fan_ref of a link whose reader we cannot know


def shared_buy_button(context: VitrineContext, item: Item) -> Button:
    """The Buy button of a shared card: no fan, this fan as the sharer."""
    url = buy_url(
        context.services.settings,
        item_id=item.id,
        fan_id=UNKNOWN_FAN,
        source="share",
        sharer_id=context.user.id,
    )
    text = label(context, "fan.buy", price=format_fen(item.price_fen))
    return url_button(text, url)


async def inline_query(update: Update, context: VitrineContext) -> None:
    """Answer "@bot <words>" or "@bot #<item id>" with shareable item cards."""
    query = update.inline_query
    if query is None:
        return
    # The offset is the next_offset we gave, or empty; anything else is answered with nothing.
    offset = whole_number(query.offset or "0", high=MAX_INLINE_OFFSET)
    if offset is None:
        await query.answer([], cache_time=0, is_personal=True)
        return
    found = await shareable_items(context.services, query=query.query, offset=offset)
    items = found.items
    username = context.bot.username
    results: list[InlineQueryResultCachedPhoto | InlineQueryResultArticle] = []
    for item in items:
        expert = found.experts.get(item.expert_id)
        rows = []
        if not is_sold_out(item):
            rows.append([shared_buy_button(context, item)])
        if expert is not None:
            rows.append(
                [url_button(label(context, "fan.open_in_bot"), deep_link(username, expert.handle))]
            )
        markup = keyboard(rows)
        text = item_caption(context, item, expert)
        if item.photo_file_id:
            results.append(
                InlineQueryResultCachedPhoto(
                    id=str(item.id),
                    photo_file_id=item.photo_file_id,
                    title=item.title,
                    caption=text,
                    reply_markup=markup,
                )
            )
        else:
            results.append(
                InlineQueryResultArticle(
                    id=str(item.id),
                    title=item.title,
                    description=format_fen(item.price_fen),
                    input_message_content=InputTextMessageContent(text),
                    reply_markup=markup,
                )
            )
    next_offset = str(offset + INLINE_PAGE_SIZE) if len(items) == INLINE_PAGE_SIZE else ""
    # Personal and uncached: every result's Buy button carries this fan as the sharer.
    await query.answer(results, cache_time=0, is_personal=True, next_offset=next_offset)
