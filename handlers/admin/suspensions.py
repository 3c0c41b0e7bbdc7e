"""Suspending and reinstating experts, merchants and items: the target card, the Suspend or
Reinstate press that asks for the reason (handlers.admin.reasons applies it)."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.admin import suspensions as service
from bot.context import VitrineContext
from bot.domain.callbacks import AdminSuspend, callback_pattern
from bot.domain.errors import DomainError
from bot.experts.callbacks import AdminUnsuspend
from handlers.admin.cards import card_view, redraw
from handlers.admin.common import is_admin, refusal_event, refuse, say, send
from handlers.admin.reasons import wait_for_reason
from handlers.ui import answer, decoded


async def show_target(update: Update, context: VitrineContext, args: list[str]) -> None:
    """/admin <expert|merchant|item> <ref>: the target card with Suspend or Reinstate."""
    try:
        card = await service.target_card(context.services, args)
    except DomainError:
        await say(update, context, "not_found")
        return
    await send(update, context, *card_view(context, card))


async def suspend_pressed(update: Update, context: VitrineContext) -> None:
    """Suspend or Reinstate on a target card: ask for the reason the owner will read."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    await answer(update)
    value: AdminSuspend | AdminUnsuspend | None = decoded(update, AdminSuspend) or decoded(
        update, AdminUnsuspend
    )
    if value is None:
        return
    suspend = isinstance(value, AdminSuspend)
    try:
        asked = await service.ask_suspension(
            context.services, kind=value.kind, target_id=value.target_id, suspend=suspend
        )
    except DomainError as error:
        event = refusal_event(error)
        subject = "" if event == "bad_target" else f"#{value.target_id}"
        await say(update, context, event, subject)
        return
    query = update.callback_query
    message = query.message if query is not None and isinstance(query.message, Message) else None
    chat_id = message.chat.id if message is not None else None
    message_id = message.message_id if message is not None else None
    if asked.unchanged:  # another admin was faster: show the card as it is
        await redraw(context, asked.card, chat_id, message_id)
        await say(update, context, "unchanged", asked.subject)
        return
    await wait_for_reason(
        context,
        "suspend" if suspend else "unsuspend",
        asked.kind,
        asked.target_id,
        subject=asked.subject,
        chat_id=chat_id,
        message_id=message_id,
    )
    await say(
        update,
        context,
        "ask_suspend" if suspend else "ask_unsuspend",
        asked.subject,
        owner=asked.owner,
    )


def handlers() -> list[BaseHandler[Update, VitrineContext, None]]:
    """The Suspend and Reinstate buttons of target cards."""
    return [
        CallbackQueryHandler(suspend_pressed, pattern=callback_pattern(AdminSuspend)),
        CallbackQueryHandler(suspend_pressed, pattern=callback_pattern(AdminUnsuspend)),
    ]
