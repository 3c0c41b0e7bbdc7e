"""Timed money work: confirming commissions when refund windows close, merchants' daily summary."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram.ext import JobQueue

from bot.context import SERVICES_KEY, VitrineApp, VitrineContext
from bot.domain.states import DEFAULT_LANGUAGE, ProfileStatus
from bot.orders.notices import send_notice
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


async def send_daily_summaries(services: Services, *, now: datetime | None = None) -> int:
    """Send every verified merchant the last 24 hours of orders; return how many were sent.

    The figures are read in one unit of work (one consistent snapshot), then queued.
    """
    until = now or datetime.now(UTC)
    since = until - timedelta(days=1)
    summaries: list[tuple[int, int, str]] = []  # (merchant id, chat, text)
    async with services.unit_of_work() as uow:
        for merchant in await uow.merchants.with_status(ProfileStatus.VERIFIED, limit=10_000):
            totals = await uow.orders.summary(merchant.id, since=since, until=until)
            user = await uow.users.get(merchant.user_id)
            language = user.language if user else DEFAULT_LANGUAGE
            text = services.texts.render(
                "merchant/daily_summary", language, merchant_name=merchant.name, **totals
            )
            summaries.append((merchant.id, merchant.notice_chat_id, text))
    for merchant_id, chat_id, text in summaries:
        await send_notice(
            services,
            kind="merchant_summary",
            chat_id=chat_id,
            text=text,
            dedup_key=f"summary:{merchant_id}:{until.date().isoformat()}",
        )
    return len(summaries)


async def _confirm_job(context: VitrineContext) -> None:
    await confirm_commissions(context.application.bot_data[SERVICES_KEY])


async def _summary_job(context: VitrineContext) -> None:
    await send_daily_summaries(context.application.bot_data[SERVICES_KEY])


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
    if queue is None:  # a web or worker process: the scheduler leader confirms and summarises
        return

    async def arm(context: VitrineContext) -> None:
        _arm_jobs(queue, context.application.bot_data[SERVICES_KEY])

    # Armed at registration, run when the queue starts: at once with --role all, on taking the
    # lead for a standby scheduler (maybe long after): never dropped as a missed run.
    queue.run_once(arm, when=0.5, name="money-jobs-arm", job_kwargs={"misfire_grace_time": None})
