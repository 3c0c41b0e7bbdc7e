"""Admin decisions: applications, suspensions and reports — every one written to the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from bot.campaigns.withdraw import withdraw_expert, withdraw_item
from bot.domain.errors import DomainError

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.audit import AuditEntry
    from storage.repositories.experts import Expert
    from storage.repositories.item_reports import ItemReport
    from storage.repositories.moderation import MerchantApplication
    from storage.repositories.users import User

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
    services: Services,
    admin_id: int,
    kind: SuspendKind,
    target_id: int,
    *,
    suspended: bool,
    reason: str | None = None,
    report: ItemReport | None = None,
) -> bool:
    """Suspend (or reinstate) an expert, merchant or item; False when nothing changed.

    The admin's `reason` (or the upheld `report`) is kept in the audit entry; a suspended
    expert's or merchant's reason is also kept on their row, for the screens they see.
    """
    status = await current_status(services, kind, target_id)
    if suspended and status == "suspended":
        return False
    if not suspended and status != "suspended":
        return False
    if suspended and kind in ("expert", "merchant") and status != "verified":
        raise DomainError("admin.not_verified", kind=kind)
    kept_reason = reason if suspended else None
    if kind == "expert":
        await services.repos.experts.set_status(
            target_id, "suspended" if suspended else "verified", reason=kept_reason
        )
        if suspended:  # their pushes stop now, not when the queue reaches them
            await withdraw_expert(services.repos, target_id)
    elif kind == "merchant":
        await services.repos.moderation.set_merchant_status(
            target_id, "suspended" if suspended else "verified", reason=kept_reason
        )
    else:
        # A reinstated item comes back delisted: its expert decides when fans see it again.
        await services.repos.items.set_status(target_id, "suspended" if suspended else "delisted")
        if suspended:
            await services.repos.items.pin(target_id, None)
            await withdraw_item(services.repos, target_id)
    detail: dict[str, object] = {"reason": reason} if reason else {}
    if report is not None:
        detail.update(report_id=report.id, report_reason=report.reason)
    await services.repos.audit.record(
        admin_id, f"{kind}.{'suspend' if suspended else 'unsuspend'}", kind, target_id, detail
    )
    return True


async def last_suspension(
    services: Services, kind: SuspendKind, target_id: int
) -> AuditEntry | None:
    """The audit entry of the target's latest suspension or reinstatement (its reason is there)."""
    return await services.repos.audit.latest(
        kind, target_id, (f"{kind}.suspend", f"{kind}.unsuspend")
    )


async def resolve_target(services: Services, args: list[str]) -> tuple[SuspendKind, int] | None:
    """Read what an admin typed: `expert <handle|id>`, `merchant <id>` or `item <id>`."""
    if len(args) != 2 or args[0] not in ("expert", "merchant", "item"):
        return None
    kind, ref = args
    if kind == "expert" and not ref.isdigit():
        expert = await services.repos.experts.by_handle(ref.lstrip("@")[:64])
        return ("expert", expert.id) if expert else None
    if not (ref.isascii() and ref.isdigit() and len(ref) < 16):
        return None
    return kind, int(ref)  # type: ignore[return-value]


async def target_name(services: Services, kind: str, target_id: int) -> str:
    """What an admin calls the target in messages (@handle, shop name, item title, #id)."""
    repos = services.repos
    if kind == "expert":
        expert = await repos.experts.get(target_id)
        return f"@{expert.handle}" if expert else f"#{target_id}"
    if kind == "merchant":
        merchant = await repos.moderation.merchant(target_id)
        return merchant.name if merchant else f"#{target_id}"
    if kind == "item":
        item = await repos.items.get(target_id)
        return item.title if item else f"#{target_id}"
    if kind == "fan":
        user = await repos.users.get(target_id)
        return user.first_name if user and user.first_name else f"#{target_id}"
    return f"#{target_id}"


async def owner_of(services: Services, kind: SuspendKind, target_id: int) -> User | None:
    """Who must hear about a decision on the target: the expert (also for their items) or the
    shop's owner; None when they are gone."""
    repos = services.repos
    user_id: int | None = None
    if kind == "expert":
        expert = await repos.experts.get(target_id)
        user_id = expert.user_id if expert else None
    elif kind == "merchant":
        merchant = await repos.moderation.merchant(target_id)
        user_id = merchant.user_id if merchant else None
    else:
        item = await repos.items.get(target_id)
        expert = await repos.experts.get(item.expert_id) if item else None
        user_id = expert.user_id if expert else None
    return await repos.users.get(user_id) if user_id is not None else None


async def resolve_report(services: Services, admin_id: int, report_id: int, *, uphold: bool) -> int:
    """Uphold a report (the item is suspended, its other open reports close) or dismiss it.

    Returns the reported item's id; DomainError("admin.not_pending") when already handled.
    """
    report = await services.repos.item_reports.get(report_id)
    if report is None or report.status != "open":
        raise DomainError("admin.not_pending")
    if uphold:
        await set_suspended(
            services, admin_id, "item", report.item_id, suspended=True, report=report
        )
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
