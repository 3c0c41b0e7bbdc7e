"""A target's card (an expert, a shop or an item): its state, latest reason, Suspend or Reinstate
and its Audit log button — drawn the same way on /admin and when redrawn after a change."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.admin.callbacks import AuditView
from bot.admin.suspensions import TargetCard
from bot.context import VitrineContext
from bot.domain.callbacks import AdminSuspend
from bot.experts.callbacks import AdminUnsuspend
from handlers.admin.common import labels
from handlers.keyboards import button


def card_view(context: VitrineContext, card: TargetCard) -> tuple[str, InlineKeyboardMarkup]:
    """The card's text and its buttons (never empty: the toggle and Audit are always there)."""
    names = labels(context)
    reason = card.reason
    if not reason and card.report_reason:
        reason = names.get(f"reason_{card.report_reason}", card.report_reason)
    text = context.services.texts.render(
        "admin/target",
        context.language,
        kind=card.kind,
        target_id=card.target_id,
        status=card.status,
        subject=card.subject,
        reason=reason,
    )
    if card.suspended:
        toggle = button(names["unsuspend"], AdminUnsuspend(card.kind, card.target_id))
    else:
        toggle = button(names["suspend"], AdminSuspend(card.kind, card.target_id))
    audit = button(names["audit"], AuditView(card.kind, card.target_id, 0, False))
    return text, InlineKeyboardMarkup([[toggle, audit]])


async def redraw(
    context: VitrineContext, card: TargetCard | None, chat_id: int | None, message_id: int | None
) -> None:
    """Redraw the card in that message with the state now (and its fitting buttons)."""
    if card is None or chat_id is None or message_id is None:
        return
    text, markup = card_view(context, card)
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except BadRequest as error:  # unchanged, or deleted by the admin: the reply says it all
        if "not modified" not in error.message.lower() and "not found" not in error.message:
            raise
