"""Admins decide: approve or reject applications, uphold or dismiss reports, suspend or reinstate
experts, merchants and items (always with a typed reason that the owner reads). Admins only."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.admin import moderation as service
from bot.admin.callbacks import AuditView
from bot.admin.notices import send_notice
from bot.context import VitrineContext
from bot.domain.callbacks import AdminApprove, AdminReject, AdminSuspend, callback_pattern, decode
from bot.domain.errors import DomainError
from bot.experts.callbacks import AdminUnsuspend
from bot.experts.publishing import partner_whitelist
from handlers.common import reply
from handlers.expert.common import button, conversation_handler, keyboard

REASON = "reason"
PENDING = "admin_pending"  # user_data: the decision waiting for its typed reason
SUSPENDABLE = ("expert", "merchant", "item")


def is_admin(update: Update, context: VitrineContext) -> bool:
    """Whether the person behind the update is a configured admin."""
    user = update.effective_user
    return user is not None and context.services.is_admin(user.id)


async def refuse(update: Update, context: VitrineContext) -> None:
    """Tell a non-admin that this is not for them."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, context, "admin/not_admin")


def labels(context: VitrineContext) -> Any:
    """The admin button labels in the user's language."""
    return context.services.texts.labels(context.language, "admin")


async def send(
    update: Update, context: VitrineContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A new message in the admin's chat."""
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
    )


async def show_target(update: Update, context: VitrineContext, args: list[str]) -> None:
    """/admin <expert|merchant|item> <ref>: the target card with Suspend or Reinstate."""
    target = await service.resolve_target(context.services, args)
    if target is None:
        await reply(update, context, "admin/outcome", event="not_found", subject="")
        return
    card = await _target_card(context, *target)
    if card is None:
        await reply(update, context, "admin/outcome", event="not_found", subject="")
        return
    await send(update, context, *card)


async def _target_card(
    context: VitrineContext, kind: service.SuspendKind, target_id: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The card's text (state and the latest reason) and buttons; None when it does not exist."""
    services = context.services
    try:
        status = await service.current_status(services, kind, target_id)
    except DomainError:
        return None
    last = await service.last_suspension(services, kind, target_id)
    reason = ""
    if last is not None and last.action.endswith(".suspend") == (status == "suspended"):
        reason = str(last.detail.get("reason") or "")
        code = last.detail.get("report_reason")
        if not reason and code:
            reason = services.texts.label(context.language, f"admin.reason_{code}")
    text = services.texts.render(
        "admin/target",
        context.language,
        kind=kind,
        target_id=target_id,
        status=status,
        subject=await service.target_name(services, kind, target_id),
        reason=reason,
    )
    names = labels(context)
    if status == "suspended":
        toggle = button(names["unsuspend"], AdminUnsuspend(kind, target_id))
    else:
        toggle = button(names["suspend"], AdminSuspend(kind, target_id))
    audit = button(names["audit"], AuditView(kind, target_id, 0, False))
    return text, keyboard([[toggle, audit]])


async def _outcome(update: Update, context: VitrineContext, event: str, name: str = "") -> None:
    """Replace the pressed message's buttons with what happened."""
    query = update.callback_query
    assert query is not None
    text = context.services.texts.render(
        "admin/outcome", context.language, event=event, subject=name
    )
    await query.edit_message_reply_markup(None)
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
            await _tell_expert(context, expert.id, approved=True, reason=None)
            await _outcome(update, context, "approved", f"@{expert.handle}")
        elif value.kind == "merchant":
            merchant = await service.decide_merchant(
                context.services, context.user.id, value.target_id, approve=True
            )
            await _tell_merchant(context, merchant.id, approved=True, reason=None)
            await _outcome(update, context, "approved", merchant.name)
        elif value.kind == "report":
            report = await context.services.repos.item_reports.get(value.target_id)
            item_id = await service.resolve_report(
                context.services, context.user.id, value.target_id, uphold=True
            )
            assert report is not None  # resolve_report refused a missing one
            await _tell_owner(context, "item", item_id, suspended=True, report_reason=report.reason)
            name = await service.target_name(context.services, "item", item_id)
            await _outcome(update, context, "suspended", name)
    except DomainError:
        await _outcome(update, context, "decided")
    except AssertionError:
        return


async def suspend_pressed(update: Update, context: VitrineContext) -> str | int:
    """Suspend or Reinstate on a target card: ask for the reason the owner will read."""
    query = update.callback_query
    assert query is not None
    if not is_admin(update, context):
        await refuse(update, context)
        return ConversationHandler.END
    await query.answer()
    try:
        value = decode(query.data)
        assert isinstance(value, (AdminSuspend, AdminUnsuspend)) and value.kind in SUSPENDABLE
    except (DomainError, AssertionError):
        return ConversationHandler.END
    kind: service.SuspendKind = value.kind  # type: ignore[assignment]
    suspend = isinstance(value, AdminSuspend)
    services = context.services
    name = await service.target_name(services, kind, value.target_id)
    try:
        status = await service.current_status(services, kind, value.target_id)
    except DomainError:
        await _outcome(update, context, "not_found", name)
        return ConversationHandler.END
    if suspend == (status == "suspended"):  # another admin was faster: show the card as it is
        await _refresh_card(context, kind, value.target_id, query.message)
        await reply(update, context, "admin/outcome", event="unchanged", subject=name)
        return ConversationHandler.END
    if suspend and kind != "item" and status != "verified":
        await reply(update, context, "admin/outcome", event="not_verified", subject=name)
        return ConversationHandler.END
    message = query.message
    context.user_data[PENDING] = {  # type: ignore[index]
        "action": "suspend" if suspend else "unsuspend",
        "kind": kind,
        "target_id": value.target_id,
        "chat_id": message.chat.id if message else None,
        "message_id": message.message_id if message else None,
    }
    await reply(
        update,
        context,
        "admin/outcome",
        event="ask_suspend" if suspend else "ask_unsuspend",
        subject=name,
        owner=await _owner_name(context, kind, value.target_id),
    )
    return REASON


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
        await _suspend(update, context, pending, reason)
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


async def _suspend(
    update: Update, context: VitrineContext, pending: dict[str, Any], reason: str
) -> None:
    kind, target_id = pending["kind"], pending["target_id"]
    suspend = pending["action"] == "suspend"
    name = await service.target_name(context.services, kind, target_id)
    try:
        changed = await service.set_suspended(
            context.services, context.user.id, kind, target_id, suspended=suspend, reason=reason
        )
    except DomainError as error:
        event = "not_verified" if error.code == "admin.not_verified" else "not_found"
        await reply(update, context, "admin/outcome", event=event, subject=name)
        return
    if pending.get("chat_id") and pending.get("message_id"):
        await _refresh_card(context, kind, target_id, (pending["chat_id"], pending["message_id"]))
    if not changed:
        await reply(update, context, "admin/outcome", event="unchanged", subject=name)
        return
    told = await _tell_owner(context, kind, target_id, suspended=suspend, reason=reason)
    await reply(
        update,
        context,
        "admin/outcome",
        event="suspended" if suspend else "unsuspended",
        subject=name,
        owner=await _owner_name(context, kind, target_id),
        told=told,
    )


async def _refresh_card(
    context: VitrineContext,
    kind: service.SuspendKind,
    target_id: int,
    where: object,
) -> None:
    """Redraw a target card (a message, or its (chat id, message id)) with the state now."""
    card = await _target_card(context, kind, target_id)
    if card is None:
        return
    text, markup = card
    if isinstance(where, tuple):
        chat_id, message_id = where
    else:
        chat_id, message_id = where.chat.id, where.message_id  # type: ignore[attr-defined]
    try:
        await context.bot.edit_message_text(
            text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    except BadRequest as error:  # unchanged, or deleted by the admin: the reply says it all
        if "not modified" not in error.message.lower() and "not found" not in error.message:
            raise


async def cancel_reason(update: Update, context: VitrineContext) -> int:
    """/cancel while a reason is awaited: nothing is decided."""
    pending = context.user_data.pop(PENDING, None) or {}  # type: ignore[union-attr]
    if pending.get("action") in ("suspend", "unsuspend"):
        name = await service.target_name(context.services, pending["kind"], pending["target_id"])
        await reply(update, context, "admin/outcome", event="suspend_cancelled", subject=name)
    else:
        await reply(update, context, "admin/outcome", event="reject_cancelled", subject="")
    return ConversationHandler.END


async def _owner_name(context: VitrineContext, kind: service.SuspendKind, target_id: int) -> str:
    """How the admin knows whoever is told: @handle for experts, the first name for shop owners."""
    services = context.services
    owner = await service.owner_of(services, kind, target_id)
    if owner is None:
        return "?"
    expert = await services.repos.experts.by_user(owner.id)
    if kind != "merchant" and expert is not None:
        return f"@{expert.handle}"
    return owner.first_name or f"#{owner.id}"


async def _tell_owner(
    context: VitrineContext,
    kind: service.SuspendKind,
    target_id: int,
    *,
    suspended: bool,
    reason: str = "",
    report_reason: str = "",
) -> bool:
    """Tell the expert (or shop owner) in their language what happened and why."""
    services = context.services
    owner = await service.owner_of(services, kind, target_id)
    if owner is None:
        return False
    if report_reason:
        reason = services.texts.label(owner.language, f"admin.reason_{report_reason}")
    if kind == "expert":
        expert = await services.repos.experts.get(target_id)
        subject = expert.handle if expert else ""
    else:
        subject = await service.target_name(services, kind, target_id)
    text = services.texts.render(
        "admin/suspension_notice",
        owner.language,
        kind=kind,
        suspended=suspended,
        subject=subject,
        reason=reason,
    )
    return await send_notice(services, context.bot, owner, text, kind="suspension_notice")


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
            CallbackQueryHandler(suspend_pressed, pattern=callback_pattern(AdminSuspend)),
            CallbackQueryHandler(suspend_pressed, pattern=callback_pattern(AdminUnsuspend)),
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
