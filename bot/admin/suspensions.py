"""Suspending and reinstating experts, merchants and items: the target card, asking for the
reason, and the change itself — written to the audit log, the owner told why after it commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.admin.notices import queue_notice
from bot.admin.reasons import clean_reason
from bot.admin.targets import (
    SuspendKind,
    is_verified,
    name_in,
    owner_in,
    owner_name_in,
    resolve_in,
    status_in,
    suspend_kind,
)
from bot.campaigns.withdraw import withdraw_expert, withdraw_item
from bot.domain.errors import DomainError
from bot.domain.states import ItemStatus, ProfileStatus

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories import Repositories
    from storage.repositories.item_reports import ItemReport
    from storage.repositories.users import User


def is_suspended(status: str) -> bool:
    """Whether an expert's, shop's or item's status is its suspended one."""
    return status in (ProfileStatus.SUSPENDED, ItemStatus.SUSPENDED)


@dataclass(frozen=True)
class TargetCard:
    """A target as its card shows it: state, name, and the reason of its latest (un)suspension."""

    kind: SuspendKind
    target_id: int
    status: str
    subject: str
    reason: str  # the admin's typed reason, "" when none
    report_reason: str  # the upheld report's reason code, when the suspension came from one

    @property
    def suspended(self) -> bool:
        return is_suspended(self.status)


@dataclass(frozen=True)
class SuspensionAsked:
    """Suspend or Reinstate was pressed: whom to ask about, or that it is already done."""

    kind: SuspendKind
    target_id: int
    suspend: bool
    subject: str
    owner: str  # who will read the reason
    unchanged: bool  # another admin was faster: `card` shows it as it is
    card: TargetCard


@dataclass(frozen=True)
class SuspensionChanged:
    """After the typed reason: what changed, the card as it is now, and whether the owner knows."""

    changed: bool
    suspend: bool
    subject: str
    owner: str
    told: bool
    card: TargetCard | None
    menu_user_id: int | None  # whose menu changed with their role (experts and shop owners)


async def card_in(uow: Repositories, kind: SuspendKind, target_id: int) -> TargetCard:
    """The target's card; DomainError("admin.unknown_target") when it does not exist."""
    status = await status_in(uow, kind, target_id)
    last = await uow.audit.latest(kind, target_id, (f"{kind}.suspend", f"{kind}.unsuspend"))
    reason = code = ""
    if last is not None and last.action.endswith(".suspend") == is_suspended(status):
        reason = str(last.detail.get("reason") or "")
        code = str(last.detail.get("report_reason") or "")
    return TargetCard(kind, target_id, status, await name_in(uow, kind, target_id), reason, code)


async def target_card(services: Services, args: list[str]) -> TargetCard:
    """/admin <expert|merchant|item> <ref>: the card; DomainError("admin.not_found") otherwise."""
    async with services.unit_of_work() as uow:
        target = await resolve_in(uow, args)
        if target is None:
            raise DomainError("admin.not_found")
        try:
            return await card_in(uow, *target)
        except DomainError as error:
            raise DomainError("admin.not_found") from error


async def refreshed_card(services: Services, kind: str, target_id: int) -> TargetCard | None:
    """The card as it is now, to redraw it; None when the target is gone."""
    async with services.unit_of_work() as uow:
        try:
            return await card_in(uow, suspend_kind(kind), target_id)
        except DomainError:
            return None


async def ask_suspension(
    services: Services, *, kind: str, target_id: int, suspend: bool
) -> SuspensionAsked:
    """Suspend or Reinstate pressed on a card: check it may happen, and name who will be told.

    DomainError: "admin.bad_target" (a kind that cannot be suspended: forged data),
    "admin.unknown_target", "admin.not_verified" (a pending or rejected account).
    """
    checked = suspend_kind(kind)
    async with services.unit_of_work() as uow:
        card = await card_in(uow, checked, target_id)
        unchanged = suspend == card.suspended
        if not unchanged and suspend and checked != "item" and not is_verified(card.status):
            raise DomainError("admin.not_verified", kind=checked)
        owner = await owner_name_in(uow, checked, await owner_in(uow, checked, target_id))
    return SuspensionAsked(checked, target_id, suspend, card.subject, owner, unchanged, card)


async def suspend_in(
    uow: Repositories,
    admin_id: int,
    kind: SuspendKind,
    target_id: int,
    *,
    suspended: bool,
    reason: str | None = None,
    report: ItemReport | None = None,
) -> int | None:
    """Suspend (or reinstate) inside the caller's unit; the audit entry's id, None if unchanged.

    The admin's `reason` (or the upheld `report`) is kept in the audit entry; a suspended
    expert's or merchant's reason is also kept on their row, for the screens they see.
    """
    status = await status_in(uow, kind, target_id)
    if suspended == is_suspended(status):
        return None
    if suspended and kind != "item" and not is_verified(status):
        raise DomainError("admin.not_verified", kind=kind)
    kept_reason = reason if suspended else None
    profile = ProfileStatus.SUSPENDED if suspended else ProfileStatus.VERIFIED
    if kind == "expert":
        await uow.experts.set_status(target_id, profile, reason=kept_reason)
        if suspended:  # their pushes stop now, not when the queue reaches them
            await withdraw_expert(uow, target_id)
    elif kind == "merchant":
        await uow.moderation.set_merchant_status(target_id, profile, reason=kept_reason)
    else:
        # A reinstated item comes back delisted: its expert decides when fans see it again.
        await uow.items.set_status(
            target_id, ItemStatus.SUSPENDED if suspended else ItemStatus.DELISTED
        )
        if suspended:
            await uow.items.pin(target_id, None)
            await withdraw_item(uow, target_id)
    detail: dict[str, object] = {"reason": reason} if reason else {}
    if report is not None:
        detail.update(report_id=report.id, report_reason=report.reason)
    action = f"{kind}.{'suspend' if suspended else 'unsuspend'}"
    return await uow.audit.record(admin_id, action, kind, target_id, detail)


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
    """Suspend (or reinstate) in one unit of work; False when nothing changed (no one is told).

    DomainError("admin.bad_target") for a kind that cannot be suspended.
    """
    checked = suspend_kind(kind)
    async with services.unit_of_work(write=True) as uow:
        entry = await suspend_in(
            uow, admin_id, checked, target_id, suspended=suspended, reason=reason, report=report
        )
    return entry is not None


async def change_suspension(
    services: Services, *, admin_id: int, kind: str, target_id: int, suspend: bool, reason: str
) -> SuspensionChanged:
    """The typed reason for a Suspend or Reinstate: apply it, then tell the owner why.

    DomainError: "admin.reason_empty" / "admin.reason_too_long" (ask again),
    "admin.bad_target", "admin.unknown_target", "admin.not_verified".
    """
    cleaned = clean_reason(reason)
    checked = suspend_kind(kind)
    async with services.unit_of_work(write=True) as uow:
        entry = await suspend_in(
            uow, admin_id, checked, target_id, suspended=suspend, reason=cleaned
        )
        card = await card_in(uow, checked, target_id)
        owner = await owner_in(uow, checked, target_id)
        owner_name = await owner_name_in(uow, checked, owner)
        subject = await notice_subject(uow, checked, target_id)
    told = False
    if entry is not None and owner is not None:
        told = await tell_owner(
            services, owner, checked, subject, f"audit:{entry}", suspended=suspend, reason=cleaned
        )
    return SuspensionChanged(
        changed=entry is not None,
        suspend=suspend,
        subject=card.subject,
        owner=owner_name,
        told=told,
        card=card,
        menu_user_id=owner.id if owner is not None and checked != "item" else None,
    )


async def notice_subject(uow: Repositories, kind: SuspendKind, target_id: int) -> str:
    """How the owner's notice names the target (an expert's handle without the @)."""
    if kind == "expert":
        expert = await uow.experts.get(target_id)
        return expert.handle if expert else ""
    return await name_in(uow, kind, target_id)


async def tell_owner(
    services: Services,
    owner: User,
    kind: SuspendKind,
    subject: str,
    event: str,
    *,
    suspended: bool,
    reason: str = "",
    report_reason: str = "",
) -> bool:
    """Tell the expert (or shop owner) in their language what happened and why, once per
    `event` (the audit entry or report it comes from)."""
    if report_reason:
        names = services.texts.labels(owner.language, "admin")
        reason = names.get(f"reason_{report_reason}", report_reason)
    text = services.texts.render(
        "admin/suspension_notice",
        owner.language,
        kind=kind,
        suspended=suspended,
        subject=subject,
        reason=reason,
    )
    return await queue_notice(services, owner, text, kind="suspension_notice", event=event)
