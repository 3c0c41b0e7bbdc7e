"""/audit and the Audit buttons: the audit log in pages of ten, all of it or about one target."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.admin.audit import AuditPage, audit_for, audit_page
from bot.admin.callbacks import AuditView
from bot.campaigns.service import local_formatter
from bot.context import VitrineContext
from bot.domain.callbacks import callback_pattern
from bot.domain.errors import DomainError
from handlers.admin.common import is_admin, labels, refuse, say, send
from handlers.keyboards import button, keyboard
from handlers.ui import answer, decoded, show_text


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
    try:
        view = await audit_for(context.services, context.args or [])
    except DomainError:
        await say(update, context, "audit_usage")
        return
    await send(update, context, *_render(context, view))


async def audit_pressed(update: Update, context: VitrineContext) -> None:
    """Audit (on the queue or a target card: a new message) or Newer/Older (turn the page)."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    await answer(update)
    value = decoded(update, AuditView)
    if value is None:
        return
    view = await audit_page(context.services, value.scope, value.target_id, value.page)
    text, markup = _render(context, view)
    await show_text(update, context, text, markup, edit=value.edit)


def handlers() -> list[BaseHandler[Update, VitrineContext, None]]:
    """/audit and the audit buttons."""
    return [
        CommandHandler("audit", audit_command),
        CallbackQueryHandler(audit_pressed, pattern=callback_pattern(AuditView)),
    ]
