"""/admin: pending applications, reports, suspensions; /partners: the whitelist. Admins only."""

from __future__ import annotations

from typing import Any

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
from bot.domain.partners import find_partner
from bot.experts.callbacks import AdminUnsuspend
from bot.experts.cards import render_expert_card
from bot.experts.publishing import partner_whitelist
from handlers.admin.reports import report_buttons, report_message
from handlers.common import reply
from handlers.expert.common import conversation_handler
from handlers.keyboards import NO_BUTTONS, Keyboard, button, keyboard

REASON = "reason"
REJECTING = "admin_rejecting"  # user_data key: (kind, target id) awaiting a typed reason


def _is_admin(update: Update, context: VitrineContext) -> bool:
    user = update.effective_user
    return user is not None and context.services.is_admin(user.id)


async def _refuse(update: Update, context: VitrineContext) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, context, "admin/not_admin")


def _labels(context: VitrineContext) -> Any:
    return context.services.texts.labels(context.language, "admin")


async def _send(
    update: Update, context: VitrineContext, text: str, markup: Keyboard = None
) -> None:
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
    )


async def admin_command(update: Update, context: VitrineContext) -> None:
    """/admin: the queue; /admin <expert|merchant|item> <ref>: one target with Suspend/Reinstate."""
    if not _is_admin(update, context):
        await _refuse(update, context)
        return
    if context.args:
        await show_target(update, context, context.args)
        return
    services, labels = context.services, _labels(context)
    experts = await services.repos.experts.with_status("pending")
    merchants = await services.repos.moderation.merchants_with_status("pending")
    reports = await services.repos.item_reports.open_reports()
    await reply(
        update,
        context,
        "admin/queue",
        experts=len(experts),
        merchants=len(merchants),
        reports=len(reports),
    )
    for expert in experts:
        card = await render_expert_card(services, expert, context.language)
        text = services.texts.render(
            "admin/expert_application", context.language, card=card, applicant=expert.display_name
        )
        await _send(
            update,
            context,
            text,
            keyboard(
                [
                    [
                        button(labels["approve"], AdminApprove("expert", expert.id)),
                        button(labels["reject"], AdminReject("expert", expert.id)),
                    ]
                ]
            ),
        )
    for merchant in merchants:
        partner = find_partner(merchant.partner_key, partner_whitelist(services))
        text = services.texts.render(
            "admin/merchant_application",
            context.language,
            subject=merchant.name,
            merchant_id=merchant.id,
            shop_id=merchant.shop_id,
            partner=partner.name if partner else merchant.partner_key,
        )
        await _send(
            update,
            context,
            text,
            keyboard(
                [
                    [
                        button(labels["approve"], AdminApprove("merchant", merchant.id)),
                        button(labels["reject"], AdminReject("merchant", merchant.id)),
                    ]
                ]
            ),
        )
    for report in reports:
        text = await report_message(context, report.id, context.language)
        if text:
            await _send(
                update,
                context,
                text,
                keyboard(report_buttons(context, context.language, report.id)),
            )


async def _target_name(context: VitrineContext, kind: str, target_id: int) -> str:
    """What an admin calls the target in messages."""
    repos = context.services.repos
    if kind == "expert":
        expert = await repos.experts.get(target_id)
        return f"@{expert.handle}" if expert else str(target_id)
    if kind == "merchant":
        merchant = await repos.moderation.merchant(target_id)
        return merchant.name if merchant else str(target_id)
    item = await repos.items.get(target_id)
    return item.title if item else str(target_id)


async def _resolve_target(context: VitrineContext, args: list[str]) -> tuple[str, int] | None:
    """Read `expert <handle|id>`, `merchant <id>` or `item <id>`."""
    if len(args) != 2 or args[0] not in ("expert", "merchant", "item"):
        return None
    kind, ref = args
    if kind == "expert" and not ref.isdigit():
        expert = await context.services.repos.experts.by_handle(ref.lstrip("@"))
        return ("expert", expert.id) if expert else None
    return (kind, int(ref)) if ref.isdigit() and len(ref) < 16 else None


async def show_target(update: Update, context: VitrineContext, args: list[str]) -> None:
    """One expert, merchant or item with its status and a Suspend or Reinstate button."""
    target = await _resolve_target(context, args)
    try:
        if target is None:
            raise DomainError("admin.unknown_target")
        kind, target_id = target
        status = await service.current_status(context.services, kind, target_id)  # type: ignore[arg-type]
    except DomainError:
        await reply(update, context, "admin/outcome", event="not_found", subject="")
        return
    text = context.services.texts.render(
        "admin/target",
        context.language,
        kind=kind,
        target_id=target_id,
        status=status,
        subject=await _target_name(context, kind, target_id),
    )
    await _send(update, context, text, _target_markup(context, kind, target_id, status))


def _target_markup(context: VitrineContext, kind: str, target_id: int, status: str) -> Keyboard:
    labels = _labels(context)
    if status == "suspended":
        return keyboard([[button(labels["unsuspend"], AdminUnsuspend(kind, target_id))]])  # type: ignore[arg-type]
    return keyboard([[button(labels["suspend"], AdminSuspend(kind, target_id))]])  # type: ignore[arg-type]


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
    if not _is_admin(update, context):
        await _refuse(update, context)
        return
    await query.answer()
    try:
        value = decode(query.data)
        assert isinstance(value, AdminApprove)
        if value.kind == "expert":
            expert = await service.decide_expert(
                context.services, context.user.id, value.target_id, approve=True
            )
            await _tell_expert(context, expert.id, approved=True, reason=None)
            await _outcome(update, context, "approved", f"@{expert.handle}")
        elif value.kind == "merchant":
            merchant = await service.decide_merchant(
                context.services, context.user.id, value.target_id, approve=True
            )
            await _tell_merchant(context, merchant.id, approved=True, reason=None)
            await _outcome(update, context, "approved", merchant.name)
        elif value.kind == "report":
            item_id = await service.resolve_report(
                context.services, context.user.id, value.target_id, uphold=True
            )
            await _outcome(
                update, context, "suspended", await _target_name(context, "item", item_id)
            )
    except DomainError:
        await _outcome(update, context, "decided")
    except AssertionError:
        return


async def suspend_pressed(update: Update, context: VitrineContext) -> None:
    """Suspend or reinstate an expert, merchant or item."""
    query = update.callback_query
    assert query is not None
    if not _is_admin(update, context):
        await _refuse(update, context)
        return
    await query.answer()
    try:
        value = decode(query.data)
        assert isinstance(value, (AdminSuspend, AdminUnsuspend)) and value.kind in (
            "expert",
            "merchant",
            "item",
        )
    except (DomainError, AssertionError):
        return
    suspend = isinstance(value, AdminSuspend)
    name = await _target_name(context, value.kind, value.target_id)
    try:
        changed = await service.set_suspended(
            context.services,
            context.user.id,
            value.kind,
            value.target_id,
            suspended=suspend,  # type: ignore[arg-type]
        )
    except DomainError as error:
        await _outcome(
            update,
            context,
            "not_verified" if error.code == "admin.not_verified" else "not_found",
            name,
        )
        return
    event = ("suspended" if suspend else "unsuspended") if changed else "unchanged"
    await _outcome(update, context, event, name)


async def reject_pressed(update: Update, context: VitrineContext) -> str | int:
    """Dismiss a report at once; for an application, ask the admin to type the reason."""
    query = update.callback_query
    assert query is not None
    if not _is_admin(update, context):
        await _refuse(update, context)
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
    context.user_data[REJECTING] = (value.kind, value.target_id)  # type: ignore[index]
    name = await _target_name(context, value.kind, value.target_id)
    await reply(update, context, "admin/outcome", event="ask_reason", subject=name)
    return REASON


async def got_reason(update: Update, context: VitrineContext) -> str | int:
    """Reject with the typed reason and tell the applicant."""
    kind, target_id = context.user_data.get(REJECTING, ("", 0))  # type: ignore[union-attr]
    try:
        reason = service.clean_reason(update.effective_message.text or "")  # type: ignore[union-attr]
    except DomainError as error:
        await reply(update, context, "admin/outcome", event=error.code.split(".")[1], subject="")
        return REASON
    name = await _target_name(context, kind, target_id)
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
        return ConversationHandler.END
    context.user_data.pop(REJECTING, None)  # type: ignore[union-attr]
    await reply(update, context, "admin/outcome", event="rejected", subject=name)
    return ConversationHandler.END


async def cancel_reject(update: Update, context: VitrineContext) -> int:
    """Leave the application pending."""
    context.user_data.pop(REJECTING, None)  # type: ignore[union-attr]
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
    if not _is_admin(update, context):
        await _refuse(update, context)
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


def reject_conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """Reject → the admin types the reason → the applicant is told."""
    return conversation_handler(
        entry_points=[CallbackQueryHandler(reject_pressed, pattern=callback_pattern(AdminReject))],
        states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_reason)]},
        fallbacks=[CommandHandler("cancel", cancel_reject)],
        allow_reentry=True,
        name="admin_reject",
    )


def handlers() -> list[object]:
    """/admin, /partners and the moderation buttons."""
    return [
        CommandHandler("admin", admin_command),
        CommandHandler("partners", partners_command),
        CallbackQueryHandler(approve_pressed, pattern=callback_pattern(AdminApprove)),
        CallbackQueryHandler(suspend_pressed, pattern=callback_pattern(AdminSuspend)),
        CallbackQueryHandler(suspend_pressed, pattern=callback_pattern(AdminUnsuspend)),
    ]
