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
from bot.fan.records import Expert, Item
from bot.fan.search import INLINE_PAGE_SIZE, MAX_INLINE_OFFSET, shareable_items
from bot.links import buy_url, deep_link
from bot.services import Services
from handlers.fan.cards import card_caption
from handlers.keyboards import keyboard, url_button

UNKNOWN_FAN = 0  # fan_ref of a link whose reader we cannot know


SharedCard = InlineQueryResultCachedPhoto | InlineQueryResultArticle


def shared_card(
    services: Services,
    *,
    language: str,
    sharer_id: int,
    timezone: str,
    item: Item,
    expert: Expert | None,
    bot_username: str,
) -> SharedCard:
    """An item card to drop into any chat: its Buy button names no fan and credits the sharer.

    Inline mode answers with these, and the Mini App saves one as a prepared message.
    """
    texts = services.texts
    rows = []
    if not is_sold_out(item):
        url = buy_url(
            services.settings,
            item_id=item.id,
            fan_id=UNKNOWN_FAN,
            source="share",
            sharer_id=sharer_id,
        )
        rows.append(
            [url_button(texts.label(language, "fan.buy", price=format_fen(item.price_fen)), url)]
        )
    if expert is not None:
        rows.append(
            [
                url_button(
                    texts.label(language, "fan.open_in_bot"),
                    deep_link(bot_username, expert.handle),
                )
            ]
        )
    markup = keyboard(rows)
    text = card_caption(texts, language, item, expert, timezone=timezone)
    if item.photo_file_id:
        return InlineQueryResultCachedPhoto(
            id=str(item.id),
            photo_file_id=item.photo_file_id,
            title=item.title,
            caption=text,
            reply_markup=markup,
        )
    return InlineQueryResultArticle(
        id=str(item.id),
        title=item.title,
        description=format_fen(item.price_fen),
        input_message_content=InputTextMessageContent(text),
        reply_markup=markup,
    )


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
    results = [
        shared_card(
            context.services,
            language=context.language,
            sharer_id=context.user.id,
            timezone=context.user.timezone,
            item=item,
            expert=found.experts.get(item.expert_id),
            bot_username=username,
        )
        for item in items
    ]
    next_offset = str(offset + INLINE_PAGE_SIZE) if len(items) == INLINE_PAGE_SIZE else ""
    # Personal and uncached: every result's Buy button carries this fan as the sharer.
    await query.answer(results, cache_time=0, is_personal=True, next_offset=next_offset)
