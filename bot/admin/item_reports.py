"""Fans report an item to the admins: choose a reason, file the report (one open report per fan
and item), and every admin gets it with Suspend item / Dismiss buttons after the unit commits.

"Item report" is a fan's report about an item; the statistics screens are bot/reports (analytics).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.admin.notices import admins_in, queue_notice
from bot.domain.callbacks import AdminApprove, AdminReject, ReportReason, encode
from bot.domain.errors import DomainError
from bot.domain.states import ItemStatus

if TYPE_CHECKING:
    from bot.services import Services
    from bot.texts import Texts
    from storage.repositories import Repositories
    from storage.repositories.users import User

# The reasons a fan can choose, in the order the buttons show them ("" asks for one).
REPORT_REASONS: tuple[ReportReason, ...] = tuple(r for r in get_args(ReportReason) if r)


@dataclass(frozen=True)
class ReportCard:
    """A fan's report as admins read it."""

    report_id: int
    item_id: int
    title: str
    reason: str  # the reason code ("fake", …)
    expert: str  # the item's expert's handle, "?" when gone


@dataclass(frozen=True)
class ReportStep:
    """Where a fan's Report press got: "choose" a reason, "thanks" (filed) or "already" filed."""

    event: str
    item_id: int
    title: str


async def report_card_in(uow: Repositories, report_id: int) -> ReportCard | None:
    """The report with its item's title and expert, inside the caller's unit."""
    report = await uow.item_reports.get(report_id)
    if report is None:
        return None
    item = await uow.items.get(report.item_id)
    expert = await uow.experts.get(item.expert_id) if item else None
    return ReportCard(
        report.id,
        report.item_id,
        report.item_title,
        report.reason,
        expert.handle if expert else "?",
    )


def report_text(texts: Texts, language: str, card: ReportCard) -> str:
    """The report as an admin reads it, in `language`."""
    return texts.render(
        "admin/report",
        language,
        report_id=card.report_id,
        item_id=card.item_id,
        title=card.title,
        reason=texts.label(language, f"admin.reason_{card.reason}"),
        expert=card.expert,
    )


def report_markup(texts: Texts, language: str, report_id: int) -> InlineKeyboardMarkup:
    """Uphold (suspends the item) or dismiss."""
    labels = texts.labels(language, "admin")
    uphold = InlineKeyboardButton(
        labels["uphold"], callback_data=encode(AdminApprove("report", report_id))
    )
    dismiss = InlineKeyboardButton(
        labels["dismiss"], callback_data=encode(AdminReject("report", report_id))
    )
    return InlineKeyboardMarkup([[uphold, dismiss]])


async def report_item(services: Services, *, user_id: int, item_id: int, reason: str) -> ReportStep:
    """A fan's Report press: "" asks for a reason; a reason files the report and tells the admins.

    DomainError: "report.gone" (the item is gone or suspended), "report.bad_reason".
    """
    if reason and reason not in REPORT_REASONS:
        raise DomainError("report.bad_reason", reason=reason)
    card: ReportCard | None = None
    admins: list[User] = []
    async with services.unit_of_work(write=bool(reason)) as uow:
        item = await uow.items.get(item_id)
        if item is None or item.status == ItemStatus.SUSPENDED:
            raise DomainError("report.gone", item_id=item_id)
        if not reason:
            return ReportStep("choose", item.id, item.title)
        report_id, created = await uow.item_reports.create(item.id, user_id, reason)
        if created:
            await uow.audit.record(
                user_id, "report.file", "item", item.id, {"report_id": report_id, "reason": reason}
            )
            card = await report_card_in(uow, report_id)
            admins = await admins_in(uow, services.settings.admin_ids)
    if created and card is not None:
        for admin in admins:
            await queue_notice(
                services,
                admin,
                report_text(services.texts, admin.language, card),
                kind="item_report",
                event=f"report:{report_id}",
                markup=report_markup(services.texts, admin.language, report_id),
            )
    return ReportStep("thanks" if created else "already", item.id, item.title)
