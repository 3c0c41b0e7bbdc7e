"""What waits for the admins: pending expert applications, pending shop registrations, open
item reports. Read from the database, so an admin who was not there when a notice went out (or
never talked to the bot before) sees everything on their first /start or /admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.admin.item_reports import ReportCard, report_card_in
from bot.domain.partners import find_partner
from bot.domain.states import ProfileStatus
from bot.experts.cards import render_expert_card
from bot.experts.publishing import partner_whitelist
from bot.merchants.shops import platform_label

if TYPE_CHECKING:
    from bot.services import Services

QUEUE_SHOWN = 10  # oldest of each kind shown as cards; the rest follow once these are decided


@dataclass(frozen=True)
class QueuedExpert:
    """A pending expert application, its card rendered in the admin's language."""

    expert_id: int
    applicant: str
    card: str


@dataclass(frozen=True)
class QueuedMerchant:
    """A pending shop registration."""

    merchant_id: int
    name: str
    shop_id: str
    platform: str  # the platform's name in the admin's language


@dataclass(frozen=True)
class AdminQueue:
    """The oldest waiting cases of each kind, and how many wait in all."""

    experts: list[QueuedExpert]
    merchants: list[QueuedMerchant]
    reports: list[ReportCard]
    experts_waiting: int
    merchants_waiting: int
    reports_waiting: int

    @property
    def waiting(self) -> int:
        """Everything that waits for a decision."""
        return self.experts_waiting + self.merchants_waiting + self.reports_waiting

    @property
    def shown(self) -> int:
        """How many cases follow as cards."""
        return len(self.experts) + len(self.merchants) + len(self.reports)


async def waiting_queue(
    services: Services, *, language: str, shown: int = QUEUE_SHOWN
) -> AdminQueue:
    """The admins' queue, oldest first, read in one unit of work."""
    async with services.unit_of_work() as uow:
        experts_waiting, merchants_waiting, reports_waiting = await uow.moderation.waiting_counts()
        experts = await uow.experts.with_status(ProfileStatus.PENDING, limit=shown)
        merchants = await uow.moderation.merchants_with_status(ProfileStatus.PENDING, limit=shown)
        reports = [
            card
            for report in await uow.item_reports.open_reports(limit=shown)
            if (card := await report_card_in(uow, report.id)) is not None
        ]
    partners = partner_whitelist(services)
    queued_merchants = []
    for merchant in merchants:
        partner = find_partner(merchant.partner_key, partners)
        platform = platform_label(services, language, partner) if partner else merchant.partner_key
        queued_merchants.append(
            QueuedMerchant(merchant.id, merchant.name, merchant.shop_id, platform)
        )
    return AdminQueue(
        # The expert card reads its order outcomes itself (one short read per card).
        experts=[
            QueuedExpert(e.id, e.display_name, await render_expert_card(services, e, language))
            for e in experts
        ],
        merchants=queued_merchants,
        reports=reports,
        experts_waiting=experts_waiting,
        merchants_waiting=merchants_waiting,
        reports_waiting=reports_waiting,
    )
