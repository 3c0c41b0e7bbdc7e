"""Suspending and reinstating experts, merchants and items: the target card, the typed reason,
the owner told why, and the card redrawn with the new state."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.admin import moderation as service
from bot.admin.callbacks import AuditView
from bot.admin.notices import send_notice
from bot.context import VitrineContext
from bot.domain.callbacks import AdminSuspend, decode
from bot.domain.errors import DomainError
from bot.experts.callbacks import AdminUnsuspend
from bot.menus import refresh_menu
from handlers.admin.common import PENDING, REASON, is_admin, labels, refuse, send
from handlers.keyboards import button, keyboard
from handlers.ui import reply

SUSPENDABLE = ("expert", "merchant", "item")


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
            reason = labels(context).get(f"reason_{code}", str(code))
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
        await reply(update, context, "admin/outcome", event="not_found", subject=name)
        return ConversationHandler.END
    message = query.message
    if suspend == (status == "suspended"):  # another admin was faster: show the card as it is
        if message is not None:
            await _refresh_card(context, kind, value.target_id, message.chat.id, message.message_id)
        await reply(update, context, "admin/outcome", event="unchanged", subject=name)
        return ConversationHandler.END
    if suspend and kind != "item" and status != "verified":
        await reply(update, context, "admin/outcome", event="not_verified", subject=name)
        return ConversationHandler.END
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


async def suspend_with_reason(
    update: Update, context: VitrineContext, pending: dict[str, Any], reason: str
) -> None:
    """Apply the pending Suspend or Reinstate with the typed reason, redraw the card, tell the
    owner, and say to the admin what happened and whether the owner could be told."""
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
        await _refresh_card(context, kind, target_id, pending["chat_id"], pending["message_id"])
    if not changed:
        await reply(update, context, "admin/outcome", event="unchanged", subject=name)
        return
    owner = await service.owner_of(context.services, kind, target_id)
    if owner is not None and kind != "item":  # the owner's role changed with it
        await refresh_menu(context.bot, context.services, owner.id)
    told = await tell_owner(context, kind, target_id, suspended=suspend, reason=reason)
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
    chat_id: int,
    message_id: int,
) -> None:
    """Redraw the target card in that message with the state now (and its fitting buttons)."""
    card = await _target_card(context, kind, target_id)
    if card is None:
        return
    text, markup = card
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


async def tell_owner(
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
        names = services.texts.labels(owner.language, "admin")
        reason = names.get(f"reason_{report_reason}", report_reason)
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
