"""The per-person throttle, the first handler group: a flood is stopped before any work is done.

Messages, button presses and inline queries count (bot/domain/throttle.py); membership changes
and payments always pass, so a block or a checkout is never lost. The first update over the limit
gets one notice in the person's language (a pressed button gets it as its toast), the rest of the
window nothing but a bare answer to a pressed button, so its spinner stops: no message, no
database work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable

from telegram import Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import people
from bot.context import VitrineContext
from bot.domain.language import language_from_telegram
from bot.domain.throttle import Verdict

log = logging.getLogger(__name__)


def _counted(update: Update) -> bool:
    """What a person sends at will: messages, edits, button presses and inline queries."""
    return any((update.message, update.edited_message, update.callback_query, update.inline_query))


async def throttle(update: Update, context: VitrineContext) -> None:
    """Stop a person's updates past the limit; the first one over it gets one polite notice."""
    limit = context.services.throttle
    person = update.effective_user
    if limit is None or person is None or not _counted(update):
        return
    verdict = limit.check(person.id, time.monotonic())
    if verdict is Verdict.PASS:
        return
    if verdict is Verdict.NOTICE:
        log.info("user %s throttled for %s s", person.id, limit.window)
        await _slow_down(update, context, person)
    elif update.callback_query is not None:
        await _answer_quietly(update.callback_query.answer())
    raise ApplicationHandlerStop


async def _answer_quietly(answering: Awaitable[object]) -> None:
    try:
        await answering
    except TelegramError as error:  # blocked, or the press is too old to answer: nobody to tell
        log.info("throttled update not answered: %s", error)


async def _slow_down(update: Update, context: VitrineContext, person: User) -> None:
    """The one notice: the pressed button's toast, else a message in the person's chat with the
    bot (inline queries and groups have no place for it: silence)."""
    chat = update.effective_chat
    query = update.callback_query
    if query is None and (chat is None or chat.type != ChatType.PRIVATE):
        return
    services = context.services
    language = await people.language_of(services, telegram_id=person.id)
    text = services.texts.render(
        "common/slow_down",
        language or language_from_telegram(person.language_code),
        seconds=services.settings.throttle_window_seconds,
    )
    if query is not None:
        await _answer_quietly(query.answer(text))
    elif chat is not None:
        await _answer_quietly(context.bot.send_message(chat.id, text))
