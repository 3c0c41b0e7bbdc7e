"""Fans report an item: the Report button, a reason chosen by buttons, the admins told."""

from __future__ import annotations

from functools import lru_cache

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler

from bot.admin.notices import admin_users, send_notice
from bot.context import VitrineContext
from bot.domain.callbacks import AdminApprove, AdminReject, ReportItem, callback_pattern, decode
from bot.domain.errors import DomainError
from bot.texts import Texts
from handlers.keyboards import Button, button, keyboard
from storage.repositories.item_reports import REPORT_REASONS


@lru_cache(maxsize=1)
def _shared_texts() -> Texts:
    return Texts()


def report_button(language: str, item_id: int, texts: Texts | None = None) -> Button:
    """The ⚠ Report button for a fan's item card (pass `texts` to reuse the services' one)."""
    labels = (texts or _shared_texts()).labels(language, "admin")
    return button(labels["report"], ReportItem(item_id, ""))


async def report_pressed(update: Update, context: VitrineContext) -> None:
    """Ask for a reason, or file the report with the chosen reason."""
    query = update.callback_query
    assert query is not None
    services = context.services
    try:
        value = decode(query.data)
        assert isinstance(value, ReportItem)
    except (DomainError, AssertionError):
        await query.answer()
        return
    item = await services.repos.items.get(value.item_id)
    if item is None or item.status == "suspended":
        await query.answer(
            services.texts.render("admin/report_flow", context.language, event="gone", title="")
        )
        return
    await query.answer()
    if value.reason == "":
        labels = services.texts.labels(context.language, "admin")
        buttons = [[button(labels[f"reason_{r}"], ReportItem(item.id, r))] for r in REPORT_REASONS]
        text = services.texts.render(
            "admin/report_flow", context.language, event="choose", title=item.title
        )
        await query.message.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
        )  # type: ignore[union-attr]
        return
    report_id, created = await services.repos.item_reports.create(
        item.id, context.user.id, value.reason
    )
    event = "thanks" if created else "already"
    text = services.texts.render(
        "admin/report_flow", context.language, event=event, title=item.title
    )
    await query.edit_message_text(text, parse_mode=ParseMode.HTML)
    if created:
        await services.repos.audit.record(
            context.user.id,
            "report.file",
            "item",
            item.id,
            {"report_id": report_id, "reason": value.reason},
        )
        await notify_admins_of_report(context, report_id)


async def report_message(context: VitrineContext, report_id: int, language: str) -> str | None:
    """A report as admins read it."""
    services = context.services
    report = await services.repos.item_reports.get(report_id)
    if report is None:
        return None
    item = await services.repos.items.get(report.item_id)
    expert = await services.repos.experts.get(item.expert_id) if item else None
    return services.texts.render(
        "admin/report",
        language,
        report_id=report.id,
        item_id=report.item_id,
        title=report.item_title,
        reason=services.texts.label(language, f"admin.reason_{report.reason}"),
        expert=expert.handle if expert else "?",
    )


def report_buttons(context: VitrineContext, language: str, report_id: int) -> list[list[Button]]:
    """Uphold (suspends the item) or dismiss."""
    labels = context.services.texts.labels(language, "admin")
    return [
        [
            button(labels["uphold"], AdminApprove("report", report_id)),
            button(labels["dismiss"], AdminReject("report", report_id)),
        ]
    ]


async def notify_admins_of_report(context: VitrineContext, report_id: int) -> None:
    """Tell every admin about a new report, with Suspend item / Dismiss buttons."""
    for admin in await admin_users(context.services):
        text = await report_message(context, report_id, admin.language)
        if text is not None:
            markup = keyboard(report_buttons(context, admin.language, report_id))
            await send_notice(
                context.services, context.bot, admin, text, kind="item_report", markup=markup
            )


def handlers() -> list[CallbackQueryHandler]:  # type: ignore[type-arg]
    """The fans' Report button."""
    return [CallbackQueryHandler(report_pressed, pattern=callback_pattern(ReportItem))]
