"""The polling jobs: every partner in pull mode walks forward often and re-checks hourly."""

from __future__ import annotations

import logging

from bot import metrics
from bot.context import SERVICES_KEY, VitrineApp, VitrineContext
from bot.domain.orders import OrderOutcome
from bot.orders.notices import AppHandle
from bot.orders.pull import PartnerOrderApi, PartnerPuller, WalkReport
from bot.services import Services

log = logging.getLogger(__name__)

PULLERS_KEY = "partner_pullers"


def pullers_of(application: AppHandle, services: Services) -> dict[str, PartnerPuller]:
    """One puller per configured partner, made on first use and kept in bot_data."""
    pullers = application.bot_data.get(PULLERS_KEY)
    if isinstance(pullers, dict):
        return pullers

    async def announce(outcome: OrderOutcome) -> None:
        from bot.orders.announce import announcer_of

        announcer_of(application, services).submit(outcome)

    settings = services.settings.pull
    pullers = {
        partner.key: PartnerPuller(
            services,
            PartnerOrderApi(
                partner,
                page_size=settings.page_size,
                requests_per_second=settings.requests_per_second,
            ),
            settings,
            announce=announce,
        )
        for partner in settings.partners
    }
    application.bot_data[PULLERS_KEY] = pullers
    return pullers


async def close_pullers(application: AppHandle) -> None:
    """Close the partner APIs' HTTP clients (at shutdown, once the jobs have stopped)."""
    pullers = application.bot_data.pop(PULLERS_KEY, None)
    if isinstance(pullers, dict):
        for puller in pullers.values():
            await puller.api.aclose()


async def _forward_job(context: VitrineContext) -> None:
    services = context.application.bot_data[SERVICES_KEY]
    for puller in pullers_of(context.application, services).values():
        report = await puller.forward()
        count_orders(report)
        if report.applied or report.stopped:
            log.info("partner %s forward: %s", puller.key, _summary(report))


async def _recheck_job(context: VitrineContext) -> None:
    services = context.application.bot_data[SERVICES_KEY]
    for puller in pullers_of(context.application, services).values():
        report = await puller.recheck()
        count_orders(report)
        log.info("partner %s recheck: %s", puller.key, _summary(report))


def count_orders(report: WalkReport) -> None:
    """The walk's applied and refused orders in `vitrine_orders`."""
    metrics.ORDERS.labels(result="applied", path="pull").inc(report.applied)
    metrics.ORDERS.labels(result="refused", path="pull").inc(report.refused)


def _summary(report: WalkReport) -> str:
    counts = (
        f"windows {report.windows}, pages {report.pages}, orders {report.orders_seen}, "
        f"applied {report.applied}, confirmed {report.confirmed}, refused {report.refused}, "
        f"retries {report.retries}"
    )
    return counts + (f"; paused: {report.stopped}" if report.stopped else "")


def schedule_pulling(application: VitrineApp) -> None:
    """Arm the polling jobs once services exist, if any partner is in pull mode."""
    queue = application.job_queue
    if queue is None:
        return

    async def arm(context: VitrineContext) -> None:
        services: Services = context.application.bot_data[SERVICES_KEY]
        settings = services.settings.pull
        if not settings.partners:
            return
        queue.run_repeating(
            _forward_job, interval=settings.interval_seconds, first=1, name="partner-pull"
        )
        queue.run_repeating(
            _recheck_job,
            interval=settings.recheck_interval_minutes * 60,
            first=30,
            name="partner-recheck",
        )
        log.info("polling %s", ", ".join(p.key for p in settings.partners))

    # Armed at registration, run when the queue starts: at once with --role all, on taking the
    # lead for a standby scheduler (maybe long after): never dropped as a missed run.
    queue.run_once(arm, when=0.5, name="partner-pull-arm", job_kwargs={"misfire_grace_time": None})
