"""Admin decisions: approve or reject applications (experts, shops), uphold or dismiss fans' item
reports — one use case per function, one unit of work each, every decision in the audit log.
The applicant (or the reported item's expert) is told after the unit commits.

Suspensions are in bot/admin/suspensions.py, the target helpers in bot/admin/targets.py; the
names this module always had are still importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.admin.notices import queue_notice
from bot.admin.reasons import MAX_REASON_CHARS as MAX_REASON_CHARS
from bot.admin.reasons import clean_reason
from bot.admin.suspensions import notice_subject, set_suspended, suspend_in, tell_owner
from bot.admin.targets import (
    SuspendKind,
    current_status,
    name_in,
    owner_in,
    owner_of,
    resolve_target,
    target_name,
)
from bot.domain.errors import DomainError
from bot.domain.states import ProfileStatus

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories import Repositories
    from storage.repositories.experts import Expert
    from storage.repositories.moderation import MerchantApplication
    from storage.repositories.users import User

__all__ = [
    "MAX_REASON_CHARS",
    "Decided",
    "SuspendKind",
    "approve",
    "ask_rejection",
    "clean_reason",
    "current_status",
    "decide_expert",
    "decide_merchant",
    "dismiss_report",
    "owner_of",
    "reject",
    "resolve_target",
    "set_suspended",
    "target_name",
]

ApplicationKind = Literal["expert", "merchant"]
REPORT_OPEN = "open"


@dataclass(frozen=True)
class Decided:
    """What a decision did, for the admin's outcome line."""

    event: str  # "approved", "rejected", "suspended" (an upheld report), "dismissed"
    subject: str  # @handle, shop name or item title
    menu_user_id: int | None = None  # whose menu changed with their new role


def _application_kind(kind: str) -> ApplicationKind:
    if kind == "expert":
        return "expert"
    if kind == "merchant":
        return "merchant"
    raise DomainError("admin.bad_target", kind=kind)


async def _decide_expert_in(
    uow: Repositories, admin_id: int, expert_id: int, *, approve: bool, reason: str | None
) -> Expert:
    expert = await uow.experts.get(expert_id)
    if expert is None or expert.status != ProfileStatus.PENDING:
        raise DomainError("admin.not_pending")
    status = ProfileStatus.VERIFIED if approve else ProfileStatus.REJECTED
    await uow.experts.set_status(expert_id, status, reason=None if approve else reason)
    await uow.audit.record(
        admin_id,
        f"expert.{'approve' if approve else 'reject'}",
        "expert",
        expert_id,
        {"reason": reason} if reason else {},
    )
    decided = await uow.experts.get(expert_id)
    if decided is None:  # set_status wrote the row a moment ago, in this very transaction
        raise DomainError("admin.unknown_target", kind="expert", target_id=expert_id)
    return decided


async def _decide_merchant_in(
    uow: Repositories, admin_id: int, merchant_id: int, *, approve: bool, reason: str | None
) -> MerchantApplication:
    merchant = await uow.moderation.merchant(merchant_id)
    if merchant is None or merchant.status != ProfileStatus.PENDING:
        raise DomainError("admin.not_pending")
    status = ProfileStatus.VERIFIED if approve else ProfileStatus.REJECTED
    await uow.moderation.set_merchant_status(
        merchant_id, status, reason=None if approve else reason
    )
    await uow.audit.record(
        admin_id,
        f"merchant.{'approve' if approve else 'reject'}",
        "merchant",
        merchant_id,
        {"reason": reason} if reason else {},
    )
    decided = await uow.moderation.merchant(merchant_id)
    if decided is None:
        raise DomainError("admin.unknown_target", kind="merchant", target_id=merchant_id)
    return decided


async def decide_expert(
    services: Services, admin_id: int, expert_id: int, *, approve: bool, reason: str | None = None
) -> Expert:
    """Verify or reject a pending expert; DomainError("admin.not_pending") when already decided."""
    async with services.unit_of_work(write=True) as uow:
        return await _decide_expert_in(uow, admin_id, expert_id, approve=approve, reason=reason)


async def decide_merchant(
    services: Services, admin_id: int, merchant_id: int, *, approve: bool, reason: str | None = None
) -> MerchantApplication:
    """Verify or reject a pending merchant; DomainError("admin.not_pending") when already decided."""
    async with services.unit_of_work(write=True) as uow:
        return await _decide_merchant_in(uow, admin_id, merchant_id, approve=approve, reason=reason)


async def _tell_applicant(
    services: Services,
    user: User | None,
    kind: ApplicationKind,
    target_id: int,
    subject: str,
    *,
    approved: bool,
    reason: str,
) -> None:
    """The verdict in the applicant's language, once per decision."""
    if user is None:
        return
    if kind == "expert":
        text = services.texts.render(
            "expert/verdict", user.language, approved=approved, handle=subject, reason=reason
        )
    else:
        text = services.texts.render(
            "admin/merchant_verdict",
            user.language,
            approved=approved,
            subject=subject,
            reason=reason,
        )
    event = f"{kind}:{target_id}:{'approve' if approved else 'reject'}"
    await queue_notice(services, user, text, kind=f"{kind}_verdict", event=event)


async def _decide(
    services: Services,
    admin_id: int,
    kind: ApplicationKind,
    target_id: int,
    *,
    approve: bool,
    reason: str | None,
) -> Decided:
    async with services.unit_of_work(write=True) as uow:
        if kind == "expert":
            expert = await _decide_expert_in(
                uow, admin_id, target_id, approve=approve, reason=reason
            )
            user_id, subject, shown = expert.user_id, expert.handle, f"@{expert.handle}"
        else:
            merchant = await _decide_merchant_in(
                uow, admin_id, target_id, approve=approve, reason=reason
            )
            user_id, subject, shown = merchant.user_id, merchant.name, merchant.name
        user = await uow.users.get(user_id)
    await _tell_applicant(
        services, user, kind, target_id, subject, approved=approve, reason=reason or ""
    )
    return Decided("approved" if approve else "rejected", shown, user_id)


async def approve(services: Services, *, admin_id: int, kind: str, target_id: int) -> Decided:
    """Approve: verify an expert or a shop, or uphold a report (the item is suspended).

    DomainError: "admin.not_pending" (already decided), "admin.bad_target" (another kind).
    """
    if kind == "report":
        return await _uphold_report(services, admin_id, target_id)
    checked = _application_kind(kind)
    return await _decide(services, admin_id, checked, target_id, approve=True, reason=None)


async def ask_rejection(services: Services, *, kind: str, target_id: int) -> str:
    """Reject pressed on an application: its name, to ask for the reason the applicant reads.

    DomainError: "admin.not_pending" (decided already, or gone), "admin.bad_target".
    """
    checked = _application_kind(kind)
    async with services.unit_of_work() as uow:
        if checked == "expert":
            expert = await uow.experts.get(target_id)
            status = expert.status if expert else None
        else:
            merchant = await uow.moderation.merchant(target_id)
            status = merchant.status if merchant else None
        if status != ProfileStatus.PENDING:
            raise DomainError("admin.not_pending")
        return await name_in(uow, checked, target_id)


async def reject(
    services: Services, *, admin_id: int, kind: str, target_id: int, reason: str
) -> Decided:
    """The typed reason of a rejection: reject the application and tell the applicant why.

    DomainError: "admin.reason_empty" / "admin.reason_too_long" (ask again),
    "admin.not_pending", "admin.bad_target".
    """
    cleaned = clean_reason(reason)
    checked = _application_kind(kind)
    return await _decide(services, admin_id, checked, target_id, approve=False, reason=cleaned)


async def _uphold_report(services: Services, admin_id: int, report_id: int) -> Decided:
    """Uphold: the item is suspended, its other open reports close, its expert is told why."""
    async with services.unit_of_work(write=True) as uow:
        report = await uow.item_reports.get(report_id)
        if report is None or report.status != REPORT_OPEN:
            raise DomainError("admin.not_pending")
        await suspend_in(uow, admin_id, "item", report.item_id, suspended=True, report=report)
        await uow.item_reports.resolve_for_item(report.item_id, "upheld")
        await uow.audit.record(
            admin_id, "report.uphold", "report", report_id, {"item_id": report.item_id}
        )
        owner = await owner_in(uow, "item", report.item_id)
        subject = await notice_subject(uow, "item", report.item_id)
    if owner is not None:
        await tell_owner(
            services,
            owner,
            "item",
            subject,
            f"report:{report_id}:uphold",
            suspended=True,
            report_reason=report.reason,
        )
    return Decided("suspended", subject)


async def dismiss_report(services: Services, *, admin_id: int, report_id: int) -> Decided:
    """Dismiss a report: nothing happens to the item; DomainError("admin.not_pending") if handled."""
    async with services.unit_of_work(write=True) as uow:
        report = await uow.item_reports.get(report_id)
        if report is None or report.status != REPORT_OPEN:
            raise DomainError("admin.not_pending")
        await uow.item_reports.resolve(report_id, "dismissed")
        await uow.audit.record(
            admin_id, "report.dismiss", "report", report_id, {"item_id": report.item_id}
        )
    return Decided("dismissed", report.item_title)
