"""/admin and an admin's /start: what waits for a decision, each case with its buttons.

Notices of new applications and reports reach only admins who have a chat with the bot; the
queue is read from the database, so an admin who was away (or new) misses nothing.
"""

from __future__ import annotations

from telegram import Update

from bot.admin.callbacks import AuditView
from bot.admin.item_reports import report_markup, report_text
from bot.admin.queue import waiting_queue
from bot.context import VitrineContext
from bot.domain.callbacks import AdminApprove, AdminReject
from bot.menus import admin_seen
from handlers.admin.common import is_admin, labels, refuse, send
from handlers.admin.suspensions import show_target
from handlers.keyboards import button, keyboard


async def admin_command(update: Update, context: VitrineContext) -> None:
    """/admin: the queue; /admin <expert|merchant|item> <ref>: one target with Suspend/Reinstate."""
    await admin_seen(context)
    if not is_admin(update, context):
        await refuse(update, context)
        return
    if context.args:
        await show_target(update, context, context.args)
        return
    await send_queue(update, context, greeting=False)


async def admin_start(update: Update, context: VitrineContext) -> None:
    """After the greeting of /start: an admin sees what waits for them (others see nothing more)."""
    await admin_seen(context)
    if is_admin(update, context) and context.vitrine_user is not None:
        await send_queue(update, context, greeting=True)


async def send_queue(update: Update, context: VitrineContext, *, greeting: bool) -> None:
    """The counts with an Audit log button, then every shown case as a card with its buttons."""
    services, language, names = context.services, context.language, labels(context)
    queue = await waiting_queue(services, language=language)
    summary = services.texts.render(
        "admin/queue",
        language,
        experts=queue.experts_waiting,
        merchants=queue.merchants_waiting,
        reports=queue.reports_waiting,
        shown=queue.shown,
        greeting=greeting,
    )
    audit = button(names["audit_log"], AuditView("all", 0, 0, False))
    await send(update, context, summary, keyboard([[audit]]))
    for expert in queue.experts:
        text = services.texts.render(
            "admin/expert_application", language, card=expert.card, applicant=expert.applicant
        )
        decide = [
            button(names["approve"], AdminApprove("expert", expert.expert_id)),
            button(names["reject"], AdminReject("expert", expert.expert_id)),
        ]
        await send(update, context, text, keyboard([decide]))
    for merchant in queue.merchants:
        text = services.texts.render(
            "admin/merchant_application",
            language,
            subject=merchant.name,
            merchant_id=merchant.merchant_id,
            shop_id=merchant.shop_id,
            partner=merchant.platform,
        )
        decide = [
            button(names["approve"], AdminApprove("merchant", merchant.merchant_id)),
            button(names["reject"], AdminReject("merchant", merchant.merchant_id)),
        ]
        await send(update, context, text, keyboard([decide]))
    for report in queue.reports:
        markup = report_markup(services.texts, language, report.report_id)
        await send(update, context, report_text(services.texts, language, report), markup)
