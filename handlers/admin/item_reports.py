"""Fans report an item: the Report button, a reason chosen by buttons, the admins told."""

from __future__ import annotations

from functools import lru_cache

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.admin.item_reports import REPORT_REASONS, report_item
from bot.context import VitrineContext
from bot.domain.callbacks import ReportItem, callback_pattern
from bot.domain.errors import DomainError
from bot.texts import Texts
from handlers.keyboards import Button, button, keyboard
from handlers.ui import answer, decoded, show_text


@lru_cache(maxsize=1)
def _shared_texts() -> Texts:
    return Texts()


def report_button(language: str, item_id: int, texts: Texts | None = None) -> Button:
    """The ⚠ Report button for a fan's item card (pass `texts` to reuse the services' one)."""
    labels = (texts or _shared_texts()).labels(language, "admin")
    return button(labels["report"], ReportItem(item_id, ""))


def _flow_text(context: VitrineContext, event: str, title: str = "") -> str:
    return context.services.texts.render(
        "admin/report_flow", context.language, event=event, title=title
    )


async def report_pressed(update: Update, context: VitrineContext) -> None:
    """Ask for a reason (a new message under the card), or file the report with the one chosen."""
    value = decoded(update, ReportItem)
    if value is None:
        await answer(update)
        return
    try:
        step = await report_item(
            context.services, user_id=context.user.id, item_id=value.item_id, reason=value.reason
        )
    except DomainError:  # the item is gone or suspended (a reason the codec let through is not)
        await answer(update, _flow_text(context, "gone"))
        return
    await answer(update)
    text = _flow_text(context, step.event, step.title)
    if step.event == "choose":
        labels = context.services.texts.labels(context.language, "admin")
        buttons = [
            [button(labels[f"reason_{r}"], ReportItem(step.item_id, r))] for r in REPORT_REASONS
        ]
        await show_text(update, context, text, keyboard(buttons), edit=False)
        return
    await show_text(update, context, text)


def handlers() -> list[CallbackQueryHandler[VitrineContext, None]]:
    """The fans' Report button."""
    return [CallbackQueryHandler(report_pressed, pattern=callback_pattern(ReportItem))]
