"""The statistics screens' use cases: /stats (an expert's overview, a campaign's report), /export
(an expert's or a merchant's CSV files) and /platform (admins) — one reading unit of work each.

Who may read what is decided here: an expert (verified, or suspended: they may still read their
own past numbers) reads their own campaigns; a merchant with a verified (or suspended) shop
exports its orders; admins read the platform totals. A refusal is DomainError("report.<code>")
whose code templates/messages/report/refusal.j2 words.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from bot.analytics import export
from bot.analytics.model import CampaignReport, ExpertOverview, PlatformTotals, choose_interval
from bot.analytics.views import TIMELINE_TAIL, day_start, zone
from bot.domain.errors import DomainError
from bot.domain.states import ProfileStatus

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories import Repositories
    from storage.repositories.experts import Expert

# Suspended experts may still read their own past numbers; they just can't publish.
REPORT_EXPERT_STATUSES = (ProfileStatus.VERIFIED, ProfileStatus.SUSPENDED)
MERCHANT_EXPORT_STATUSES = (ProfileStatus.VERIFIED, ProfileStatus.SUSPENDED)


@dataclass(frozen=True)
class Overview:
    """/stats: the expert's handle and their numbers."""

    handle: str
    overview: ExpertOverview


@dataclass(frozen=True)
class ExportFile:
    """One CSV document to send."""

    filename: str
    content: bytes
    rows: int


@dataclass(frozen=True)
class PlatformView:
    """/platform: the totals, and the operators' day they count "today" from."""

    totals: PlatformTotals
    today: str  # YYYY-MM-DD in the platform's default time zone


async def _reader(uow: Repositories, user_id: int) -> Expert:
    """The user's expert profile if they may read reports; DomainError("report.not_expert")."""
    expert = await uow.experts.by_user(user_id)
    if expert is not None and expert.status in REPORT_EXPERT_STATUSES:
        return expert
    raise DomainError("report.not_expert", status=expert.status if expert else "none")


async def _owned(
    uow: Repositories, expert: Expert, campaign_id: int
) -> tuple[int, datetime, datetime | None, datetime | None]:
    """The campaign's (expert id, created, started, finished) times if it is the expert's;
    DomainError("report.not_found" / "report.not_owner") otherwise."""
    times = await uow.analytics.campaign_times(campaign_id)
    if times is None:
        raise DomainError("report.not_found", campaign_id=campaign_id)
    if times[0] != expert.id:
        raise DomainError("report.not_owner", campaign_id=campaign_id)
    return times


async def check_reader(services: Services, *, user_id: int) -> str:
    """The handle of the user's profile if they may read reports; DomainError otherwise."""
    async with services.unit_of_work() as uow:
        return (await _reader(uow, user_id)).handle


async def expert_overview(services: Services, *, user_id: int) -> Overview:
    """/stats: followers, the three windows and the recent campaigns of the user's profile."""
    async with services.unit_of_work() as uow:
        expert = await _reader(uow, user_id)
        return Overview(expert.handle, await uow.analytics.expert_overview(expert.id))


async def campaign_report(
    services: Services, *, user_id: int, campaign_id: int, now: datetime | None = None
) -> CampaignReport:
    """/stats <id>: the campaign's numbers, its timeline interval fitted to how long it has run.

    DomainError: "report.not_expert", "report.not_found", "report.not_owner".
    """
    now = now or datetime.now(UTC)
    async with services.unit_of_work() as uow:
        expert = await _reader(uow, user_id)
        _expert_id, created_at, started_at, finished_at = await _owned(uow, expert, campaign_id)
        start = started_at or created_at
        end = now if finished_at is None else min(now, finished_at + TIMELINE_TAIL)
        interval = choose_interval(start, max(end, start))
        report = await uow.analytics.campaign_report(campaign_id, interval_seconds=interval)
    if report is None:
        raise DomainError("report.not_found", campaign_id=campaign_id)
    return report


async def expert_exports(
    services: Services, *, user_id: int, campaign_id: int | None, timezone: str
) -> list[ExportFile]:
    """/export <id> | all: deliveries, clicks and orders as three CSV files (times local).

    DomainError: "report.not_expert", "report.not_found", "report.not_owner",
    "report.nothing_to_export" (all campaigns, and nothing in any of them).
    """
    async with services.unit_of_work() as uow:
        expert = await _reader(uow, user_id)
        if campaign_id is not None:
            await _owned(uow, expert, campaign_id)
        deliveries = await uow.analytics.delivery_rows(expert.id, campaign_id)
        clicks = await uow.analytics.click_rows(expert.id, campaign_id)
        orders = await uow.analytics.order_rows(expert_id=expert.id, campaign_id=campaign_id)
    if campaign_id is None and not (deliveries or clicks or orders):
        raise DomainError("report.nothing_to_export")
    local = zone(timezone)
    scope = f"campaign-{campaign_id}" if campaign_id is not None else "all-campaigns"
    files = await asyncio.gather(  # CSV writing is CPU work: off the event loop
        asyncio.to_thread(export.deliveries_csv, deliveries, local),
        asyncio.to_thread(export.clicks_csv, clicks, local),
        asyncio.to_thread(export.orders_csv, orders, local),
    )
    return [
        ExportFile(f"vitrine-{scope}-deliveries.csv", files[0], len(deliveries)),
        ExportFile(f"vitrine-{scope}-clicks.csv", files[1], len(clicks)),
        ExportFile(f"vitrine-{scope}-orders.csv", files[2], len(orders)),
    ]


async def merchant_export(
    services: Services, *, user_id: int, timezone: str, today: datetime | None = None
) -> ExportFile:
    """/export orders: every order of the user's shops with the commission owed, as one CSV.

    DomainError: "report.not_merchant", "report.nothing_to_export".
    """
    async with services.unit_of_work() as uow:
        shops = await uow.merchants.of_user(user_id)
        merchant_ids = [shop.id for shop in shops if shop.status in MERCHANT_EXPORT_STATUSES]
        if not merchant_ids:
            raise DomainError("report.not_merchant")
        rows = await uow.analytics.order_rows(merchant_ids=merchant_ids)
    if not rows:
        raise DomainError("report.nothing_to_export")
    local = zone(timezone)
    content = await asyncio.to_thread(export.orders_csv, rows, local)
    day = (today or datetime.now(UTC)).astimezone(local)
    return ExportFile(f"vitrine-orders-{day:%Y%m%d}.csv", content, len(rows))


async def platform_totals(
    services: Services, *, telegram_id: int, now: datetime | None = None
) -> PlatformView:
    """/platform for admins; DomainError("report.not_admin") for anyone else.

    "Today" is the operators' day, in the platform's default time zone.
    """
    if not services.is_admin(telegram_id):
        raise DomainError("report.not_admin")
    now = now or datetime.now(UTC)
    local: tzinfo = zone(services.settings.default_timezone)
    start = day_start(now, local)
    async with services.unit_of_work() as uow:
        totals = await uow.analytics.platform_totals(now=now, day_start=start)
    return PlatformView(totals, start.strftime("%Y-%m-%d"))
