"""Inline mode: a fan drops item cards into any chat; the Buy button credits the sharer.

Whoever taps Buy in that chat is unknown to us, so the link names no fan (fan_ref 0): the click
is not logged as the sharer's own and the page follows the reader's browser language.
"""

from __future__ import annotations

import re

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode

from bot.context import VitrineContext
from bot.domain.money import format_fen
from bot.links import buy_url, deep_link
from handlers.fan.cards import item_caption
from handlers.fan.ui import label
from handlers.keyboards import Button, keyboard, url_button
from storage.repositories.items import Item

INLINE_PAGE_SIZE = 10
UNKNOWN_FAN = 0  # fan_ref of a link whose reader we cannot know
_ITEM_QUERY = re.compile(r"^\s*#(\d{1,15})\s*$")


async def _items_for(context: VitrineContext, query: str, offset: int) -> list[Item]:
    repos = context.services.repos
    match = _ITEM_QUERY.match(query)
    if match:
        if offset:
            return []
        item = await repos.items.get(int(match.group(1)))
        expert = await repos.experts.get(item.expert_id) if item else None
        if item is None or not item.available or expert is None or not expert.is_active:
            return []
        return [item]
    return await repos.browse.search_items(query[:64], offset=offset, limit=INLINE_PAGE_SIZE)


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
    offset = int(query.offset) if query.offset.isdigit() else 0
    items = await _items_for(context, query.query, offset)
    experts = await context.services.repos.browse.experts_by_ids(i.expert_id for i in items)
    username = context.bot.username
    results = []
    for item in items:
        expert = experts.get(item.expert_id)
        rows = []
        if not item.sold_out:
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
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            )
        else:
            results.append(
                InlineQueryResultArticle(
                    id=str(item.id),
                    title=item.title,
                    description=format_fen(item.price_fen),
                    input_message_content=InputTextMessageContent(text, parse_mode=ParseMode.HTML),
                    reply_markup=markup,
                )
            )
    next_offset = str(offset + INLINE_PAGE_SIZE) if len(items) == INLINE_PAGE_SIZE else ""
    # Personal and uncached: every result's Buy button carries this fan as the sharer.
    await query.answer(results, cache_time=0, is_personal=True, next_offset=next_offset)
