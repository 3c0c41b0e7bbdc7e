"""What waits for the admins: pending expert applications, pending shop registrations, open
item reports. Read from the database, so an admin who was not there when a notice went out (or
never talked to the bot before) sees everything on their first /start or /admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.experts import Expert
    from storage.repositories.item_reports import ItemReport
    from storage.repositories.moderation import MerchantApplication

QUEUE_SHOWN = 10  # oldest of each kind shown as cards; the rest follow once these are decided


@dataclass(frozen=True)
class AdminQueue:
    """The oldest waiting cases of each kind, and how many wait in all."""

    experts: list[Expert]
    merchants: list[MerchantApplication]
    reports: list[ItemReport]
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


async def waiting_queue(services: Services, *, shown: int = QUEUE_SHOWN) -> AdminQueue:
    """The admins' queue, oldest first."""
    repos = services.repos
    experts_waiting, merchants_waiting, reports_waiting = await repos.moderation.waiting_counts()
    return AdminQueue(
        experts=await repos.experts.with_status("pending", limit=shown),
        merchants=await repos.moderation.merchants_with_status("pending", limit=shown),
        reports=await repos.item_reports.open_reports(limit=shown),
        experts_waiting=experts_waiting,
        merchants_waiting=merchants_waiting,
        reports_waiting=reports_waiting,
    )
