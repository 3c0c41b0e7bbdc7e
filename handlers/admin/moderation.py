"""Admins decide applications and reports: approve, or reject with a typed reason the applicant
reads; uphold a report (the item is suspended, its expert told why) or dismiss it. The typed
reason is a flow (handlers.admin.reasons), shared with Suspend and Reinstate. Admins only."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.admin import moderation as service
from bot.context import VitrineContext
from bot.domain.callbacks import AdminApprove, AdminReject, callback_pattern
from bot.domain.errors import DomainError
from bot.experts.publishing import partner_whitelist
from bot.menus import refresh_menu
from handlers.admin.common import is_admin, refusal_event, refuse, say
from handlers.admin.reasons import wait_for_reason
from handlers.keyboards import NO_BUTTONS
from handlers.ui import answer, decoded, reply


async def _outcome(update: Update, context: VitrineContext, event: str, name: str = "") -> None:
    """Replace the pressed message's buttons with what happened."""
    query = update.callback_query
    if query is not None:
        await query.edit_message_reply_markup(NO_BUTTONS)
    await say(update, context, event, name)


async def approve_pressed(update: Update, context: VitrineContext) -> None:
    """Approve an expert or merchant, or uphold a report (suspending the item)."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    await answer(update)
    value = decoded(update, AdminApprove)
    if value is None:
        return
    try:
        decided = await service.approve(
            context.services, admin_id=context.user.id, kind=value.kind, target_id=value.target_id
        )
    except DomainError as error:
        if error.code == "admin.bad_target":  # forged: the card keeps its buttons
            await say(update, context, "bad_target")
            return
        await _outcome(update, context, refusal_event(error))
        return
    if decided.menu_user_id is not None:
        await refresh_menu(context.bot, context.services, decided.menu_user_id)
    await _outcome(update, context, decided.event, decided.subject)


async def reject_pressed(update: Update, context: VitrineContext) -> None:
    """Dismiss a report at once; for an application, ask the admin to type the reason."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    await answer(update)
    value = decoded(update, AdminReject)
    if value is None:
        return
    try:
        if value.kind == "report":
            await service.dismiss_report(
                context.services, admin_id=context.user.id, report_id=value.target_id
            )
            await _outcome(update, context, "dismissed")
            return
        name = await service.ask_rejection(
            context.services, kind=value.kind, target_id=value.target_id
        )
    except DomainError as error:
        if error.code == "admin.bad_target":
            await say(update, context, "bad_target")
            return
        await _outcome(update, context, refusal_event(error))
        return
    await wait_for_reason(context, "reject", value.kind, value.target_id, subject=name)
    await say(update, context, "ask_reason", name)


async def partners_command(update: Update, context: VitrineContext) -> None:
    """/partners: the whitelist as configured."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    partners = [
        dict(
            key=p.key,
            name=p.name,
            hosts=list(p.hosts),
            suffixes=list(p.host_suffixes),
            attribution=p.attribution_param,
        )
        for p in partner_whitelist(context.services)
    ]
    await reply(update, context, "admin/partners", partners=partners)


def handlers() -> list[BaseHandler[Update, VitrineContext, None]]:
    """/partners and the Approve and Reject buttons."""
    return [
        CommandHandler("partners", partners_command),
        CallbackQueryHandler(approve_pressed, pattern=callback_pattern(AdminApprove)),
        CallbackQueryHandler(reject_pressed, pattern=callback_pattern(AdminReject)),
    ]
