"""Timed money work: confirming commissions when refund windows close, merchants' daily summary."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram.ext import JobQueue

from bot.context import SERVICES_KEY, VitrineApp, VitrineContext
from bot.orders.notices import AppHandle, send_notice
from bot.services import Services

log = logging.getLogger(__name__)

CONFIRM_EVERY_SECONDS = 3600
CONFIRM_JOB = "commissions-confirm"
SUMMARY_JOB = "merchant-daily-summary"


async def confirm_commissions(services: Services, *, now: datetime | None = None) -> int:
    """Confirm every commission whose refund window has closed; return how many."""
    moment = now or datetime.now(UTC)
    window = timedelta(days=services.settings.refund_window_days)
    confirmed = await services.repos.commissions.confirm_due(now=moment, refund_window=window)
    if confirmed:
        log.info("confirmed %d commissions", len(confirmed))
    return len(confirmed)


async def send_daily_summaries(
    application: AppHandle,
    services: Services,
    *,
    now: datetime | None = None,
) -> int:
    """Send every verified merchant the last 24 hours of orders; return how many were sent."""
    until = now or datetime.now(UTC)
    since = until - timedelta(days=1)
    sent = 0
    for merchant in await services.repos.merchants.with_status("verified", limit=10_000):
        totals = await services.repos.orders.summary(merchant.id, since=since, until=until)
        user = await services.repos.users.get(merchant.user_id)
        language = user.language if user else "zh_Hans"
        text = services.texts.render(
            "merchant/daily_summary", language, merchant_name=merchant.name, **totals
        )
        await send_notice(
            application,
            services,
            kind="merchant_summary",
            chat_id=merchant.notice_chat_id,
            text=text,
            dedup_key=f"summary:{merchant.id}:{until.date().isoformat()}",
        )
        sent += 1
    return sent


async def _confirm_job(context: VitrineContext) -> None:
    await confirm_commissions(context.application.bot_data[SERVICES_KEY])


async def _summary_job(context: VitrineContext) -> None:
    await send_daily_summaries(context.application, context.application.bot_data[SERVICES_KEY])


def _arm_jobs(queue: JobQueue[VitrineContext], services: Services) -> None:
    """Arm the timed jobs once services (and so the configured hour) exist."""
    # The database is the source of truth: the first run catches up on anything missed while down.
    queue.run_repeating(_confirm_job, interval=CONFIRM_EVERY_SECONDS, first=1, name=CONFIRM_JOB)
    summary_at = time(
        hour=services.settings.merchant_summary_hour,
        tzinfo=ZoneInfo(services.settings.default_timezone),
    )
    queue.run_daily(_summary_job, time=summary_at, name=SUMMARY_JOB)


def schedule_settlement(application: VitrineApp) -> None:
    """Arrange the hourly confirmation and the daily summary to be armed right after start."""
    queue = application.job_queue
    if queue is None:  # installed without the job-queue extra: nothing timed runs
        log.warning("no job queue: commissions are not confirmed automatically")
        return

    async def arm(context: VitrineContext) -> None:
        _arm_jobs(queue, context.application.bot_data[SERVICES_KEY])

    queue.run_once(arm, when=0.5, name="money-jobs-arm")
