"""Admin decisions: applications, suspensions and reports — every one written to the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from bot.campaigns.withdraw import withdraw_expert, withdraw_item
from bot.domain.errors import DomainError

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.experts import Expert
    from storage.repositories.moderation import MerchantApplication

SuspendKind = Literal["expert", "merchant", "item"]
MAX_REASON_CHARS = 500


def clean_reason(text: str) -> str:
    """A rejection reason as typed, trimmed; DomainError("admin.reason_*") when empty or too long."""
    reason = " ".join((text or "").split())
    if not reason:
        raise DomainError("admin.reason_empty")
    if len(reason) > MAX_REASON_CHARS:
        raise DomainError("admin.reason_too_long", max=MAX_REASON_CHARS)
    return reason


async def decide_expert(
    services: Services, admin_id: int, expert_id: int, *, approve: bool, reason: str | None = None
) -> Expert:
    """Verify or reject a pending expert; DomainError("admin.not_pending") when already decided."""
    expert = await services.repos.experts.get(expert_id)
    if expert is None or expert.status != "pending":
        raise DomainError("admin.not_pending")
    status = "verified" if approve else "rejected"
    await services.repos.experts.set_status(expert_id, status, reason=None if approve else reason)
    await services.repos.audit.record(
        admin_id,
        f"expert.{'approve' if approve else 'reject'}",
        "expert",
        expert_id,
        {"reason": reason} if reason else {},
    )
    decided = await services.repos.experts.get(expert_id)
    assert decided is not None
    return decided


async def decide_merchant(
    services: Services, admin_id: int, merchant_id: int, *, approve: bool, reason: str | None = None
) -> MerchantApplication:
    """Verify or reject a pending merchant; DomainError("admin.not_pending") when already decided."""
    merchant = await services.repos.moderation.merchant(merchant_id)
    if merchant is None or merchant.status != "pending":
        raise DomainError("admin.not_pending")
    status = "verified" if approve else "rejected"
    await services.repos.moderation.set_merchant_status(
        merchant_id, status, reason=None if approve else reason
    )
    await services.repos.audit.record(
        admin_id,
        f"merchant.{'approve' if approve else 'reject'}",
        "merchant",
        merchant_id,
        {"reason": reason} if reason else {},
    )
    decided = await services.repos.moderation.merchant(merchant_id)
    assert decided is not None
    return decided


async def current_status(services: Services, kind: SuspendKind, target_id: int) -> str:
    """The target's status; DomainError("admin.unknown_target") when it does not exist."""
    target: object | None
    if kind == "expert":
        target = await services.repos.experts.get(target_id)
    elif kind == "merchant":
        target = await services.repos.moderation.merchant(target_id)
    else:
        target = await services.repos.items.get(target_id)
    if target is None:
        raise DomainError("admin.unknown_target", kind=kind, target_id=target_id)
    return str(target.status)  # type: ignore[attr-defined]


async def set_suspended(
    services: Services, admin_id: int, kind: SuspendKind, target_id: int, *, suspended: bool
) -> bool:
    """Suspend (or reinstate) an expert, merchant or item; False when nothing changed."""
    status = await current_status(services, kind, target_id)
    if suspended and status == "suspended":
        return False
    if not suspended and status != "suspended":
        return False
    if suspended and kind in ("expert", "merchant") and status != "verified":
        raise DomainError("admin.not_verified", kind=kind)
    if kind == "expert":
        await services.repos.experts.set_status(target_id, "suspended" if suspended else "verified")
        if suspended:  # their pushes stop now, not when the queue reaches them
            await withdraw_expert(services.repos, target_id)
    elif kind == "merchant":
        await services.repos.moderation.set_merchant_status(
            target_id, "suspended" if suspended else "verified"
        )
    else:
        # A reinstated item comes back delisted: its expert decides when fans see it again.
        await services.repos.items.set_status(target_id, "suspended" if suspended else "delisted")
        if suspended:
            await services.repos.items.pin(target_id, None)
            await withdraw_item(services.repos, target_id)
    await services.repos.audit.record(
        admin_id, f"{kind}.{'suspend' if suspended else 'unsuspend'}", kind, target_id
    )
    return True


async def resolve_report(services: Services, admin_id: int, report_id: int, *, uphold: bool) -> int:
    """Uphold a report (the item is suspended, its other open reports close) or dismiss it.

    Returns the reported item's id; DomainError("admin.not_pending") when already handled.
    """
    report = await services.repos.item_reports.get(report_id)
    if report is None or report.status != "open":
        raise DomainError("admin.not_pending")
    if uphold:
        await set_suspended(services, admin_id, "item", report.item_id, suspended=True)
        await services.repos.item_reports.resolve_for_item(report.item_id, "upheld")
    else:
        await services.repos.item_reports.resolve(report_id, "dismissed")
    await services.repos.audit.record(
        admin_id,
        f"report.{'uphold' if uphold else 'dismiss'}",
        "report",
        report_id,
        {"item_id": report.item_id},
    )
    return report.item_id
