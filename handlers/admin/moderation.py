"""Admins decide applications and reports: approve, or reject with a typed reason the applicant
reads; uphold a report (the item is suspended, its expert told why) or dismiss it. The one reason
conversation also serves Suspend and Reinstate (handlers.admin.suspensions). Admins only."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.admin import moderation as service
from bot.admin.notices import send_notice
from bot.context import VitrineContext
from bot.domain.callbacks import AdminApprove, AdminReject, AdminSuspend, callback_pattern, decode
from bot.domain.errors import DomainError
from bot.experts.callbacks import AdminUnsuspend
from bot.experts.publishing import partner_whitelist
from bot.menus import refresh_menu
from handlers.admin import suspensions
from handlers.admin.common import PENDING, REASON, is_admin, refuse
from handlers.expert.common import conversation_handler
from handlers.keyboards import NO_BUTTONS
from handlers.ui import reply


async def _outcome(update: Update, context: VitrineContext, event: str, name: str = "") -> None:
    """Replace the pressed message's buttons with what happened."""
    query = update.callback_query
    assert query is not None
    text = context.services.texts.render(
        "admin/outcome", context.language, event=event, subject=name
    )
    await query.edit_message_reply_markup(NO_BUTTONS)
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)  # type: ignore[union-attr]


async def approve_pressed(update: Update, context: VitrineContext) -> None:
    """Approve an expert or merchant, or uphold a report (suspending the item)."""
    query = update.callback_query
    assert query is not None
    if not is_admin(update, context):
        await refuse(update, context)
        return
    await query.answer()
    try:
        value = decode(query.data)
        assert isinstance(value, AdminApprove)
        if value.kind == "expert":
            expert = await service.decide_expert(
                context.services, context.user.id, value.target_id, approve=True
            )
            await refresh_menu(context.bot, context.services, expert.user_id)
            await _tell_expert(context, expert.id, approved=True, reason=None)
            await _outcome(update, context, "approved", f"@{expert.handle}")
        elif value.kind == "merchant":
            merchant = await service.decide_merchant(
                context.services, context.user.id, value.target_id, approve=True
            )
            await refresh_menu(context.bot, context.services, merchant.user_id)
            await _tell_merchant(context, merchant.id, approved=True, reason=None)
            await _outcome(update, context, "approved", merchant.name)
        elif value.kind == "report":
            report = await context.services.repos.item_reports.get(value.target_id)
            item_id = await service.resolve_report(
                context.services, context.user.id, value.target_id, uphold=True
            )
            assert report is not None  # resolve_report refused a missing one
            await suspensions.tell_owner(
                context, "item", item_id, suspended=True, report_reason=report.reason
            )
            name = await service.target_name(context.services, "item", item_id)
            await _outcome(update, context, "suspended", name)
    except DomainError:
        await _outcome(update, context, "decided")
    except AssertionError:
        return


async def reject_pressed(update: Update, context: VitrineContext) -> str | int:
    """Dismiss a report at once; for an application, ask the admin to type the reason."""
    query = update.callback_query
    assert query is not None
    if not is_admin(update, context):
        await refuse(update, context)
        return ConversationHandler.END
    await query.answer()
    try:
        value = decode(query.data)
        assert isinstance(value, AdminReject) and value.kind in ("expert", "merchant", "report")
        if value.kind == "report":
            await service.resolve_report(
                context.services, context.user.id, value.target_id, uphold=False
            )
            await _outcome(update, context, "dismissed")
            return ConversationHandler.END
        status = await service.current_status(context.services, value.kind, value.target_id)  # type: ignore[arg-type]
    except DomainError:
        await _outcome(update, context, "decided")
        return ConversationHandler.END
    except AssertionError:
        return ConversationHandler.END
    if status != "pending":
        await _outcome(update, context, "decided")
        return ConversationHandler.END
    context.user_data[PENDING] = {  # type: ignore[index]
        "action": "reject",
        "kind": value.kind,
        "target_id": value.target_id,
    }
    name = await service.target_name(context.services, value.kind, value.target_id)
    await reply(update, context, "admin/outcome", event="ask_reason", subject=name)
    return REASON


async def got_reason(update: Update, context: VitrineContext) -> str | int:
    """The typed reason: reject the application, or suspend or reinstate the target."""
    pending = context.user_data.get(PENDING) or {}  # type: ignore[union-attr]
    if pending.get("action") not in ("reject", "suspend", "unsuspend"):
        return ConversationHandler.END
    try:
        reason = service.clean_reason(update.effective_message.text or "")  # type: ignore[union-attr]
    except DomainError as error:
        await reply(update, context, "admin/outcome", event=error.code.split(".")[1], subject="")
        return REASON
    context.user_data.pop(PENDING, None)  # type: ignore[union-attr]
    if pending["action"] == "reject":
        await _reject(update, context, pending["kind"], pending["target_id"], reason)
    else:
        await suspensions.suspend_with_reason(update, context, pending, reason)
    return ConversationHandler.END


async def _reject(
    update: Update, context: VitrineContext, kind: str, target_id: int, reason: str
) -> None:
    name = await service.target_name(context.services, kind, target_id)
    try:
        if kind == "expert":
            await service.decide_expert(
                context.services, context.user.id, target_id, approve=False, reason=reason
            )
            await _tell_expert(context, target_id, approved=False, reason=reason)
        else:
            await service.decide_merchant(
                context.services, context.user.id, target_id, approve=False, reason=reason
            )
            await _tell_merchant(context, target_id, approved=False, reason=reason)
    except DomainError:
        await reply(update, context, "admin/outcome", event="decided", subject=name)
        return
    await reply(update, context, "admin/outcome", event="rejected", subject=name)


async def cancel_reason(update: Update, context: VitrineContext) -> int:
    """/cancel while a reason is awaited: nothing is decided."""
    pending = context.user_data.pop(PENDING, None) or {}  # type: ignore[union-attr]
    if pending.get("action") in ("suspend", "unsuspend"):
        name = await service.target_name(context.services, pending["kind"], pending["target_id"])
        await reply(update, context, "admin/outcome", event="suspend_cancelled", subject=name)
    else:
        await reply(update, context, "admin/outcome", event="reject_cancelled", subject="")
    return ConversationHandler.END


async def _tell_expert(
    context: VitrineContext, expert_id: int, *, approved: bool, reason: str | None
) -> None:
    """Message the applicant the decision in their language."""
    services = context.services
    expert = await services.repos.experts.get(expert_id)
    user = await services.repos.users.get(expert.user_id) if expert else None
    if expert is None or user is None:
        return
    text = services.texts.render(
        "expert/verdict",
        user.language,
        approved=approved,
        handle=expert.handle,
        reason=reason or "",
    )
    await send_notice(services, context.bot, user, text, kind="expert_verdict")


async def _tell_merchant(
    context: VitrineContext, merchant_id: int, *, approved: bool, reason: str | None
) -> None:
    """Message the shop owner the decision in their language."""
    services = context.services
    merchant = await services.repos.moderation.merchant(merchant_id)
    user = await services.repos.users.get(merchant.user_id) if merchant else None
    if merchant is None or user is None:
        return
    text = services.texts.render(
        "admin/merchant_verdict",
        user.language,
        approved=approved,
        subject=merchant.name,
        reason=reason or "",
    )
    await send_notice(services, context.bot, user, text, kind="merchant_verdict")


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


def reason_conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """Reject, Suspend or Reinstate → the admin types the reason → done, and the owner is told."""
    return conversation_handler(
        entry_points=[
            CallbackQueryHandler(reject_pressed, pattern=callback_pattern(AdminReject)),
            CallbackQueryHandler(
                suspensions.suspend_pressed, pattern=callback_pattern(AdminSuspend)
            ),
            CallbackQueryHandler(
                suspensions.suspend_pressed, pattern=callback_pattern(AdminUnsuspend)
            ),
        ],
        states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_reason)]},
        fallbacks=[CommandHandler("cancel", cancel_reason)],
        allow_reentry=True,
        name="admin_reason",
    )


def handlers() -> list[object]:
    """/partners and the Approve buttons (Reject, Suspend, Reinstate are in the conversation)."""
    return [
        CommandHandler("partners", partners_command),
        CallbackQueryHandler(approve_pressed, pattern=callback_pattern(AdminApprove)),
    ]
