"""/audit and the Audit buttons: the audit log in pages of ten, all of it or about one target."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.admin import moderation as service
from bot.admin.audit import AuditPage, audit_page
from bot.admin.callbacks import AuditScope, AuditView
from bot.campaigns.service import local_formatter
from bot.context import VitrineContext
from bot.domain.callbacks import callback_pattern, decode_as
from bot.domain.errors import DomainError
from handlers.admin.common import is_admin, labels, refuse, send
from handlers.keyboards import button, keyboard
from handlers.ui import reply


async def _scope_of(context: VitrineContext, args: list[str]) -> tuple[AuditScope, int] | None:
    """What `/audit …` asks for: nothing (all), @handle, an item id, or `<kind> <ref>`."""
    if not args:
        return "all", 0
    if len(args) == 1:
        ref = args[0]
        args = ["item", ref] if ref.isascii() and ref.isdigit() else ["expert", ref]
    return await service.resolve_target(context.services, args)


def _render(context: VitrineContext, view: AuditPage) -> tuple[str, InlineKeyboardMarkup | None]:
    text = context.services.texts.render(
        "admin/audit",
        context.language,
        view=view,
        local=local_formatter(context.user.timezone),
    )
    names = labels(context)
    turn = []
    if view.has_previous:
        turn.append(
            button(names["previous"], AuditView(view.scope, view.target_id, view.page - 1, True))
        )
    if view.has_next:
        turn.append(
            button(names["next"], AuditView(view.scope, view.target_id, view.page + 1, True))
        )
    rows = [turn] if turn else []
    if view.scope != "all":
        rows.append([button(names["audit_all"], AuditView("all", 0, 0, True))])
    return text, keyboard(rows) if rows else None


async def audit_command(update: Update, context: VitrineContext) -> None:
    """/audit [@handle | item id | expert|merchant|item <ref>]: the newest page of the log."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    scope = await _scope_of(context, context.args or [])
    if scope is None or (scope[0] != "all" and not await _exists(context, *scope)):
        await reply(update, context, "admin/outcome", event="audit_usage", subject="")
        return
    view = await audit_page(context.services, scope[0], scope[1], 0)
    await send(update, context, *_render(context, view))


async def _exists(context: VitrineContext, scope: AuditScope, target_id: int) -> bool:
    try:
        await service.current_status(context.services, scope, target_id)  # type: ignore[arg-type]
    except DomainError:
        return False
    return True


async def audit_pressed(update: Update, context: VitrineContext) -> None:
    """Audit (on the queue or a target card: a new message) or Newer/Older (turn the page)."""
    query = update.callback_query
    assert query is not None
    if not is_admin(update, context):
        await refuse(update, context)
        return
    try:
        value = decode_as(AuditView, query.data)
    except DomainError:
        await query.answer()
        return
    await query.answer()
    view = await audit_page(context.services, value.scope, value.target_id, value.page)
    text, markup = _render(context, view)
    if not value.edit:
        await send(update, context, text, markup)
        return
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
        )
    except BadRequest as error:  # pressed twice: the page is already showing
        if "not modified" not in error.message.lower():
            raise


def handlers() -> list[object]:
    """/audit and the audit buttons."""
    return [
        CommandHandler("audit", audit_command),
        CallbackQueryHandler(audit_pressed, pattern=callback_pattern(AuditView)),
    ]
