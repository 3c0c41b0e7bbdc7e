"""What admins act on: experts, merchants (shops) and items — their kinds, states, names and owners.

The `*_in` functions run inside a caller's unit of work; the others open a reading one of their
own, for callers outside the admin services (and the audit page's names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from bot.domain.errors import DomainError
from bot.domain.states import ProfileStatus

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories import Repositories
    from storage.repositories.users import User

SuspendKind = Literal["expert", "merchant", "item"]
SUSPENDABLE: tuple[SuspendKind, ...] = ("expert", "merchant", "item")
MAX_REF_DIGITS = 15


def suspend_kind(kind: str) -> SuspendKind:
    """`kind` as a kind that can be suspended; DomainError("admin.bad_target") for any other.

    Callback data can carry every admin target kind ("report", "fan"); those are refused here,
    never read as an item.
    """
    for known in SUSPENDABLE:
        if kind == known:
            return known
    raise DomainError("admin.bad_target", kind=kind)


async def status_in(uow: Repositories, kind: SuspendKind, target_id: int) -> str:
    """The target's status; DomainError("admin.unknown_target") when it does not exist."""
    status: str | None = None
    if kind == "expert":
        expert = await uow.experts.get(target_id)
        status = expert.status if expert else None
    elif kind == "merchant":
        merchant = await uow.moderation.merchant(target_id)
        status = merchant.status if merchant else None
    elif kind == "item":
        item = await uow.items.get(target_id)
        status = item.status if item else None
    if status is None:
        raise DomainError("admin.unknown_target", kind=kind, target_id=target_id)
    return str(status)


async def name_in(uow: Repositories, kind: str, target_id: int) -> str:
    """What an admin calls the target in messages (@handle, shop name, item title, #id)."""
    if kind == "expert":
        expert = await uow.experts.get(target_id)
        return f"@{expert.handle}" if expert else f"#{target_id}"
    if kind == "merchant":
        merchant = await uow.moderation.merchant(target_id)
        return merchant.name if merchant else f"#{target_id}"
    if kind == "item":
        item = await uow.items.get(target_id)
        return item.title if item else f"#{target_id}"
    if kind == "fan":
        user = await uow.users.get(target_id)
        return user.first_name if user and user.first_name else f"#{target_id}"
    return f"#{target_id}"


async def owner_in(uow: Repositories, kind: SuspendKind, target_id: int) -> User | None:
    """Who must hear about a decision on the target: the expert (also for their items) or the
    shop's owner; None when they are gone."""
    user_id: int | None = None
    if kind == "expert":
        expert = await uow.experts.get(target_id)
        user_id = expert.user_id if expert else None
    elif kind == "merchant":
        merchant = await uow.moderation.merchant(target_id)
        user_id = merchant.user_id if merchant else None
    else:
        item = await uow.items.get(target_id)
        owner = await uow.experts.get(item.expert_id) if item else None
        user_id = owner.user_id if owner else None
    return await uow.users.get(user_id) if user_id is not None else None


async def owner_name_in(uow: Repositories, kind: SuspendKind, owner: User | None) -> str:
    """How the admin knows whoever is told: @handle for experts, the first name for shop owners."""
    if owner is None:
        return "?"
    expert = await uow.experts.by_user(owner.id)
    if kind != "merchant" and expert is not None:
        return f"@{expert.handle}"
    return owner.first_name or f"#{owner.id}"


async def resolve_in(uow: Repositories, args: list[str]) -> tuple[SuspendKind, int] | None:
    """Read what an admin typed: `expert <handle|id>`, `merchant <id>` or `item <id>`."""
    if len(args) != 2 or args[0] not in SUSPENDABLE:
        return None
    kind, ref = suspend_kind(args[0]), args[1]
    if kind == "expert" and not ref.isdigit():
        expert = await uow.experts.by_handle(ref.lstrip("@")[:64])
        return ("expert", expert.id) if expert else None
    if not (ref.isascii() and ref.isdigit() and len(ref) <= MAX_REF_DIGITS):
        return None
    return kind, int(ref)


def is_verified(status: str) -> bool:
    """Whether an expert's or merchant's status is the verified one (only those are suspended)."""
    return status == ProfileStatus.VERIFIED


# --- each in its own reading unit of work ---------------------------------------------------


async def current_status(services: Services, kind: SuspendKind, target_id: int) -> str:
    """The target's status; DomainError("admin.unknown_target") when it does not exist."""
    async with services.unit_of_work() as uow:
        return await status_in(uow, kind, target_id)


async def target_name(services: Services, kind: str, target_id: int) -> str:
    """What an admin calls the target in messages (@handle, shop name, item title, #id)."""
    async with services.unit_of_work() as uow:
        return await name_in(uow, kind, target_id)


async def owner_of(services: Services, kind: SuspendKind, target_id: int) -> User | None:
    """Who must hear about a decision on the target (see `owner_in`)."""
    async with services.unit_of_work() as uow:
        return await owner_in(uow, kind, target_id)


async def resolve_target(services: Services, args: list[str]) -> tuple[SuspendKind, int] | None:
    """Read what an admin typed (see `resolve_in`)."""
    async with services.unit_of_work() as uow:
        return await resolve_in(uow, args)
